"""The gold set: claim scenarios written from the method (``shared/design/verdicts.md``),
each with the reasoning a methodologist would give for the expected verdict.

Every scenario runs through the pure domain (:func:`assess`); the last ones run end to end
through the services on a real SQLite project (links with findings as ``link`` events,
appraisals, a review's inclusions as an ``inclusion`` event, ``claims show --json``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evidence_tracker.__main__ import main
from evidence_tracker.domain.claims import ClaimKind, LinkState
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.findings import (
    AttributionMatch,
    Direction,
    EffectEstimate,
    EffectMeasure,
    Finding,
)
from evidence_tracker.domain.grade import BodyStudy, ClaimScope
from evidence_tracker.domain.models import Certainty, EventKind, Stance, Study, Verdict
from evidence_tracker.domain.verdicts import (
    ExclusionReason,
    ScopeMatch,
    VerdictResult,
    assess,
)
from evidence_tracker.services import appraisal, evidence, grading
from evidence_tracker.services.claims import resolve_claim
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.events import append_event, ensure_reviewer
from evidence_tracker.store.studies import upsert_studies

FAV, NOD, AGN = Direction.FAVOURS, Direction.NO_DIFFERENCE, Direction.AGAINST
RCT, SR = StudyDesign.RCT, StudyDesign.SYSTEMATIC_REVIEW
ROB = {"low": 0, "some_concerns": 1, "high": 2, "": None}

CRPS_IV = ClaimScope(frozenset({"crps"}), "Ketamine IV infusion", "",
                     claimed={"crps": frozenset({"crps"})}, population="CRPS",
                     outcome="Pain intensity (e.g. NRS/VAS)")


def scope(**kw: Any) -> ClaimScope:
    base: dict[str, Any] = {"conditions": CRPS_IV.conditions,
                            "intervention": CRPS_IV.intervention, "timepoint": "",
                            "claimed": CRPS_IV.claimed, "population": "CRPS",
                            "outcome": CRPS_IV.outcome}
    base.update(kw)
    return ClaimScope(**base)


def f(direction: Direction, timepoint: str = "12 weeks", *, outcome: str = "pain intensity",
      md: tuple[float, float, float] | None = None, rr: tuple[float, float, float] | None = None,
      n: int | None = None, comparator: str = "placebo", quote: str = "") -> Finding:
    effect = EffectEstimate(EffectMeasure.MD, *md) if md else (
        EffectEstimate(EffectMeasure.RR, *rr) if rr else None)
    return Finding(Finding.new_id(), outcome, timepoint, direction, effect, n,
                   (quote,) if quote else (), comparator)


def study(i: int, *findings: Finding, design: StudyDesign = RCT, rob: str = "low",
          n: int | None = None, conditions: tuple[str, ...] = ("crps",),
          route: str = "iv_infusion", **kw: Any) -> BodyStudy:
    return BodyStudy(i, f"PMID {i}", design, kw.pop("stance", "supports"), ROB[rob], rob, n,
                     conditions, route, findings=findings,
                     design_source=kw.pop("design_source", "appraisal" if rob else
                                         "publication type"), **kw)


def excluded(result: VerdictResult) -> dict[int, ExclusionReason]:
    return {e.study_id: e.reason for e in result.body.excluded if not e.finding_id}


def counted(result: VerdictResult) -> list[int]:
    return [s.study_id for s in result.body.counted]


# -- each study counts once ----------------------------------------------------------------


def test_review_and_its_included_trials_count_once() -> None:
    """A meta-analysis (PMID 1) pools the two linked trials (PMIDs 2, 3): the same patients.
    Vote counting counted them three times. The review has findings for the question, so
    it stands for them; the trials are listed as counted through the review. The review
    reports moderate certainty itself (it judged the trials' risk of bias); 300 analysed
    is under the optimal information size: imprecision -1, high -> moderate. Moderate,
    favours, full scope: supported, "probably reduces"."""
    review = study(1, f(FAV, md=(-1.2, -1.9, -0.5), n=300), design=SR, rob="",
                   includes=frozenset({2, 3}), reported_certainty=Certainty.MODERATE)
    trials = [study(i, f(FAV, n=150)) for i in (2, 3)]
    r = assess(ClaimKind.EFFECT, CRPS_IV, [review, *trials])
    assert counted(r) == [1]
    assert excluded(r) == {2: ExclusionReason.COVERED_BY_REVIEW,
                           3: ExclusionReason.COVERED_BY_REVIEW}
    assert {e.detail for e in r.body.excluded} == {"included in PMID 1"}
    assert r.certainty is Certainty.MODERATE and r.verdict is Verdict.SUPPORTED
    assert r.statement == ("IV ketamine probably reduces pain intensity in CRPS for up to "
                           "12 weeks (moderate certainty).")


def test_review_without_findings_gives_way_to_its_trials() -> None:
    """The review is linked but nobody recorded what it found for this question: it cannot
    stand for its trials, so the trials count (and the review is listed as left out)."""
    review = study(1, design=SR, rob="", includes=frozenset({2, 3}))
    trials = [study(i, f(FAV, md=(-1.0, -1.6, -0.4), n=250)) for i in (2, 3)]
    r = assess(ClaimKind.EFFECT, CRPS_IV, [review, *trials])
    assert counted(r) == [2, 3]
    assert excluded(r) == {1: ExclusionReason.NO_FINDINGS}
    # Two appraised low-risk trials, 500 analysed, pooled CI excludes no effect: high.
    assert r.sof[0].pooled is not None and r.certainty is Certainty.HIGH
    assert r.verdict is Verdict.SUPPORTED


# -- time points -----------------------------------------------------------------------------


def _four_yes_twelve_no() -> BodyStudy:
    return study(7, f(FAV, "4 weeks", md=(-1.5, -2.3, -0.7), n=450),
                 f(NOD, "12 weeks", md=(-0.3, -1.1, 0.5), n=450))


def test_relief_at_4_weeks_not_12_against_a_weeks_to_months_claim() -> None:
    """A trial relieves pain at 4 weeks and shows no important difference at 12. The claim
    says relief lasts "weeks to several months" (about 12 weeks). The body favours the
    claim only up to 4 weeks: the claim is broader than its evidence, so at most partly
    supported, and the sentence says where the evidence stops. One trial of 450:
    imprecision -1 (a single trial), high -> moderate."""
    claim = scope(timepoint="Weeks to several months after the initial series")
    r = assess(ClaimKind.ONSET_DURABILITY, claim, [_four_yes_twelve_no()])
    assert r.direction is FAV and r.scope_match is ScopeMatch.PARTIAL
    assert r.certainty is Certainty.MODERATE
    assert r.verdict is Verdict.PARTLY_SUPPORTED
    assert r.statement == ("IV ketamine probably reduces pain intensity in CRPS for up to 4 "
                           "weeks (moderate certainty); no important difference at 12 weeks.")
    assert [(row.timepoint, row.direction) for row in r.sof] == [("4 weeks", FAV),
                                                                  ("12 weeks", NOD)]


def test_the_same_trial_against_a_claim_without_a_time_frame() -> None:
    """The same trial against "IV ketamine reduces pain in CRPS", which names no time: the
    claim is not broader than the evidence, so moderate + favours is supported; the
    sentence still says the effect was not seen at 12 weeks."""
    r = assess(ClaimKind.EFFECT, CRPS_IV, [_four_yes_twelve_no()])
    assert r.verdict is Verdict.SUPPORTED and r.scope_match is ScopeMatch.FULL
    assert r.statement.endswith("for up to 4 weeks (moderate certainty); no important "
                                "difference at 12 weeks.")


def test_onset_claim_keeps_only_early_findings() -> None:
    """"Relief within 40 minutes": a finding at 4 weeks cannot show onset and is left out
    as outside the time frame (the trial still counts with its 40-minute finding)."""
    trial = study(3, f(FAV, "40 minutes", n=420), f(FAV, "4 weeks", n=420))
    r = assess(ClaimKind.ONSET_DURABILITY, scope(timepoint="40 minutes after infusion"),
               [trial])
    assert counted(r) == [3]
    (left,) = r.body.excluded
    assert left.reason is ExclusionReason.OUTSIDE_TIME_FRAME and left.finding_id
    assert [row.timepoint for row in r.sof] == ["40 minutes"]
    assert r.scope_match is ScopeMatch.FULL


def test_durability_claim_with_only_same_day_findings_is_insufficient() -> None:
    """"Long-term (months)" relief, but the trial measured pain only 1 day after the
    infusion: nothing inside the time frame, so nothing counts: insufficient evidence."""
    r = assess(ClaimKind.ONSET_DURABILITY, scope(timepoint="Long-term (months)"),
               [study(4, f(FAV, "1 day", n=500))])
    assert excluded(r) == {4: ExclusionReason.OUTSIDE_TIME_FRAME}
    assert r.verdict is Verdict.INSUFFICIENT and r.scope_match is ScopeMatch.NONE


# -- attribution -----------------------------------------------------------------------------

GUIDELINE_CLAIM = scope(conditions=frozenset({"chronic-pain"}), claimed={})


@pytest.mark.parametrize(("match", "verdict"), [
    (AttributionMatch.ACCURATE, Verdict.SUPPORTED),
    (AttributionMatch.OVERSTATED, Verdict.PARTLY_SUPPORTED),
    (AttributionMatch.MISATTRIBUTED, Verdict.CONTRADICTED),
])
def test_guideline_attribution(match: AttributionMatch, verdict: Verdict) -> None:
    """"The 2018 consensus guidelines concluded the evidence supports ketamine for CRPS":
    only the cited guideline decides, by whether it says that. Accurate: supported; it
    says less (e.g. "weak recommendation, low-grade evidence"): partly supported; it does
    not say it: contradicted (the document shows the attribution false). Vote counting
    let the guideline's low design weight lose to unrelated trials; here an RCT linked
    to the claim is left out: it is not the cited document."""
    guideline = study(10, f(FAV, "", quote="Ketamine may be considered for CRPS."),
                      design=StudyDesign.GUIDELINE, rob="", attribution=match)
    r = assess(ClaimKind.ATTRIBUTION, GUIDELINE_CLAIM, [guideline, study(11, f(FAV))])
    assert r.verdict is verdict
    assert excluded(r) == {11: ExclusionReason.WRONG_EVIDENCE}
    assert r.certainty is None  # GRADE does not rate what a document says
    assert "PMID 10" in r.statement and "Ketamine may be considered for CRPS." in r.statement


# -- the appraisal replaces the publication type -----------------------------------------


def test_reviewer_appraises_an_indexed_rct_as_a_case_series() -> None:
    """PubMed indexes the study as a randomised controlled trial; the reviewer read it and
    appraised it as a case series (no control group). The appraised design is what counts:
    case series start very low, so we are very uncertain: insufficient evidence."""
    as_indexed = study(20, f(FAV, n=40), design=RCT, rob="", design_source="publication type")
    as_appraised = study(20, f(FAV, n=40), design=StudyDesign.CASE_SERIES, rob="")
    assert assess(ClaimKind.EFFECT, CRPS_IV, [as_indexed]).verdict is not Verdict.INSUFFICIENT
    r = assess(ClaimKind.EFFECT, CRPS_IV, [as_appraised])
    assert r.grade is not None and r.grade.assessment.start is Certainty.VERY_LOW
    assert r.verdict is Verdict.INSUFFICIENT
    assert r.statement.startswith("We are very uncertain whether IV ketamine reduces pain")


# -- GRADE -------------------------------------------------------------------------------


def test_review_reporting_very_low_certainty_caps_a_high_suggestion() -> None:
    """A meta-analysis of 1,200 patients with a precise pooled effect would start high and
    lose nothing on the numbers; but its own abstract reports very low certainty. The
    review's reported certainty caps the suggestion: very low, insufficient evidence."""
    review = study(30, f(FAV, md=(-1.0, -1.5, -0.5), n=1200), design=SR, rob="",
                   reported_certainty=Certainty.VERY_LOW)
    r = assess(ClaimKind.EFFECT, CRPS_IV, [review])
    assert r.grade is not None and r.grade.assessment.certainty is Certainty.HIGH
    assert r.certainty is Certainty.VERY_LOW
    assert "reports very low certainty" in r.grade.cap_reason
    assert r.verdict is Verdict.INSUFFICIENT


def test_no_appraisals_means_risk_of_bias_not_assessed() -> None:
    """Two trials (500 analysed, precise effects) that nobody has appraised. Risk of bias
    is "not assessed", not "not serious": the suggestion lists it as unassessed and the
    certainty (high on the other domains) is only an upper bound, read as low: partly
    supported until the trials are appraised. Appraised at low risk, the same body is
    high certainty and supported."""
    raw = [study(i, f(FAV, md=(-1.1, -1.7, -0.5), n=250), rob="") for i in (40, 41)]
    r = assess(ClaimKind.EFFECT, CRPS_IV, raw)
    assert r.grade is not None and r.grade.assessment.unassessed == {"risk_of_bias"}
    assert r.grade.assessment.footnotes["risk_of_bias"].startswith("Not assessed")
    assert r.provisional and r.verdict is Verdict.PARTLY_SUPPORTED
    assert "certainty not established" in r.statement
    appraised = [study(i, f(FAV, md=(-1.1, -1.7, -0.5), n=250)) for i in (40, 41)]
    done = assess(ClaimKind.EFFECT, CRPS_IV, appraised)
    assert not done.provisional and done.certainty is Certainty.HIGH
    assert done.verdict is Verdict.SUPPORTED


def test_imprecise_small_body() -> None:
    """One appraised low-risk trial of 40 whose CI crosses no effect: very serious
    imprecision (-2: far under ~400 and the CI crosses no effect), high -> low: "may
    reduce", partly supported."""
    r = assess(ClaimKind.EFFECT, CRPS_IV, [study(50, f(FAV, md=(-0.9, -2.0, 0.2), n=40))])
    assert r.grade is not None and r.grade.assessment.downgrades["imprecision"] == -2
    assert r.certainty is Certainty.LOW and r.verdict is Verdict.PARTLY_SUPPORTED
    assert r.statement.startswith("IV ketamine may reduce pain intensity in CRPS")


def test_inconsistent_effects_by_i_squared() -> None:
    """Three appraised trials (600 analysed) disagree in size: MD -2.5, -0.4 (no important
    difference) and -1.5. The random-effects pool still excludes no effect (favours), but
    I² is far above 75%: very serious inconsistency (Cochrane Handbook 10.10.2), high ->
    low: partly supported."""
    trials = [study(60, f(FAV, md=(-2.5, -3.0, -2.0), n=200)),
              study(61, f(NOD, md=(-0.4, -0.9, 0.1), n=200)),
              study(62, f(FAV, md=(-1.5, -2.0, -1.0), n=200))]
    r = assess(ClaimKind.EFFECT, CRPS_IV, trials)
    pooled = r.sof[0].pooled
    assert pooled is not None and pooled.i_squared is not None and pooled.i_squared > 0.75
    assert not pooled.crosses_no_effect and r.direction is FAV
    assert r.grade is not None and r.grade.assessment.downgrades["inconsistency"] == -2
    assert r.certainty is Certainty.LOW and r.verdict is Verdict.PARTLY_SUPPORTED


def test_trials_pointing_opposite_ways_without_effects() -> None:
    """Two trials of the same outcome and time, one for and one against, no effects to
    pool: the body is mixed, which no certainty turns into support: not supported."""
    r = assess(ClaimKind.EFFECT, CRPS_IV, [study(70, f(FAV, n=300)), study(71, f(AGN, n=300))])
    assert r.direction is None and r.verdict is Verdict.NOT_SUPPORTED
    assert r.statement.startswith("The studies disagree about whether IV ketamine")


# -- comparison and superlatives ---------------------------------------------------------

GOLD_STANDARD = scope(comparator="Other CRPS treatments")


def test_superlative_with_placebo_only_evidence_is_at_most_partly_supported() -> None:
    """"IV ketamine is the gold-standard treatment for CRPS", with two strong placebo-
    controlled trials (high certainty of benefit against placebo). Benefit over placebo
    is not superiority over other treatments: no head-to-head evidence and no explicit
    designation, so the claim is overstated: partly supported."""
    trials = [study(i, f(FAV, md=(-1.4, -2.0, -0.8), n=250)) for i in (80, 81)]
    r = assess(ClaimKind.COMPARISON, GOLD_STANDARD, trials)
    assert r.certainty is Certainty.HIGH and r.scope_match is ScopeMatch.PARTIAL
    assert r.verdict is Verdict.PARTLY_SUPPORTED
    assert r.statement.endswith("; no head-to-head comparison with other CRPS treatments.")


def test_head_to_head_evidence_decides_a_comparison() -> None:
    """"More effective than IV lidocaine": one head-to-head trial (300 analysed) shows no
    important difference; a placebo-controlled trial cannot answer the comparison and is
    left out. Moderate certainty (one trial: imprecision -1) of no difference: not
    supported."""
    h2h = study(90, f(NOD, md=(-0.2, -0.8, 0.4), n=300, comparator="IV lidocaine"))
    placebo = study(91, f(FAV, md=(-1.4, -2.0, -0.8), n=250))
    r = assess(ClaimKind.COMPARISON, scope(comparator="IV lidocaine"), [h2h, placebo])
    assert counted(r) == [90] and excluded(r) == {91: ExclusionReason.WRONG_EVIDENCE}
    assert r.certainty is Certainty.MODERATE and r.verdict is Verdict.NOT_SUPPORTED


def test_explicit_designation_by_an_authority_supports_a_superlative() -> None:
    """An authority's guideline that itself calls the treatment first-line (its link
    records the paraphrase as accurate) is the explicit designation a superlative needs."""
    guideline = study(95, design=StudyDesign.GUIDELINE, rob="",
                      attribution=AttributionMatch.ACCURATE)
    r = assess(ClaimKind.COMPARISON, GOLD_STANDARD, [guideline])
    assert r.verdict is Verdict.SUPPORTED and "PMID 95" in r.statement


# -- mechanism, harms, regulatory --------------------------------------------------------

NMDA = scope(conditions=frozenset(), claimed={}, population="", intervention="Ketamine")


def test_mechanism_claim_with_only_efficacy_trials() -> None:
    """"Ketamine relieves pain by blocking NMDA receptors", linked to two efficacy RCTs.
    That a drug relieves pain says nothing of how: efficacy trials do not decide a
    mechanism. Nothing counts: insufficient evidence."""
    r = assess(ClaimKind.MECHANISM, NMDA, [study(100, f(FAV)), study(101, f(FAV))])
    assert excluded(r) == {100: ExclusionReason.WRONG_EVIDENCE,
                           101: ExclusionReason.WRONG_EVIDENCE}
    assert r.verdict is Verdict.INSUFFICIENT and r.certainty is None


def test_mechanism_claim_with_preclinical_evidence_and_a_review() -> None:
    """Two animal studies and a narrative review all show NMDA antagonism underlying the
    analgesia: mechanistic evidence, GRADE not applicable; a review and several studies
    agreeing: supported."""
    studies = [study(110, f(FAV, ""), design=StudyDesign.ANIMAL, rob=""),
               study(111, f(FAV, ""), design=StudyDesign.ANIMAL, rob=""),
               study(112, f(FAV, ""), design=StudyDesign.NARRATIVE_REVIEW, rob="")]
    r = assess(ClaimKind.MECHANISM, NMDA, studies)
    assert r.verdict is Verdict.SUPPORTED and r.certainty is None
    assert "GRADE does not apply" in r.statement


def test_harms_claim_with_adverse_event_findings() -> None:
    """"Very few side effects": two appraised trials (500 analysed) report psychotomimetic
    adverse events about three times as often as placebo (RR 3.2 and 2.5, CIs excluding
    1): against the claim, precise and consistent: high certainty: contradicted. An
    animal toxicity study cannot decide a harms claim in patients and is left out."""
    trials = [study(120, f(AGN, outcome="adverse events", rr=(3.2, 1.8, 5.6), n=250)),
              study(121, f(AGN, outcome="adverse events", rr=(2.5, 1.4, 4.4), n=250)),
              study(122, f(AGN, outcome="adverse events"), design=StudyDesign.ANIMAL)]
    r = assess(ClaimKind.HARMS, CRPS_IV, trials)
    assert excluded(r) == {122: ExclusionReason.WRONG_EVIDENCE}
    pooled = r.sof[0].pooled
    assert pooled is not None and pooled.measure is EffectMeasure.RR and pooled.ci_low > 1
    assert r.certainty is Certainty.HIGH and r.verdict is Verdict.CONTRADICTED
    assert r.statement.startswith("IV ketamine increases adverse events in CRPS")


def test_regulatory_claim_decided_by_the_label() -> None:
    """"Ketamine infusions for chronic pain are not FDA-approved": the FDA label (an
    authoritative document, appraised as "other") lists anaesthesia only: it confirms
    the claim. A trial has no say on regulatory status."""
    label = study(130, f(FAV, "", quote="Ketalar is indicated as the sole anesthetic agent"),
                  design=StudyDesign.OTHER, rob="")
    r = assess(ClaimKind.REGULATORY, NMDA, [label, study(131, f(FAV))])
    assert excluded(r) == {131: ExclusionReason.WRONG_EVIDENCE}
    assert r.verdict is Verdict.SUPPORTED and r.statement.startswith(
        "The authoritative source (PMID 130) confirms the claim")


# -- what never counts, and scope --------------------------------------------------------


def test_retracted_trial_is_left_out() -> None:
    """Of two trials, the favourable one was retracted: it never counts, and the verdict
    says so. The remaining trial shows no important difference (250, one trial:
    imprecision -1, moderate): not supported."""
    r = assess(ClaimKind.EFFECT, CRPS_IV, [
        study(140, f(FAV, md=(-2.0, -2.6, -1.4), n=250), retracted=True),
        study(141, f(NOD, md=(-0.1, -0.7, 0.5), n=250))])
    assert excluded(r) == {140: ExclusionReason.RETRACTED}
    assert r.verdict is Verdict.NOT_SUPPORTED


def test_not_relevant_link_is_listed_as_left_out() -> None:
    """A link judged "not relevant" is not evidence; it is shown as left out."""
    r = assess(ClaimKind.EFFECT, CRPS_IV, [study(145, stance="not_relevant")])
    assert excluded(r) == {145: ExclusionReason.NOT_RELEVANT}
    assert r.verdict is Verdict.INSUFFICIENT


def test_claim_wider_than_its_population() -> None:
    """"Ketamine reduces chronic pain" (chronic pain in general) with strong evidence in
    CRPS only: the claim speaks of a wider population than was studied, so it is at most
    partly supported, and the sentence says where the evidence stops."""
    wide = scope(conditions=frozenset({"chronic-pain", "crps", "fibromyalgia"}),
                 claimed={"chronic-pain": frozenset({"chronic-pain", "crps", "fibromyalgia"})},
                 population="chronic pain")
    trials = [study(i, f(FAV, md=(-1.4, -2.0, -0.8), n=250)) for i in (150, 151)]
    r = assess(ClaimKind.EFFECT, wide, trials)
    assert r.certainty is Certainty.HIGH and r.scope_match is ScopeMatch.PARTIAL
    assert r.verdict is Verdict.PARTLY_SUPPORTED
    assert r.statement.endswith("; no evidence in chronic pain as a whole.")


def test_other_population_is_left_out_when_direct_evidence_exists() -> None:
    """A CRPS claim with a CRPS trial and a fibromyalgia trial: GRADE prefers direct
    evidence, so the fibromyalgia trial is left out as another population. Alone, the
    fibromyalgia trial counts as indirect evidence: rated down and at most partly
    supported."""
    crps = study(160, f(FAV, md=(-1.2, -1.8, -0.6), n=450))
    fibro = study(161, f(FAV, md=(-1.0, -1.6, -0.4), n=450), conditions=("fibromyalgia",))
    both = assess(ClaimKind.EFFECT, CRPS_IV, [crps, fibro])
    assert counted(both) == [160]
    assert excluded(both) == {161: ExclusionReason.OTHER_POPULATION}
    alone = assess(ClaimKind.EFFECT, CRPS_IV, [fibro])
    assert counted(alone) == [161] and alone.scope_match is ScopeMatch.PARTIAL
    assert alone.grade is not None and alone.grade.assessment.downgrades["indirectness"] == -1
    assert alone.verdict is Verdict.PARTLY_SUPPORTED


def test_empty_body() -> None:
    """Nothing linked: insufficient evidence, and the sentence says nothing answers it."""
    r = assess(ClaimKind.EFFECT, CRPS_IV, [])
    assert r.verdict is Verdict.INSUFFICIENT and r.scope_match is ScopeMatch.NONE
    assert r.statement == ("No study in the body of evidence shows whether IV ketamine "
                           "reduces pain intensity in CRPS.")


def test_reviewer_states_the_certainty_directly() -> None:
    """The reviewer may state the certainty with reasons (a grade event): it replaces the
    suggestion. Stated low for an otherwise high body: partly supported."""
    trials = [study(i, f(FAV, md=(-1.1, -1.7, -0.5), n=250)) for i in (170, 171)]
    r = assess(ClaimKind.EFFECT, CRPS_IV, trials, stated=Certainty.LOW)
    assert r.certainty_source == "reviewer" and r.verdict is Verdict.PARTLY_SUPPORTED


# -- end to end through the services on a SQLite project ---------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Project:
    with open_or_create(tmp_path / "gold.sqlite3") as p:
        yield p


@pytest.fixture
def add(project: Project, study_factory: Callable[..., Study]) -> Callable[..., int]:
    def make(pmid: str, types: list[str], condition: str = "crps", **kw: Any) -> int:
        cid = next(c.id for c in condition_store.list_conditions(project)
                   if c.slug == condition)
        record = study_factory(pmid=pmid, publication_types=types, **kw)
        return upsert_studies(project, [record], condition_id=cid).study_ids[0]
    return make


def link(project: Project, study_id: int, claim: str, *findings: Finding,
         stance: Stance = Stance.SUPPORTS, reviewer: str = "ana", **kw: Any) -> None:
    """A link as the findings editor saves it: one ``link`` event with findings."""
    state = LinkState(stance, findings=findings, **kw)
    append_event(project, EventKind.LINK.value, reviewer_id=ensure_reviewer(project, reviewer),
                 study_id=study_id, claim_id=resolve_claim(project, claim).id,
                 after=state.to_json())


def low_risk(project: Project, study_id: int, **kw: Any) -> None:
    appraisal.update_appraisal(project, study_id, reviewer="ana", rob={
        "randomisation": "low", "deviations": "low", "missing_data": "low",
        "measurement": "low", "reporting": "low"}, **kw)


def test_e2e_review_and_trials_counted_once(project: Project, add: Callable[..., int]) -> None:
    """C011 (IV ketamine, CRPS): a meta-analysis and the two trials it includes, linked;
    the inclusion event says which. The review counts, the trials through it."""
    sr = add("45000001", ["Meta-Analysis"])
    t1, t2 = add("45000002", ["Randomized Controlled Trial"]), add(
        "45000003", ["Randomized Controlled Trial"])
    link(project, sr, "C011", f(FAV, md=(-1.2, -1.9, -0.5), n=300),
         reported_certainty=Certainty.MODERATE)
    for t in (t1, t2):
        link(project, t, "C011", f(FAV, n=150))
    append_event(project, "inclusion", reviewer_id=ensure_reviewer(project, "ana"),
                 study_id=sr, after={"included_study_ids": [t1, t2]})
    status = evidence.verdict_status(project, "C011")
    r = status.suggested
    assert counted(r) == [sr]
    assert {e.study_id: e.detail for e in r.body.excluded} == {
        t1: "included in PMID 45000001", t2: "included in PMID 45000001"}
    assert r.verdict is Verdict.SUPPORTED and r.certainty is Certainty.MODERATE
    assert r.statement.startswith("IV ketamine probably reduces pain intensity in CRPS")


def test_e2e_appraised_design_and_retraction(project: Project, add: Callable[..., int],
                                             study_factory: Callable[..., Study]) -> None:
    """The reviewer appraises PubMed's "RCT" as a case series: the body uses the case
    series (very low: insufficient). A second, retracted trial never counts."""
    indexed = add("45000010", ["Randomized Controlled Trial"])
    gone = add("45000011", ["Randomized Controlled Trial", "Retracted Publication"])
    link(project, indexed, "C011", f(FAV, n=40))
    link(project, gone, "C011", f(FAV, n=400))
    before = evidence.verdict_status(project, "C011").suggested
    assert before.body.counted[0].design is StudyDesign.RCT
    assert before.body.counted[0].design_source == "publication type"
    appraisal.update_appraisal(project, indexed, reviewer="ana", design="case_series")
    r = evidence.verdict_status(project, "C011").suggested
    assert r.body.counted[0].design is StudyDesign.CASE_SERIES
    assert r.body.counted[0].design_source == "appraisal"
    assert excluded(r) == {gone: ExclusionReason.RETRACTED}
    assert r.verdict is Verdict.INSUFFICIENT


def test_e2e_durability_and_the_json(project: Project, add: Callable[..., int],
                                     tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    """C018-like durability: the seeded claim "IV ketamine infusions give long-term pain
    control" (CRPS, long-term). A low-risk trial of 450 favours at 12 weeks, shows no
    difference at 6 months. `claims show --json` exposes the whole reasoning; a reviewer
    confirms it and the statement is recorded with the verdict."""
    claim = next(c for c in evidence.list_claims(project)
                 if c.claim.category == "durability" and c.claim.conditions == ["crps"]).claim
    trial = add("45000020", ["Randomized Controlled Trial"])
    low_risk(project, trial, participants=450)
    link(project, trial, claim.code, f(FAV, "12 weeks", md=(-1.3, -2.0, -0.6), n=450),
         f(NOD, "6 months", md=(-0.2, -0.9, 0.5), n=450))
    code = main(["--db", str(project.path), "claims", "show", claim.code, "--json"])
    detail = json.loads(capsys.readouterr().out)
    assert code == 0 and detail["kind"] == "onset_durability"
    s = detail["verdict"]["suggestion"]
    assert s["verdict"] == "partly_supported" and s["certainty"] == "moderate"
    assert s["scope_match"] == "partial" and s["direction"] == "favours"
    assert [row["timepoint"] for row in s["sof"]] == ["12 weeks", "6 months"]
    assert [step["label"] for step in s["steps"]][:2] == ["Kind rule", "Body of evidence"]
    assert s["body"]["counted"][0]["design_source"] == "appraisal"
    assert s["statement"] == ("IV ketamine probably reduces pain intensity in CRPS for up to "
                              "12 weeks (moderate certainty); no important difference at "
                              "6 months.")
    status = evidence.record_verdict(project, claim.code, "partly_supported", reviewer="bo",
                                     rationale="Relief to 12 weeks only")
    assert status.statement == s["statement"]


def test_e2e_attribution_and_grade_show_without_reviewer(
        project: Project, add: Callable[..., int], capsys: pytest.CaptureFixture[str]) -> None:
    """A guideline claim: the linked guideline's paraphrase is overstated: partly
    supported. `grade --show` works with nobody named."""
    claim = next(c for c in evidence.list_claims(project)
                 if c.claim.category == "guideline").claim
    doc = add("45000030", ["Practice Guideline"], condition="chronic-pain")
    link(project, doc, claim.code, f(FAV, ""), attribution=AttributionMatch.OVERSTATED)
    r = grading.verdict_result(project, claim.code)
    assert r.verdict is Verdict.PARTLY_SUPPORTED and "says less" in r.statement
    code = main(["--db", str(project.path), "grade", claim.code, "--show", "--json"])
    shown = json.loads(capsys.readouterr().out)
    assert code == 0 and shown["verdict"] == "partly_supported"


def test_secondary_outcome_does_not_decide_a_pain_claim() -> None:
    """A trial relieves pain at 4 weeks but shows no difference in physical function at 4
    weeks. The claim is about pain (its outcome names pain): function is shown in the
    summary of findings but does not make the body "mixed"."""
    trial = study(180, f(FAV, "4 weeks", md=(-1.5, -2.2, -0.8), n=420),
                  f(NOD, "4 weeks", outcome="physical function", n=420))
    r = assess(ClaimKind.EFFECT, CRPS_IV, [trial])
    assert {row.outcome for row in r.sof} == {"pain intensity", "physical function"}
    assert r.direction is FAV and r.verdict is Verdict.SUPPORTED
    assert any(step.label == "Outcomes" for step in r.steps)


def test_findings_at_different_times_are_a_course_not_inconsistency() -> None:
    """Trial A shows relief at 4 weeks, trial B no difference at 12 weeks. They do not
    disagree (they answer different time points): inconsistency is not rated down; the
    body favours the claim up to 4 weeks and the sentence says relief was not seen at 12
    weeks."""
    r = assess(ClaimKind.EFFECT, CRPS_IV, [study(190, f(FAV, "4 weeks", n=250)),
                                           study(191, f(NOD, "12 weeks", n=250))])
    assert r.grade is not None and r.grade.assessment.downgrades["inconsistency"] == 0
    assert r.direction is FAV
    assert r.statement.endswith("for up to 4 weeks (moderate certainty); no important "
                                "difference at 12 weeks.")
