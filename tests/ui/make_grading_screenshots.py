"""Render the grading screenshots: screening mode, appraisal form, GRADE panel, agreement and
conflicts, history. Not collected by pytest.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/make_grading_screenshots.py [DIR]
(default DIR: /tmp/grading-shots). The studies are synthetic demo records (made-up authors,
abstracts and results) stored through the real store; two reviewers' judgements are made
through the services. Settings go to a temporary directory.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # fake_eutils, for the support

from PySide6.QtCore import QItemSelectionModel
from screenshot_support import isolate_settings, save, settle

from evidence_tracker.domain.grade import GradeAssessment
from evidence_tracker.domain.models import AbstractSection, Author, Certainty, MeshHeading, Study

ANA, BEN, CAT = "Dr Ana Reviewer", "Dr Ben Second", "Dr Cat Arbiter"


def _study(pmid: str, title: str, year: int, types: list[str], sections: list[tuple[str, str]],
           mesh: list[str], author: str) -> Study:
    last, _, initials = author.partition(" ")
    return Study(
        pmid=pmid, title=title, year=year, journal="Demo Journal of Pain",
        journal_abbrev="Demo J Pain", pub_date=str(year),
        authors=[Author(last_name=last, initials=initials), Author(last_name="Demo",
                                                                    initials="X")],
        publication_types=["Journal Article", *types],
        abstract_sections=[AbstractSection(text=t, label=label) for label, t in sections],
        abstract="\n\n".join(f"{label}: {t}" for label, t in sections),
        mesh=[MeshHeading(m) for m in mesh], language="eng", source="demo",
        raw_format="demo",
    )


CRPS = [
    _study("31000001", "Low-dose intravenous ketamine infusions for complex regional pain "
           "syndrome: a randomized, double-blind, placebo-controlled trial", 2009,
           ["Randomized Controlled Trial", "Research Support, Non-U.S. Gov't"],
           [("BACKGROUND", "Ketamine, an NMDA receptor antagonist, is used off-label for "
             "complex regional pain syndrome (CRPS)."),
            ("METHODS", "Sixty adults with CRPS received 4-hour intravenous infusions of "
             "ketamine or saline on 10 days."),
            ("RESULTS", "Pain scores fell more with ketamine at 4 weeks (mean difference -1.8 "
             "on a 0-10 scale). The difference was no longer significant at 12 weeks."),
            ("CONCLUSIONS", "Ketamine gave short-term relief of CRPS pain; durable benefit "
             "was not shown.")],
           ["Complex Regional Pain Syndromes", "Humans", "Ketamine", "Double-Blind Method",
            "Infusions, Intravenous"], "Sample RJ"),
    _study("31000002", "Ketamine for complex regional pain syndrome: a systematic review and "
           "meta-analysis", 2021, ["Systematic Review", "Meta-Analysis"],
           [("OBJECTIVE", "To synthesise randomised trials of ketamine for CRPS."),
            ("RESULTS", "Seven trials (n = 312) were included. Ketamine reduced pain "
             "intensity compared with placebo up to 4 weeks after the infusions.")],
           ["Humans", "Ketamine", "Complex Regional Pain Syndromes"], "Example T"),
    _study("31000003", "Outpatient ketamine infusions in refractory CRPS: a retrospective "
           "cohort", 2018, ["Observational Study"],
           [("METHODS", "We reviewed 118 outpatients with refractory CRPS given ketamine "
             "infusions."),
            ("RESULTS", "Half reported at least 30% pain relief at 3 months.")],
           ["Humans", "Retrospective Studies", "Ketamine"], "Placeholder K"),
    _study("31000004", "Ketamine and allodynia after nerve injury in rats", 2015, [],
           [("RESULTS", "Ketamine reversed mechanical allodynia in a rat model of CRPS.")],
           ["Animals", "Rats", "Ketamine", "Hyperalgesia"], "Murine A"),
    _study("31000006", "Oral ketamine for CRPS: an open-label pilot", 2019, ["Clinical Trial"],
           [("RESULTS", "Twelve patients took oral ketamine for 6 weeks; pain fell by 1.1.")],
           ["Humans", "Administration, Oral", "Ketamine"], "Fictional O"),
    _study("31000007", "Ketamine in complex regional pain syndrome: a narrative review", 2022,
           ["Review"], [("ABSTRACT", "We review the use of ketamine in CRPS.")],
           ["Humans", "Ketamine"], "Review R"),
]
FM = [
    _study("31000005", "Intravenous ketamine in fibromyalgia: a crossover trial of pain and "
           "muscle hyperalgesia", 2014, ["Randomized Controlled Trial"],
           [("METHODS", "Twenty-four women with fibromyalgia received ketamine or midazolam."),
            ("RESULTS", "Pain fell during the infusion but not at 8 weeks.")],
           ["Fibromyalgia", "Humans", "Ketamine", "Cross-Over Studies"], "Trial F"),
]
ROB2_LOW = dict.fromkeys(["randomisation", "deviations", "missing_data", "measurement",
                          "reporting"], "low")


def seed(db: Path) -> None:
    from evidence_tracker.services import appraisal, evidence, grading, review, screening
    from evidence_tracker.services.project import open_or_create
    from evidence_tracker.store import conditions as condition_store
    from evidence_tracker.store.studies import upsert_studies

    with open_or_create(db) as p:
        ids = {c.slug: c.id for c in condition_store.list_conditions(p)}
        upsert_studies(p, CRPS, condition_id=ids["crps"])
        upsert_studies(p, FM, condition_id=ids["fibromyalgia"])
        votes = {"31000001": ("include", "include"), "31000002": ("include", "include"),
                 "31000003": ("include", "maybe"), "31000004": ("exclude", "exclude"),
                 "31000005": ("include", "include")}
        for pmid, (a, b) in votes.items():
            for who, vote in ((ANA, a), (BEN, b)):
                screening.screen(p, pmid, vote, reviewer=who,
                                 reason="Animal or in vitro" if vote == "exclude" else "")
        appraisal.update_appraisal(p, "31000001", reviewer=ANA, participants=60,
                                   follow_up="12 weeks", dose="0.35 mg/kg/h over 4 h, 10 days",
                                   route="iv_infusion", comparator="Placebo (saline)",
                                   rob={**ROB2_LOW, "missing_data": "some_concerns"},
                                   funding="Public / non-profit", conflicts="None declared")
        appraisal.update_appraisal(p, "31000001", reviewer=BEN, participants=60,
                                   route="iv_infusion", rob={**ROB2_LOW, "deviations": "high"})
        appraisal.update_appraisal(p, "31000003", reviewer=ANA, participants=118,
                                   route="iv_infusion", follow_up="3 months",
                                   rob=dict.fromkeys(["confounding", "selection",
                                                      "classification", "deviations",
                                                      "missing_data", "measurement",
                                                      "reporting"], "serious"))
        quote = ("Pain scores fell more with ketamine at 4 weeks (mean difference -1.8 on a "
                 "0-10 scale).")
        for who in (ANA, BEN):
            evidence.link_study(p, "31000001", "C011", stance="supports", quotes=[quote],
                                reviewer=who, timepoint="4 weeks")
        evidence.link_study(p, "31000003", "C011", stance="partly_supports", reviewer=ANA,
                            quotes=["Half reported at least 30% pain relief at 3 months."])
        evidence.link_study(p, "31000003", "C011", stance="supports", reviewer=BEN,
                            quotes=["Half reported at least 30% pain relief at 3 months."])
        evidence.link_study(p, "31000006", "C011", stance="supports", reviewer=ANA,
                            quotes=["Twelve patients took oral ketamine for 6 weeks; pain "
                                    "fell by 1.1."])
        grading.grade_with(p, "C011", reviewer=BEN, ratings={"risk_of_bias": -2},
                           footnotes={"risk_of_bias": "Unblinded infusions in the RCT"})
        grading.record_grade(p, "C008", GradeAssessment(
            Certainty.HIGH, {"imprecision": -2}, footnotes={"imprecision": "24 women"}),
            reviewer=ANA)
        grading.record_grade(p, "C008", GradeAssessment(
            Certainty.HIGH, {"imprecision": -1, "indirectness": -1},
            footnotes={"imprecision": "one small trial", "indirectness": "women only"}),
            reviewer=BEN)
        review.set_review_team(p, [ANA, BEN], reviewer=CAT)


def build(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    isolate_settings(tmp, ANA)
    from evidence_tracker.store.studies import find_study_id
    from evidence_tracker.ui.app import make_application, open_main_window

    app = make_application()
    db = tmp / "grading-demo.sqlite3"
    seed(db)

    window = open_main_window(db)
    grading = window.grading  # type: ignore[attr-defined]
    window.resize(1400, 820)
    window.show()
    settle(app)

    # Screening mode on CRPS, at the first study Ana has not screened.
    crps = next(c.id for c in __import__(
        "evidence_tracker.store.conditions", fromlist=["x"]).list_conditions(window.project)
        if c.slug == "crps")
    window.sidebar.select_condition(crps)
    settle(app)
    dialog = grading.open_screening()
    dialog.resize(1400, 820)
    settle(app)
    save(dialog, out, "screening-mode.png")
    dialog.first()
    settle(app)
    save(dialog, out, "screening-mode-decided.png")
    reasons = dialog.exclude()
    settle(app)
    save(reasons, out, "screening-exclude-reason.png")
    reasons.reject()
    dialog.close()

    # The appraisal form for the RCT.
    row = window.model.row_of(find_study_id(window.project, "31000001"))
    window.table.selectionModel().setCurrentIndex(
        window.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
        | QItemSelectionModel.SelectionFlag.Rows)
    grading.show_appraisal()
    settle(app)
    save(window, out, "appraisal-form.png")

    # The GRADE panel for C011 (claims mode).
    window.sidebar.select_clinic(0)
    settle(app)
    claim = next(o.claim.id for o in window.claims.overviews if o.claim.code == "C011")
    window.claims.view.select_claim(claim)
    grading.show_grade()
    grading.grade_panel.set_claim(claim)
    settle(app)
    save(window, out, "grade-panel.png")
    grading.grade_panel.parentWidget().parentWidget().verticalScrollBar().setValue(10_000)
    settle(app)
    save(window, out, "grade-panel-bottom.png")

    # Agreement and conflicts, seen by the arbiter.
    grading.set_reviewer(CAT)
    agreement = grading.open_agreement()
    agreement.resize(1400, 820)
    settle(app)
    save(agreement, out, "agreement.png")
    agreement.tabs.setCurrentIndex(1)
    settle(app)
    save(agreement, out, "conflicts.png")
    agreement.conflict_table.selectRow(2)
    settle(app)
    save(agreement, out, "conflicts-stance.png")
    agreement.close()

    # The history of the RCT, as the arbiter sees it.
    window.sidebar.select_condition(crps)
    settle(app)
    row = window.model.row_of(find_study_id(window.project, "31000001"))
    window.table.selectionModel().setCurrentIndex(
        window.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
        | QItemSelectionModel.SelectionFlag.Rows)
    history = grading.study_history()
    history.resize(1100, 420)
    settle(app)
    save(history, out, "history.png")
    history.close()

    # Blind mode: Ben sees only his own judgements until Ana has judged.
    grading.set_reviewer(BEN)
    grading.toggle_blind(True)
    window.sidebar.select_condition(crps)
    settle(app)
    row = window.model.row_of(find_study_id(window.project, "31000006"))
    window.table.selectionModel().setCurrentIndex(
        window.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
        | QItemSelectionModel.SelectionFlag.Rows)
    grading.show_appraisal()
    settle(app)
    save(window, out, "blind-appraisal.png")
    window.close()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/grading-shots"))
