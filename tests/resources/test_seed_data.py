"""Checks on the seed data in resources/: the condition catalogue and the claims register.

The clinic pages are shipped in resources/seeds/ so that the application never needs the
shared folder; when ../shared/seeds exists beside the repository, the copies must be
byte-identical to it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RESOURCES = REPO_ROOT / "resources"
SEEDS = RESOURCES / "seeds"
SHARED_SEEDS = REPO_ROOT.parent / "shared" / "seeds"

KETAMINE_BLOCK = (
    '("Ketamine"[mh] OR ketamine[tiab] OR esketamine[tiab] OR "S-ketamine"[tiab] OR '
    'arketamine[tiab] OR "R-ketamine"[tiab] OR Spravato[tiab] OR Ketalar[tiab])'
)

CATEGORIES = {
    "efficacy",
    "onset",
    "durability",
    "safety",
    "dependency",
    "opioid_sparing",
    "mechanism",
    "mood_comorbidity",
    "guideline",
    "regulatory",
    "comparison",
}

# Required condition -> MeSH headings its query must use.
REQUIRED_CONDITIONS: dict[str, tuple[str, ...]] = {
    "crps": ("Complex Regional Pain Syndromes",),
    "fibromyalgia": ("Fibromyalgia",),
    "neuropathic-pain": ("Neuralgia",),
    "diabetic-neuropathy": ("Diabetic Neuropathies",),
    "postherpetic-neuralgia": ("Neuralgia, Postherpetic",),
    "phantom-limb-pain": ("Phantom Limb",),
    "spinal-cord-injury-pain": ("Spinal Cord Injuries",),
    "chronic-postsurgical-pain": ("Pain, Postoperative",),
    "cancer-pain": ("Cancer Pain",),
    "chronic-low-back-pain": ("Low Back Pain",),
    "headache-migraine": ("Migraine Disorders", "Headache Disorders"),
    "rheumatoid-arthritis": ("Arthritis, Rheumatoid",),
    "osteoarthritis": ("Osteoarthritis",),
    "chronic-pain": ("Chronic Pain",),
    "depression-chronic-pain": ("Depressive Disorder", "Chronic Pain"),
    "ptsd-chronic-pain": ("Stress Disorders, Post-Traumatic", "Chronic Pain"),
}

NEUROPATHIC_CHILDREN = (
    "diabetic-neuropathy",
    "postherpetic-neuralgia",
    "phantom-limb-pain",
    "spinal-cord-injury-pain",
)

FIELD_TAGS = {"mh", "mh:noexp", "majr", "tiab", "ti"}
PICO_KEYS = {"population", "intervention", "comparator", "outcome", "timepoint"}


def _load(name: str) -> dict[str, Any]:
    with (RESOURCES / name).open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


CONDITIONS_DOC = _load("conditions.json")
CLAIMS_DOC = _load("claims.json")
CONDITIONS: list[dict[str, Any]] = CONDITIONS_DOC["conditions"]
CLAIMS: list[dict[str, Any]] = CLAIMS_DOC["claims"]
CLINICS: list[dict[str, Any]] = CLAIMS_DOC["clinics"]
PAGES: dict[str, dict[str, Any]] = {p["id"]: p for c in CLINICS for p in c["pages"]}
SLUGS = {c["slug"] for c in CONDITIONS}


# --------------------------------------------------------------------------- PubMed syntax

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lpar>\()
      | (?P<rpar>\))
      | (?P<op>AND|OR|NOT)(?=[\s()]|$)
      | (?P<phrase>"[^"]+")\[(?P<ptag>[^\]]+)\]
      | (?P<word>[A-Za-z0-9][A-Za-z0-9*'\-.]*)\[(?P<wtag>[^\]]+)\]
    )""",
    re.VERBOSE,
)


