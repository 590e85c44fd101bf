"""Every query the GUI runs on a hot path finds its rows through an index.

The real store and service functions run against a small project whose statistics are
scaled up to a 100,000-study project (``sqlite_stat1``, as ANALYZE writes it; and once
without statistics, as a project that was never analysed). Each SQL statement they run is
captured through the connection's trace callback and explained: none may scan a big
table's rows (``SCAN studies``), nor sort study ids without an index; the queries asked
once per screening decision may not scan a big table at all, not even through an index.
A case that captures no statement fails, so a query cannot drop out of the check unseen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_study

from evidence_tracker.domain.claims import Pico
from evidence_tracker.domain.models import Author
from evidence_tracker.services import evidence, review, screening, study_list
from evidence_tracker.store import Project, open_project, study_facts, study_search
from evidence_tracker.store import claims as claim_store
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.events import ensure_reviewer

#: Tables that grow with the project (studies, decisions): never read row by row.
BIG_TABLES = ("studies", "events", "study_conditions", "screening_current", "study_fts_text",
              "study_revisions", "screening_tally")
#: What one scaled-up row of the small project stands for in sqlite_stat1.
SCALE = 2000
_KEYWORDS = {"where", "join", "left", "inner", "on", "indexed", "group", "order", "limit",
             "using", "not", "and", "or", "as", "union", "set", "values"}


def _build(path: Path) -> Project:
    project = open_project(path)
    condition_store.upsert_conditions(project, [
        {"slug": "crps", "name": "CRPS", "query": "ketamine AND crps"},
        {"slug": "fibromyalgia", "name": "Fibromyalgia", "query": "ketamine AND fm"},
    ])
    crps, fm = (row[0] for row in project.conn.execute("SELECT id FROM conditions ORDER BY id"))
    names = ["Ames", "baker", "Cole", "dunn", "Ellis", "ford"]
    for condition_id, offset in ((crps, 0), (fm, 30)):
        study_store.upsert_studies(project, [
            make_study(pmid=str(31000000 + offset + i), year=2000 + i % 20,
                       journal=["Pain", "pain medicine", "Anesthesiology"][i % 3],
                       title=f"Ketamine study {offset + i}",
                       authors=[Author(last_name=names[i % len(names)], initials="A")])
            for i in range(40)], condition_id=condition_id)
    study_store.upsert_studies(project, [make_study(pmid="31000005", deleted=True)])
    ensure_reviewer(project, "ana")
    ensure_reviewer(project, "ben")
    ids = study_store.query_study_ids(project, study_store.StudyFilter(sort="id"))
    for study_id in ids[:12]:
        screening.screen(project, study_id, "include", reviewer="ana")
        screening.screen(project, study_id, "maybe", reviewer="ben")
    review.undo(project, "ana", ["screening"])
    claim_id = claim_store.insert_claim(
        project, code="C001", text="Ketamine relieves CRPS pain", category="efficacy",
        pico=Pico())
    assert claim_id is not None
    for study_id in ids[:5]:
        evidence.link_study(project, study_id, claim_id, stance="supports",
                            quotes=["Pain scores fell by 2.1 points at 12 weeks."],
                            reviewer="ana")
    return project


def _scale_statistics(project: Project) -> None:
    """sqlite_stat1 as ANALYZE writes it for a project SCALE times bigger: SCALE times the
    rows, as many rows per key, except for columns of a few values (the deleted flag),
    whose keys each stand for SCALE times the rows."""
    conn = project.conn
    conn.execute("ANALYZE")
    rows = conn.execute("SELECT tbl, idx, stat FROM sqlite_stat1").fetchall()
    for table, index, stat in rows:
        if table not in BIG_TABLES:
            continue
        first, *rest = (int(n) for n in stat.split(" ") if n.isdigit())
        scaled = [first * SCALE, *(n * SCALE if n * 4 >= first else n for n in rest)]
        conn.execute("UPDATE sqlite_stat1 SET stat = ? WHERE tbl = ? AND idx IS ?",
                     (" ".join(map(str, scaled)), table, index))
    conn.execute("ANALYZE sqlite_schema")  # loads the statistics just written


@pytest.fixture(scope="module", params=["scaled statistics", "no statistics"])
def plan_project(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    project = _build(tmp_path_factory.mktemp("plans") / "project.sqlite3")
    if request.param == "scaled statistics":
        _scale_statistics(project)
    yield project
    project.close()


def _crps(project: Project) -> int:
    return int(project.conn.execute("SELECT id FROM conditions WHERE slug = 'crps'").fetchone()[0])


def _some_study(project: Project) -> int:
    return study_store.query_study_ids(project, study_store.StudyFilter(sort="id"))[20]


def _claim(project: Project) -> int:
    return int(project.conn.execute("SELECT id FROM claims WHERE code = 'C001'").fetchone()[0])


Case = Callable[[Project], Any]
#: (name, call, per decision): the GUI's hot queries through the functions it calls.
#: Per-decision cases run after every screening decision or undo and may not scan a big
#: table even through an index; the others may read an index whole, never the table.
HOT: list[tuple[str, Case, bool]] = [
    ("conditions with counts", condition_store.list_conditions, False),
    ("count all studies", study_store.count_studies, False),
    ("count a condition's studies", lambda p: study_store.count_studies(
        p, study_store.StudyFilter(condition_id=_crps(p))), False),
    ("count a search", lambda p: study_store.count_studies(
        p, study_store.StudyFilter(search="ketamine")), False),
    ("fetch a page of rows", lambda p: study_store.fetch_rows(
        p, study_store.query_study_ids(p, study_store.StudyFilter(), limit=50)), False),
    ("study detail", lambda p: study_store.get_study(p, _some_study(p)), False),
    ("condition study stats", lambda p: study_facts.condition_study_stats(
        p, [_crps(p)]), False),
    ("claim page links", lambda p: claim_store.current_link_rows(p, claim_id=_claim(p)),
     False),
    # What screening mode reads as it opens (and after another window's write).
    ("screening progress by condition", lambda p: screening.progress_by_condition(p, "ana"),
     True),
    ("screening progress", lambda p: screening.progress(p, "ana"), True),
    ("screening progress of a condition", lambda p: screening.progress(p, "ana", "crps"),
     True),
    ("next study to screen", lambda p: screening.next_to_screen(p, "ana"), True),
    ("next study to screen in a condition", lambda p: screening.next_to_screen(
        p, "ana", "crps", after=_some_study(p)), True),
    ("previous study in the queue", lambda p: screening.queue_neighbour(
        p, _some_study(p), "crps", forward=False), True),
    ("position in the queue", lambda p: screening.queue_position(p, _some_study(p)), True),
    ("position in a condition's queue", lambda p: screening.queue_position(
        p, _some_study(p), "crps"), True),
    ("my decision", lambda p: screening.my_decision(p, _some_study(p), "ana"), True),
    ("undo and redo available", lambda p: review.undo_available(p, "ana", ["screening"]),
     True),
    ("study by PMID", lambda p: study_store.find_study_id(p, "31000003"), True),
    ("screening column of a page", lambda p: study_list.screening_status(
        p, study_store.query_study_ids(p, study_store.StudyFilter(), limit=50), "ana"), False),
    ("count all studies, maintained", study_store.count_studies, True),
    ("count a condition's studies, maintained", lambda p: study_store.count_studies(
        p, study_store.StudyFilter(condition_id=_crps(p))), True),
    ("study by DOI", lambda p: study_store.find_study_id(p, "10.1000/ET.31000003"), True),
]
for _sort in study_store.SORTABLE:
    if _sort == "retracted":
        continue  # not a column the studies table sorts by (ui/studies_model.py COLUMNS)
    for _descending in (False, True):
        HOT.append((f"studies sorted by {_sort}{' desc' if _descending else ''}",
                    lambda p, s=_sort, d=_descending: study_store.query_study_ids(
                        p, study_store.StudyFilter(sort=s, descending=d), limit=200), False))


def _search_page(project: Project) -> list[int]:
    """A page of a search matching many studies (here: any number of them)."""
    many = study_store.MANY_HITS
    study_store.MANY_HITS = 1
    try:
        return study_store.query_study_ids(
            project, study_store.StudyFilter(search="ketamine study", sort="first_author"),
            limit=200)
    finally:
        study_store.MANY_HITS = many


HOT.append(("a page of a search with many hits", _search_page, False))


def _big_group_page(project: Project, flt: study_store.StudyFilter) -> list[int]:
    """A page of a screening group holding many studies (here: any number, none too)."""
    many = study_store.MANY_HITS
    study_store.MANY_HITS = 0
    try:
        return study_store.query_study_ids(project, flt, limit=200)
    finally:
        study_store.MANY_HITS = many


for _group in study_store.SCREENING_GROUPS:
    for _condition in (False, True):
        _name = f"screening filter {_group}{' in a condition' if _condition else ''}"

        def _screening_filter(p: Project, g: str = _group, c: bool = _condition
                              ) -> study_store.StudyFilter:
            return study_list.with_screening_group(
                p, study_store.StudyFilter(condition_id=_crps(p) if c else None), g, "ana")

        HOT.append((f"{_name}: a page", lambda p, f=_screening_filter: _big_group_page(
                    p, f(p)), False))
        # The table's count under a screening filter: maintained tallies, per decision.
        HOT.append((f"{_name}: count", lambda p, f=_screening_filter: study_store.
                    count_studies(p, f(p)), True))
# The claim page's suggested studies (on the task runner): the ranked candidates, the
# marks of those shown, and the whole search as the page asks for it.
HOT.append(("suggested studies: ranked candidates", lambda p: study_search.search_candidates(
    p, ["ketamine", "crps", "pain"], condition_ids=[_crps(p)], exclude_ids=[1, 2]), False))
HOT.append(("suggested studies: matches marked", lambda p: study_search.marked_matches(
    p, ["ketamine", "study"], [_some_study(p), 3]), False))
HOT.append(("suggested studies for a claim", lambda p: evidence.suggest_studies(
    p, _claim(p), viewer="ben"), False))
HOT.append(("a condition's studies by year", lambda p: study_store.query_study_ids(
    p, study_store.StudyFilter(condition_id=_crps(p)), limit=200), False))


def _capture(project: Project, call: Case) -> list[str]:
    statements: list[str] = []
    project.conn.set_trace_callback(statements.append)
    try:
        call(project)
    finally:
        project.conn.set_trace_callback(None)
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def _big_names(sql: str) -> set[str]:
    """The big tables a statement reads and the aliases it gives them."""
    names: set[str] = set()
    for table, alias in re.findall(
            rf"\b({'|'.join(BIG_TABLES)})\b(?:\s+(?:AS\s+)?(\w+))?", sql, re.IGNORECASE):
        names.add(table.lower())
        if alias and alias.lower() not in _KEYWORDS:
            names.add(alias.lower())
    return names


def plan_problems(project: Project, sql: str, *, per_decision: bool) -> list[str]:
    """What in the plan of ``sql`` reads a big table row by row (or, ``per_decision``,
    reads one whole)."""
    big = _big_names(sql)
    problems = []
    for *_, detail in project.conn.execute("EXPLAIN QUERY PLAN " + sql):
        scan = re.match(r"SCAN (\w+)( USING .*)?$", detail)
        if scan and scan.group(1).lower() in big and (per_decision or not scan.group(2)):
            problems.append(detail)
        if "TEMP B-TREE FOR ORDER BY" in detail and re.search(r"\bFROM studies\b", sql) \
                and "ORDER BY" in sql and "LIMIT" in sql \
                and not re.search(r"ORDER BY (\w+\.)?rank\b", sql):
            # a page of the studies table sorted without an index (a full-text relevance
            # rank has none to use: it sorts the matches, not the table)
            problems.append(detail)
    return problems


@pytest.mark.parametrize(("name", "call", "per_decision"), HOT, ids=[c[0] for c in HOT])
def test_hot_query_uses_indexes(plan_project: Project, name: str, call: Case,
                                per_decision: bool) -> None:
    statements = _capture(plan_project, call)
    assert statements, f"{name}: no query captured"
    for sql in statements:
        assert plan_problems(plan_project, sql, per_decision=per_decision) == [], sql


def test_the_check_sees_a_full_scan(plan_project: Project) -> None:
    """The check itself catches a scan of a big table, a page sorted without an index, and
    (per decision) a whole index read."""
    unindexed_key = "SELECT id FROM studies WHERE pmcid = 'PMC1'"
    assert plan_problems(plan_project, unindexed_key, per_decision=False) == ["SCAN studies"]
    unindexed_sort = "SELECT s.id FROM studies s ORDER BY s.pages COLLATE NOCASE LIMIT 200"
    assert "USE TEMP B-TREE FOR ORDER BY" in plan_problems(plan_project, unindexed_sort,
                                                           per_decision=False)
    whole_index = "SELECT count(*) FROM study_conditions sc"
    assert plan_problems(plan_project, whole_index, per_decision=False) == []
    assert plan_problems(plan_project, whole_index, per_decision=True)
