"""The seeded CRPS, fibromyalgia, durability and guideline claims on ONE realistic project
(``seeded_realistic.build``: Sigtermans 2009, Schwartzman 2009, Noppers 2011,
Graven-Nielsen 2000, Orhurhu 2019, the 2018 ASRA/AAPM/ASA guideline, Mangnus 2021), each
verdict written from the method (``shared/design/verdicts.md``) BEFORE running the app.

Where the app disagrees with that reading the expectation is kept and marked
``xfail(strict=True)`` with the analysis: the suite stays green, the disagreement stays
visible, and a fix turns it into an XPASS that must be acknowledged.

``pytest tests/verdicts/test_seeded_claims_realistic.py -s -k table`` prints the table the
closing note of issue 11 quotes (also ``bench/seeded_verdicts.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from verdicts.seeded_realistic import build, table

from evidence_tracker.domain.findings import Direction
from evidence_tracker.domain.models import Certainty, Verdict
from evidence_tracker.domain.verdicts import ExclusionReason, ScopeMatch, VerdictResult
from evidence_tracker.services import evidence
from evidence_tracker.store import Project


@pytest.fixture
def realistic(tmp_path: Path) -> Iterator[tuple[Project, dict[str, int]]]:
    project, ids = build(tmp_path / "realistic.sqlite3")
    with project:
        yield project, ids


def verdict(realistic: tuple[Project, dict[str, int]], code: str) -> VerdictResult:
    return evidence.verdict_status(realistic[0], code).suggested


def counted(r: VerdictResult) -> set[int]:
    return {s.study_id for s in r.body.counted}


def left_out(r: VerdictResult) -> dict[int, ExclusionReason]:
    return {e.study_id: e.reason for e in r.body.excluded if not e.finding_id}


# -- fibromyalgia --------------------------------------------------------------------------


def test_c008_fibromyalgia_relief_lasts_minutes(realistic) -> None:
    """C008 "Ketamine reduces widespread pain in fibromyalgia" (effect, no time frame).

    Evidence: Noppers 2011 (24, active placebo, low risk of bias): more responders 15 min
    after a 30-min S-ketamine infusion (8 vs 3), none at 3 h, 1 or 8 weeks, no VAS or FIQ
    difference; Graven-Nielsen 2000 (15 enriched responders, crossover): pain at rest
    lower during the infusion. The body favours the claim up to 30 minutes and shows no
    difference from 2.5 hours on. Both trials count (nothing overlaps). GRADE: randomised
    starts high; 39 participants (15 at the time point the statement rests on): very
    serious imprecision (-2) -> low. Low + favours: partly supported, "may reduce ... for
    up to 30 minutes", and the sentence says the effect is gone at 2.5 hours.
    """
    _, ids = realistic
    r = verdict(realistic, "C008")
    assert counted(r) == {ids["noppers"], ids["graven_nielsen"]}
    assert r.certainty is Certainty.LOW and r.direction is Direction.FAVOURS
    assert r.verdict is Verdict.PARTLY_SUPPORTED
    assert "may reduce" in r.statement and "in fibromyalgia for up to 30 minutes" in r.statement
    assert r.statement.endswith("no important difference at 2.5 hours.")


def test_c008_statement_does_not_say_it_reduces_responders(realistic) -> None:
    """The informative statement must not invert the finding: more patients with >50%
    relief is pain reduced, not "pain responders" reduced."""
    assert "reduce pain responders" not in verdict(realistic, "C008").statement


def test_c047_mental_health_claim(realistic) -> None:
    """C047 "Off-label ketamine infusion treats mental health disorders linked to chronic
    pain: fibromyalgia, anxiety, ..., PTSD and OCD" (effect; fibromyalgia, depression,
    anxiety and PTSD with chronic pain).

    The only linked evidence is Noppers 2011: no difference in fibromyalgia symptoms (FIQ)
    over 8 weeks (24 analysed). Nothing on depression, anxiety or PTSD with chronic pain.
    GRADE: randomised, low risk of bias; a null finding judged on participants: 24 < 100:
    -2 -> low. Low + no important difference: not supported; the sentence says there is no
    evidence in the other populations.
    """
    r = verdict(realistic, "C047")
    assert r.certainty is Certainty.LOW and r.direction is Direction.NO_DIFFERENCE
    assert r.verdict is Verdict.NOT_SUPPORTED
    assert r.statement.startswith("IV ketamine may result in little to no difference in")
    assert "no evidence in" in r.statement


@pytest.mark.xfail(strict=True, reason=(
    "Disagreement (statement wording): the population of the sentence lists every claimed "
    "population although the finding is in fibromyalgia only, and the null finding's "
    "time point (8 weeks) is not said (condition slugs are fixed: names are used)."))
def test_c047_statement_names_populations_and_time(realistic) -> None:
    """Santesso 2020: the sentence names where the evidence is (fibromyalgia, at 8 weeks)
    and where it is not, in words."""
    s = verdict(realistic, "C047").statement
    assert "depression-chronic-pain" not in s and "at 8 weeks" in s


# -- CRPS ----------------------------------------------------------------------------------


def test_c011_crps_pain_relief_up_to_12_weeks(realistic) -> None:
    """C011 "IV ketamine reduces pain in CRPS" (effect, no time frame).

    Evidence: Sigtermans 2009 (60, RCT, some concerns: psychomimetic effects 76% vs 18%
    unblind a self-reported outcome): pain lower at 1 and 11 weeks, significance lost at
    12 weeks (P = 0.07), no functional improvement. Schwartzman 2009 (19 analysed, high
    risk: stopped early, selectively reported 'many pain parameters'): reductions over 3
    months. Both count (no review linked to this claim).

    Methodologist: the body favours the claim through 11 weeks; at 12 weeks-3 months the
    trials diverge (not significant in the larger one). GRADE: randomised, high; risk of
    bias -1; imprecision -1 (79 patients, far under ~400, but a large effect): low. Low +
    favours: partly supported: "IV ketamine may reduce pain in CRPS for up to 11 weeks
    (low certainty)", the sentence saying the effect was not significant at 12 weeks.
    """
    r = verdict(realistic, "C011")
    assert r.direction is Direction.FAVOURS and r.certainty is Certainty.LOW
    assert r.verdict is Verdict.PARTLY_SUPPORTED
    assert "may reduce pain intensity in CRPS for up to 11 weeks" in r.statement
    assert "12 weeks" in r.statement


def test_c011_what_counts(realistic) -> None:
    """The body itself (agreed): both CRPS trials count, once each, nothing left out; the
    verdict is not "supported" (two small trials cannot make it so), and the certainty is
    at most low."""
    _, ids = realistic
    r = verdict(realistic, "C011")
    assert counted(r) == {ids["sigtermans"], ids["schwartzman"]} and not r.body.excluded
    assert r.verdict is not Verdict.SUPPORTED
    assert r.certainty in (Certainty.LOW, Certainty.VERY_LOW)


@pytest.mark.xfail(strict=True, reason=(
    "Disagreement (statement and verdict): the app says Partly supported, 'IV ketamine may "
    "reduce pain intensity in CRPS for up to 11 weeks (low certainty); ...'. The sentence "
    "drops the claim's second outcome: no functional improvement is recorded "
    "(Sigtermans) and is neither said nor weighed (only the claim's main outcome "
    "decides)."))
def test_c018_long_term_control_and_function_in_crps(realistic) -> None:
    """C018 "IV ketamine infusions give long-term pain control and restore function in
    CRPS" (durability; "long-term (months after the infusions)").

    In the time frame (from a month on): Sigtermans favours at 11 weeks, not significant
    at 12 weeks, no functional improvement; Schwartzman (small, high risk) favours at 3
    months. The 1-week finding is outside the time frame. Relief fades by 12 weeks in
    the larger trial and function is not restored: the claim's two parts are not borne
    out. Certainty low (as C011). Low + mixed (pain relief to 11 weeks, function and 12-
    week pain no difference): not supported, and the sentence says function did not
    improve.
    """
    r = verdict(realistic, "C018")
    assert r.certainty is Certainty.LOW
    assert r.verdict is Verdict.NOT_SUPPORTED
    assert "function" in r.statement


def test_c018_time_frame_and_not_fully_supported(realistic) -> None:
    """Agreed parts of C018: the 1-week finding is left out as outside the time frame,
    both trials count, and the claim of long-term control is never "supported": relief
    is shown up to 11 weeks and not at 12, so the claim is broader than its evidence (at
    most partly supported; the method does not yet weigh the unrestored function, see
    the xfail below)."""
    _, ids = realistic
    r = verdict(realistic, "C018")
    assert counted(r) == {ids["sigtermans"], ids["schwartzman"]}
    (out,) = r.body.excluded
    assert out.reason is ExclusionReason.OUTSIDE_TIME_FRAME and out.finding_id
    assert "1 week" in out.detail
    assert r.verdict is not Verdict.SUPPORTED and r.scope_match is ScopeMatch.PARTIAL


def test_c052_gold_standard_without_head_to_head(realistic) -> None:
    """C052 "IV ketamine infusion is the gold-standard treatment for CRPS" (comparison).

    No head-to-head trial of ketamine against another CRPS treatment exists; the linked
    evidence is placebo-controlled (Sigtermans, Schwartzman) and one no-comparator series
    (Mangnus 2021, 48 patients, pain 8 -> 6 by the end of infusion). The 2018 guideline
    does not designate it (it grades the evidence moderate, for up to 12 weeks): recorded
    as misattributed, it is left out (a guideline counts only as an explicit
    designation). Placebo-controlled benefit alone makes a superlative overstated: at
    most partly supported, never supported. The certainty of that benefit is C011's (the
    same trials; the series adds no comparative estimate): low. Low + favours, scope
    partial (no head-to-head): partly supported, the sentence saying there is no
    head-to-head comparison.
    """
    _, ids = realistic
    r = verdict(realistic, "C052")
    assert left_out(r) == {ids["cohen_2018"]: ExclusionReason.WRONG_EVIDENCE}
    assert r.verdict is not Verdict.SUPPORTED
    assert r.certainty is verdict(realistic, "C011").certainty is Certainty.LOW
    assert r.verdict is Verdict.PARTLY_SUPPORTED and r.scope_match is ScopeMatch.PARTIAL
    assert "no head-to-head comparison" in r.statement


def test_c052_case_series_does_not_add_precision(realistic) -> None:
    """The certainty of C052's placebo-controlled evidence is that of the trials alone
    (the same trials as C011); adding a no-comparator series must not raise it."""
    assert verdict(realistic, "C052").certainty is verdict(realistic, "C011").certainty


# -- onset ---------------------------------------------------------------------------------


def test_c015_relief_within_40_minutes(realistic) -> None:
    """C015 "IV ketamine relieves chronic pain within 40 minutes of the infusion" (onset;
    chronic pain as a whole).

    Findings within the frame: Noppers responders at 15 min after the infusion (favours),
    none at 3 h, no VAS difference over 2.5 h; Graven-Nielsen pain at rest lower during
    the 30-min infusion (favours). Both in fibromyalgia only. Onset is shown (first
    benefit at 15-30 minutes, within 40), but only in one condition: the claim speaks of
    chronic pain as a whole, so it is broader than its evidence. GRADE: 39 participants:
    -2 -> low. Low + favours, scope partial: partly supported; the sentence says there is
    no evidence in chronic pain as a whole and that the effect is gone at 2.5 hours.
    """
    _, ids = realistic
    r = verdict(realistic, "C015")
    assert counted(r) == {ids["noppers"], ids["graven_nielsen"]}
    assert r.certainty is Certainty.LOW and r.direction is Direction.FAVOURS
    assert r.verdict is Verdict.PARTLY_SUPPORTED
    assert "for up to 30 minutes" in r.statement
    assert "no important difference at 2.5 hours" in r.statement
    assert r.statement.endswith("no evidence in chronic pain as a whole.")


def test_c016_relief_within_hours(realistic) -> None:
    """C016 "Ketamine produces significant pain reduction within hours of the first
    infusion" (onset; chronic pain, fibromyalgia, CRPS).

    The same two fibromyalgia trials: benefit from 15-30 minutes, gone at 2.5-3 hours.
    No onset evidence in CRPS (Sigtermans and Schwartzman report days to weeks) or in
    chronic pain as a whole. Low + favours, scope partial: partly supported; the sentence
    says where the evidence stops (no evidence in CRPS, none in chronic pain as a whole).
    """
    r = verdict(realistic, "C016")
    assert r.certainty is Certainty.LOW and r.verdict is Verdict.PARTLY_SUPPORTED
    assert "no evidence in chronic pain as a whole" in r.statement
    assert "no evidence in crps" in r.statement.lower()


# -- durability across chronic pain, with a review -----------------------------------------


def test_c017_review_and_its_trials_count_once(realistic) -> None:
    """C017 "Pain relief after a short course of ketamine infusions lasts weeks to months"
    (durability; chronic pain; "weeks to several months").

    Orhurhu 2019 (7 RCTs, 211 patients, all but one at high risk of bias; pooled MD -1.83,
    95% CI -2.35 to -1.31 up to 2 weeks; it reports low-quality evidence) includes
    Sigtermans and Noppers, which are also linked: the review stands for them (counted
    once). GRADE: the review's own low certainty caps it: low. The review shows benefit
    up to 2 weeks; the claim is about weeks to months: broader than the evidence. Low +
    favours, scope partial: partly supported.
    """
    _, ids = realistic
    r = verdict(realistic, "C017")
    assert counted(r) == {ids["orhurhu"]}
    assert left_out(r) == {ids["sigtermans"]: ExclusionReason.COVERED_BY_REVIEW,
                           ids["noppers"]: ExclusionReason.COVERED_BY_REVIEW}
    assert r.certainty is Certainty.LOW and r.verdict is Verdict.PARTLY_SUPPORTED
    assert r.statement.startswith("IV ketamine may reduce pain intensity in chronic pain for "
                                  "up to 2 weeks (low certainty)")


@pytest.mark.xfail(strict=True, reason=(
    "Disagreement (statement): 'no evidence beyond 2 weeks' is false in this project. "
    "body._once drops a review's included trials whole, also for time points the review "
    "does not synthesise (its pooled estimate stops at 2 weeks): Sigtermans' relief at 11 "
    "weeks (lost at 12) and Noppers' null FIQ at 8 weeks are not duplicates of the "
    "review's 2-week estimate. The method says 'use either the review or its trials, plus "
    "trials it does not cover' -- per outcome and time point, the trials cover what the "
    "review does not."))
def test_c017_statement_uses_trials_beyond_the_review(realistic) -> None:
    """Beyond 2 weeks the included trials are the evidence: the sentence must not say
    there is none."""
    assert "no evidence beyond 2 weeks" not in verdict(realistic, "C017").statement


# -- attribution ---------------------------------------------------------------------------


def test_c009_research_record_overstated(realistic) -> None:
    """C009 "Ketamine's effectiveness has been studied extensively in neuropathic pain and
    fibromyalgia" (attribution: a statement about the research record).

    The document that assessed that record is the 2018 guideline: for mixed neuropathic
    pain, phantom limb pain, postherpetic neuralgia and fibromyalgia "weak or no
    evidence" (most studies small and uncontrolled). Researchers have explored it, but
    "extensively" says more than the record holds: overstated -> partly supported. A
    fibromyalgia trial linked to the claim is not the cited document and is left out.
    """
    _, ids = realistic
    r = verdict(realistic, "C009")
    assert r.verdict is Verdict.PARTLY_SUPPORTED and r.certainty is None
    assert left_out(r) == {ids["noppers"]: ExclusionReason.WRONG_EVIDENCE}
    assert r.statement.startswith("The cited document (PMID 29870458) says less than the "
                                  "clinic says it does")
    assert "weak or no evidence" in r.statement


@pytest.mark.parametrize(("code", "expected"), [
    ("C050", Verdict.PARTLY_SUPPORTED), ("C051", Verdict.SUPPORTED)])
def test_guideline_claims(realistic, code: str, expected: Verdict) -> None:
    """C050 "the 2018 guidelines concluded that the evidence supports its effectiveness":
    the guideline says "Evidence supports the use of ketamine for chronic pain, but the
    level of evidence varies by condition and dose range" (moderate only for CRPS, weak
    or none elsewhere): the clinic drops the qualification -- overstated, partly
    supported. C051 "found that pain relief depends on the dose and the evidence is
    stronger for some conditions": that is what it says (moderate evidence for higher
    doses; evidence varies by condition) -- accurate, supported."""
    r = verdict(realistic, code)
    assert r.verdict is expected
    assert "level of evidence varies by condition and dose range" in r.statement


def test_table(realistic) -> None:
    """The table for the closing note lists every claim with its verdict and sentence
    (shown with ``-s``)."""
    text = table(realistic[0])
    print("\n" + text)
    for code in ("C008", "C009", "C011", "C015", "C016", "C017", "C018", "C047", "C052"):
        assert code in text