def tokenize(query: str) -> list[tuple[str, str]]:
    """Split a PubMed query into (kind, value) tokens; raise ValueError on anything else."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        m = _TOKEN.match(query, pos)
        if not m:
            raise ValueError(f"unparsable at {pos}: {query[pos : pos + 40]!r}")
        if m.group("lpar"):
            tokens.append(("(", "("))
        elif m.group("rpar"):
            tokens.append((")", ")"))
        elif m.group("op"):
            tokens.append(("op", m.group("op")))
        else:
            tag = m.group("ptag") or m.group("wtag")
            if tag not in FIELD_TAGS:
                raise ValueError(f"unknown field tag [{tag}]")
            tokens.append(("term", m.group("phrase") or m.group("word")))
        pos = m.end()
    return tokens


def parse(query: str) -> None:
    """Validate ``expr := operand (OP operand)*; operand := term | '(' expr ')'``."""
    tokens = tokenize(query)
    pos = 0

    def operand() -> None:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError("expression ends where a term was expected")
        kind, value = tokens[pos]
        if kind == "term":
            pos += 1
        elif kind == "(":
            pos += 1
            expr()
            if pos >= len(tokens) or tokens[pos][0] != ")":
                raise ValueError("unclosed parenthesis")
            pos += 1
        else:
            raise ValueError(f"unexpected {value!r} at token {pos}")

    def expr() -> None:
        nonlocal pos
        operand()
        while pos < len(tokens) and tokens[pos][0] == "op":
            pos += 1
            operand()

    expr()
    if pos != len(tokens):
        raise ValueError(f"unexpected {tokens[pos][1]!r} at token {pos}")


def balanced(query: str) -> bool:
    if query.count('"') % 2:
        return False
    depth = 0
    for ch in re.sub(r'"[^"]*"', '""', query):
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize(
    "query",
    [
        '("a"[mh] OR b[tiab]',
        '("a"[mh] OR b[tiab]))',
        '"a[mh] OR b[tiab]',
        '("a"[mh] b[tiab])',
        '("a"[mh] OR)',
        '("a"[mh] or b[tiab])',
        '("a"[xx] OR b[tiab])',
        "(a OR b[tiab])",
        "()",
    ],
)
def test_query_checker_rejects_bad_syntax(query: str) -> None:
    with pytest.raises(ValueError):
        parse(query)


def test_query_checker_accepts_good_syntax() -> None:
    parse(KETAMINE_BLOCK + ' AND (("Pain, Postoperative"[mh] AND chronic[tiab]) OR "x-y z"[tiab])')
    assert balanced(KETAMINE_BLOCK)
    assert not balanced('("a"[mh]')
    assert not balanced('"a[mh]')


# --------------------------------------------------------------------------- conditions


def test_conditions_document_shape() -> None:
    assert CONDITIONS_DOC["version"] == 1
    assert isinstance(CONDITIONS, list) and CONDITIONS
    for cond in CONDITIONS:
        assert set(cond) == {"slug", "name", "description", "parent", "query"}, cond.get("slug")


def test_condition_slugs_unique_and_well_formed() -> None:
    counts = Counter(c["slug"] for c in CONDITIONS)
    assert [s for s, n in counts.items() if n > 1] == []
    for slug in counts:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug


@pytest.mark.parametrize("cond", CONDITIONS, ids=lambda c: c["slug"])
def test_condition_fields(cond: dict[str, Any]) -> None:
    assert cond["name"].strip()
    assert cond["description"].strip() and "\n" not in cond["description"]
    query = cond["query"]
    assert query.strip()
    assert balanced(query), "unbalanced parentheses or quotes"
    parse(query)
    assert KETAMINE_BLOCK in query
    assert query.startswith(KETAMINE_BLOCK + " AND ("), (
        "ketamine block must be ANDed with a condition block"
    )
    assert query.count(KETAMINE_BLOCK) == 1


def test_condition_parents_exist_without_cycles() -> None:
    parents = {c["slug"]: c["parent"] for c in CONDITIONS}
    for slug, parent in parents.items():
        assert parent is None or parent in parents, f"{slug}: unknown parent {parent}"
        seen = {slug}
        while parent is not None:
            assert parent not in seen, f"cycle through {slug}"
            seen.add(parent)
            parent = parents[parent]


def test_required_conditions_and_headings() -> None:
    by_slug = {c["slug"]: c for c in CONDITIONS}
    missing = sorted(set(REQUIRED_CONDITIONS) - set(by_slug))
    assert missing == []
    for slug, headings in REQUIRED_CONDITIONS.items():
        for heading in headings:
            assert f'"{heading}"[mh]' in by_slug[slug]["query"], f"{slug} lacks {heading}"
    for slug in NEUROPATHIC_CHILDREN:
        assert by_slug[slug]["parent"] == "neuropathic-pain"


def test_postsurgical_query_targets_chronic_pain() -> None:
    query = next(c["query"] for c in CONDITIONS if c["slug"] == "chronic-postsurgical-pain")
    assert '"chronic postsurgical pain"[tiab]' in query
    assert '"persistent postsurgical pain"[tiab]' in query
    # The MeSH heading for post-operative pain is only used together with a chronicity term.
    assert re.search(r'\("Pain, Postoperative"\[mh\] AND \(', query)


@pytest.mark.parametrize("slug", ["depression-chronic-pain", "ptsd-chronic-pain"])
def test_comorbidity_queries_require_pain(slug: str) -> None:
    query = next(c["query"] for c in CONDITIONS if c["slug"] == slug)
    rest = query[len(KETAMINE_BLOCK + " AND ") :]
    # Three top-level blocks: ketamine AND mood-disorder block AND pain block.
    depth = 0
    top_level_ands = 0
    for token_kind, value in tokenize(rest):
        if token_kind == "(":
            depth += 1
        elif token_kind == ")":
            depth -= 1
        elif token_kind == "op" and depth == 0:
            assert value == "AND"
            top_level_ands += 1
    assert top_level_ands == 1


# --------------------------------------------------------------------------- seeds


def _seed_readme_rows() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in (SEEDS / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].endswith(".txt"):
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def test_seed_copies_match_shared_folder() -> None:
    shipped = sorted(p.name for p in SEEDS.iterdir())
    assert "README.md" in shipped
    assert len([n for n in shipped if n.endswith(".txt")]) == 5
    if not SHARED_SEEDS.is_dir():
        pytest.skip("no ../shared/seeds beside the repository")
    assert sorted(p.name for p in SHARED_SEEDS.iterdir()) == shipped
    for name in shipped:
        assert (SEEDS / name).read_bytes() == (SHARED_SEEDS / name).read_bytes(), name


def test_clinics_and_pages_match_seed_readme() -> None:
    assert CLAIMS_DOC["version"] == 1
    rows = _seed_readme_rows()
    assert len(rows) == 5
    clinic_ids = [c["id"] for c in CLINICS]
    assert len(clinic_ids) == len(set(clinic_ids))
    page_ids = [p["id"] for c in CLINICS for p in c["pages"]]
    assert len(page_ids) == len(set(page_ids))
    files = [p["file"] for c in CLINICS for p in c["pages"]]
    assert sorted(files) == sorted(rows)
    for clinic in CLINICS:
        assert clinic["name"].strip() and clinic["pages"]
        for page in clinic["pages"]:
            assert set(page) == {"id", "title", "file", "url"}
            assert (SEEDS / page["file"]).is_file()
            readme_clinic, readme_title = rows[page["file"]]
            assert page["title"] == readme_title
            assert readme_clinic.startswith(clinic["name"])
            assert page["url"] == "" or page["url"].startswith("https://")


# --------------------------------------------------------------------------- claims


def test_claim_count_and_uniqueness() -> None:
    assert len(CLAIMS) >= 40
    ids = Counter(c["id"] for c in CLAIMS)
    assert [i for i, n in ids.items() if n > 1] == []
    texts = Counter(c["text"].strip().lower() for c in CLAIMS)
    assert [t for t, n in texts.items() if n > 1] == []


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c["id"])
def test_claim_fields(claim: dict[str, Any]) -> None:
    assert re.fullmatch(r"C\d{3}", claim["id"])
    assert claim["text"].strip()
    assert claim["category"] in CATEGORIES
    assert isinstance(claim["conditions"], list)
    assert set(claim["conditions"]) <= SLUGS, set(claim["conditions"]) - SLUGS
    assert len(claim["conditions"]) == len(set(claim["conditions"]))
    assert set(claim["pico"]) == PICO_KEYS
    assert all(isinstance(v, str) for v in claim["pico"].values())
    assert claim["pico"]["population"].strip() and claim["pico"]["intervention"].strip()
    assert claim["pico"]["outcome"].strip()
    assert claim["sources"], "a claim needs at least one source"


_PAGE_TEXT = {pid: (SEEDS / p["file"]).read_text(encoding="utf-8") for pid, p in PAGES.items()}


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c["id"])
def test_claim_quotes_are_verbatim(claim: dict[str, Any]) -> None:
    seen = set()
    for source in claim["sources"]:
        assert set(source) == {"page", "quote"}
        assert source["page"] in PAGES, source["page"]
        quote = source["quote"]
        assert quote == quote.strip() and len(quote) >= 20, quote
        assert "\n" not in quote
        assert quote in _PAGE_TEXT[source["page"]], f"not verbatim in {source['page']}: {quote!r}"
        key = (source["page"], quote)
        assert key not in seen, "duplicate source"
        seen.add(key)


def test_every_page_has_claims() -> None:
    per_page = Counter(p for c in CLAIMS for p in {s["page"] for s in c["sources"]})
    for page_id in PAGES:
        assert per_page[page_id] >= 5, page_id


def test_shared_claims_are_merged() -> None:
    # The NMDA mechanism is stated on every page: it must be one claim with five pages.
    nmda = [c for c in CLAIMS if "NMDA" in c["text"]]
    assert len(nmda) == 1
    assert {s["page"] for s in nmda[0]["sources"]} == set(PAGES)
