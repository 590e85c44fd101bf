"""Render the claims screenshots: claims view, claim page, link, verdict and extract dialogs.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/make_claims_screenshot.py [DIR]
(default DIR: /tmp/shots; add --readme to also write resources/screenshots/claims.png).
The studies are synthetic demo records (made-up authors, abstracts and results), served by
the fake E-utilities server the tests use and fetched through the real fetch service; the
links and verdicts are made through the services. Settings go to a temporary directory.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QAbstractItemView
from screenshot_support import fetch_demo, isolate_settings, save, settle, settle_until

from evidence_tracker.domain.findings import Direction, EffectEstimate, EffectMeasure, Finding
from evidence_tracker.store.events import append_event
from evidence_tracker.ui.claims_controller import ClaimsController
from evidence_tracker.ui.main_window import MainWindow
from evidence_tracker.ui.theme import dark_palette

ROOT = Path(__file__).resolve().parents[2]
RCT_2009 = (
    ("BACKGROUND", "Ketamine, an NMDA receptor antagonist, is used off-label for CRPS."),
    ("METHODS", "Sixty adults received 4-hour infusions of ketamine or saline on 10 days."),
    ("RESULTS", "Pain scores fell more with ketamine at 4 weeks (mean difference -1.8 on a "
     "0-10 scale). The difference was no longer significant at 12 weeks."),
    ("CONCLUSIONS", "Ketamine gave short-term relief; durable benefit was not shown."),
)
REVIEW_2021 = (
    ("OBJECTIVE", "To synthesise randomised trials of ketamine for CRPS."),
    ("RESULTS", "Seven trials (n = 312) were included. Ketamine reduced pain intensity "
     "compared with placebo up to 4 weeks after the infusions. Evidence beyond 3 months "
     "was of very low certainty."),
    ("CONCLUSIONS", "Ketamine infusions relieve CRPS pain in the short term."),
)
COHORT_2018 = (
    ("METHODS", "We reviewed 118 outpatients with refractory CRPS given ketamine infusions."),
    ("RESULTS", "Half reported at least 30% pain relief at 3 months; 12% stopped for "
     "adverse effects."),
)
RCT_2015 = (
    ("METHODS", "Forty adults with CRPS received 5-day ketamine infusions or placebo."),
    ("RESULTS", "At 4 weeks pain was lower with ketamine (mean difference -1.2, 95% CI -2.3 to "
     "-0.1). At 12 weeks the difference was small and uncertain (mean difference -0.3, 95% CI "
     "-1.4 to 0.8)."),
)
FM_2014 = (
    ("METHODS", "Twenty-four women with fibromyalgia received ketamine or midazolam."),
    ("RESULTS", "Pain fell during the infusion but not at 8 weeks. Muscle hyperalgesia was "
     "unchanged."),
)
DEMO = [
    ("crps", "Low-dose intravenous ketamine infusions for complex regional pain syndrome: a "
     "randomized, double-blind, placebo-controlled trial.", 2009,
     ["Randomized Controlled Trial"], RCT_2009),
    ("crps", "Ketamine for complex regional pain syndrome: a systematic review and "
     "meta-analysis.", 2021, ["Systematic Review", "Meta-Analysis"], REVIEW_2021),
    ("crps", "Outpatient ketamine infusions in refractory CRPS: a retrospective cohort.", 2018,
     ["Observational Study"], COHORT_2018),
    ("crps", "Retracted: oral ketamine maintenance after infusion in CRPS.", 2016,
     ["Retracted Publication"], "Demo abstract about oral ketamine in CRPS."),
    ("crps", "Five-day ketamine infusions for CRPS: a randomised placebo-controlled trial.",
     2015, ["Randomized Controlled Trial"], RCT_2015),
    ("fibromyalgia", "Intravenous ketamine in fibromyalgia: a crossover trial of pain and "
     "muscle hyperalgesia.", 2014, ["Randomized Controlled Trial"], FM_2014),
    ("fibromyalgia", "Esketamine nasal spray and widespread pain: a pilot study.", 2023,
     ["Clinical Trial"], "Widespread pain fell in a pilot of esketamine in fibromyalgia."),
    ("neuropathic-pain", "Ketamine for chronic neuropathic pain: Cochrane-style review.", 2020,
     ["Review"], "Evidence for ketamine in neuropathic pain is limited and of low quality."),
    ("neuropathic-pain", "Topical ketamine-amitriptyline for postherpetic neuralgia.", 2012,
     ["Randomized Controlled Trial"], "Topical ketamine did not reduce neuralgia pain."),
]
REVIEWER = "Dr Ana Reviewer"


def add_findings(p: Any, pmid: str, claim: str, findings: list[Finding]) -> None:
    """The reviewer's findings on a link, through the findings service where this branch
    has it (the data branch's ``evidence.add_finding``); until then as the same ``link``
    event that service appends."""
    from evidence_tracker.services import evidence

    add = getattr(evidence, "add_finding", None)
    if add is not None:
        for f in findings:
            add(p, pmid, claim, f, reviewer=REVIEWER)
        return
    from evidence_tracker.services.claims import require_reviewer

    mine = next(v for v in evidence.current_links(p, claim=claim, study=pmid)
                if v.reviewer == REVIEWER)
    state = replace(mine.state, findings=tuple(findings))
    with p.transaction():
        append_event(p, "link", reviewer_id=require_reviewer(p, REVIEWER),
                     study_id=mine.study.id, claim_id=mine.claim_id, after=state.to_json(),
                     note="findings")


def finding(outcome: str, timepoint: str, direction: str, md: tuple[float, float, float],
            analysed: int, quote: str) -> Finding:
    return Finding(Finding.new_id(), outcome=outcome, timepoint=timepoint,
                   direction=Direction(direction), effect=EffectEstimate(EffectMeasure.MD, *md),
                   analysed=analysed, quotes=(quote,), comparator="placebo")


def judge(db: Path) -> None:
    """A few links, findings and verdicts, as a reviewer would make them."""
    from evidence_tracker.services import evidence
    from evidence_tracker.store import open_project

    with open_project(db) as p:
        def link(pmid: str, claim: str, stance: str, quote: str, **kw: str) -> None:
            evidence.link_study(p, pmid, claim, stance=stance, quotes=[quote],
                                reviewer=REVIEWER, **kw)

        link("31000001", "C011", "supports", "Pain scores fell more with ketamine at 4 weeks "
             "(mean difference -1.8 on a 0-10 scale).", outcome="Pain NRS", timepoint="4 weeks")
        link("31000002", "C011", "supports", "Ketamine reduced pain intensity compared with "
             "placebo up to 4 weeks after the infusions.", outcome="Pain intensity",
             timepoint="up to 4 weeks")
        link("31000003", "C011", "partly_supports", "Half reported at least 30% pain relief "
             "at 3 months; 12% stopped for adverse effects.", note="Uncontrolled cohort")
        at4 = "At 4 weeks pain was lower with ketamine (mean difference -1.2, 95% CI -2.3 to -0.1)."
        at12 = ("At 12 weeks the difference was small and uncertain (mean difference -0.3, "
                "95% CI -1.4 to 0.8).")
        link("31000005", "C011", "partly_supports", at4, outcome="Pain NRS")
        add_findings(p, "31000005", "C011", [
            finding("Pain intensity (NRS 0-10)", "4 weeks", "favours", (-1.2, -2.3, -0.1), 40,
                    at4),
            finding("Pain intensity (NRS 0-10)", "12 weeks", "no_difference", (-0.3, -1.4, 0.8),
                    38, at12)])
        rct = ("Pain scores fell more with ketamine at 4 weeks (mean difference -1.8 on a 0-10 "
               "scale).")
        add_findings(p, "31000001", "C011", [
            finding("Pain intensity (NRS 0-10)", "4 weeks", "favours", (-1.8, -2.9, -0.7), 60,
                    rct),
            finding("Pain intensity (NRS 0-10)", "12 weeks", "no_difference", (-0.5, -1.6, 0.6),
                    58, "The difference was no longer significant at 12 weeks.")])
        evidence.record_verdict(p, "C011", "supported", reviewer=REVIEWER, rationale=(
            "One RCT and one meta-analysis of seven trials show short-term pain relief in "
            "CRPS; no contradicting trial."))
        link("31000001", "C018", "contradicts", "The difference was no longer significant "
             "at 12 weeks.", outcome="Pain NRS", timepoint="12 weeks")
        evidence.record_verdict(p, "C018", "contradicted", reviewer=REVIEWER, rationale=(
            "The RCT found no benefit at 12 weeks; long-term control is not shown."))
        link("31000002", "C018", "contradicts", "Evidence beyond 3 months was of very low "
             "certainty.", timepoint="> 3 months")  # after the verdict: needs re-review
        link("31000006", "C008", "partly_supports", "Pain fell during the infusion but not "
             "at 8 weeks.", timepoint="infusion; 8 weeks")


def build(out: Path, readme: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    isolate_settings(tmp, REVIEWER)
    from evidence_tracker.services import project as project_service
    from evidence_tracker.ui.app import make_application, open_main_window

    app = make_application()
    db = tmp / "ketamine-audit.sqlite3"
    with project_service.open_or_create(db) as project:
        fetch_demo(project, DEMO)
    judge(db)

    window = open_main_window(db)
    window.resize(1400, 820)
    window.show()
    settle(app)
    claims = window.claims
    window.sidebar.select_clinic(0)
    claims.view.select_claim(claims_by_code(claims, "C011"))
    settle_until(app, lambda: not claims.suggesting)  # suggestions come from the task runner
    index = claims.view.claim_index(claims_by_code(claims, "C011"))
    claims.view.tree.scrollTo(index.parent().parent(), QAbstractItemView.ScrollHint.PositionAtTop)
    settle(app)
    shot = save(window, out, "claims.png")
    if readme:
        shot_readme = ROOT / "resources" / "screenshots" / "claims.png"
        window.grab().save(str(shot_readme))
        print(f"wrote {shot_readme} (from {shot.name})")
    for anchor in ("sof", "forest", "steps", "body"):
        claims.page.browser.scrollToAnchor(anchor)
        settle(app)
        save(claims.page, out, f"claim-page-{anchor}.png")
    for width, height in ((1280, 800), (1920, 1080)):
        window.resize(width, height)
        settle(app)
        claims.page.browser.scrollToAnchor("sof")
        settle(app)
        save(window, out, f"claims-{width}x{height}.png")
    light = app.palette()
    app.setPalette(dark_palette())
    claims.show_claim(claims_by_code(claims, "C011"))
    settle_until(app, lambda: not claims.suggesting)  # suggestions come from the task runner
    settle(app)
    claims.page.browser.scrollToAnchor("sof")
    settle(app)
    save(window, out, "claims-dark.png")
    app.setPalette(light)
    window.resize(1400, 820)
    claims.show_claim(claims_by_code(claims, "C011"))
    settle_until(app, lambda: not claims.suggesting)  # suggestions come from the task runner
    settle(app)
    claims.page.browser.scrollToAnchor("body")
    claims.page.browser.verticalScrollBar().setValue(
        claims.page.browser.verticalScrollBar().value() + 300)
    settle(app)
    save(claims.page, out, "claim-page-links.png")
    claims.page.browser.verticalScrollBar().setValue(10_000)
    settle(app)
    save(claims.page, out, "claim-page-suggestions.png")

    claims.view.select_claim(claims_by_code(claims, "C018"))
    settle_until(app, lambda: not claims.suggesting)  # suggestions come from the task runner
    claims.view.filter.setText("CRPS")
    settle(app)
    save(window, out, "claims-filtered-rereview.png")
    dialog = claims.confirm_verdict()
    assert dialog is not None
    settle(app)
    save(dialog, out, "verdict-dialog.png")
    dialog.reject()
    claims.view.filter.clear()

    window.sidebar.select_clinic(next(c for c, n, _ in window.sidebar._clinics
                                      if n.startswith("Katy")))
    settle(app)
    save(window, out, "claims-one-clinic.png")

    claims.show_study(study_id(window, "31000001"))
    settle(app)
    window.detail.verticalScrollBar().setValue(10_000)
    settle(app)
    save(window, out, "study-with-links.png")
    link = claims.open_link_dialog(study_id(window, "31000006"),
                                   selected_text="Muscle hyperalgesia was unchanged.")
    assert link is not None
    link.filter.setText("fibromyalgia")
    settle(app)
    save(link, out, "link-dialog.png")
    link.reject()

    extract = claims.extract_from_page()
    extract.load_file(ROOT / "resources" / "seeds" / "003_3ce2cd98bbce725a.txt")
    settle(app)
    save(extract, out, "extract-dialog.png")
    extract.reject()
    window.close()
    shutil.rmtree(tmp, ignore_errors=True)


def claims_by_code(claims: ClaimsController, code: str) -> int:
    return next(c.id for c in claims.claims.values() if c.code == code)


def study_id(window: MainWindow, pmid: str) -> int:
    from evidence_tracker.store.studies import find_study_id

    found = find_study_id(window.project, pmid)
    assert found is not None
    return found


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    build(Path(args[0]) if args else Path("/tmp/shots"), "--readme" in sys.argv)
