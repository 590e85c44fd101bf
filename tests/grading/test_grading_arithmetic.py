"""GRADE arithmetic and suggestions, and agreement statistics against hand computations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence_tracker.domain import grade
from evidence_tracker.domain.agreement import (
    cohen_kappa,
    interpret_kappa,
    ordinal_agreement,
    percent_agreement,
    weighted_kappa,
)
from evidence_tracker.domain.appraisal import RobTool, overall_rob
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.grade import (
    CERTAINTY_ORDER,
    BodyStudy,
    ClaimScope,
    GradeAssessment,
    starting_level,
    suggest_grade,
)
from evidence_tracker.domain.models import Certainty

HIGH, MOD, LOW, VLOW = Certainty.HIGH, Certainty.MODERATE, Certainty.LOW, Certainty.VERY_LOW


# -- GRADE -------------------------------------------------------------------------------


def test_start_high_for_randomised_low_for_observational() -> None:
    assert starting_level([StudyDesign.RCT]).certainty is HIGH
    assert starting_level([StudyDesign.SYSTEMATIC_REVIEW]).certainty is HIGH
    assert starting_level([StudyDesign.COHORT, StudyDesign.CASE_CONTROL]).certainty is LOW
    assert starting_level([StudyDesign.NON_RANDOMISED_TRIAL]).certainty is LOW
    assert starting_level([StudyDesign.CASE_SERIES, StudyDesign.CASE_REPORT]).certainty is VLOW
    # A randomised trial among observational studies lifts the start to high.
    assert starting_level([StudyDesign.COHORT, StudyDesign.RCT]).certainty is HIGH
    # Reviews, guidelines, editorials and animal studies are not evidence for the body.
    level = starting_level([StudyDesign.NARRATIVE_REVIEW, StudyDesign.ANIMAL])
    assert level.certainty is VLOW and level.counted == 0 and "not counted" in level.reason


@pytest.mark.parametrize(("start", "downs", "ups", "expected"), [
    (HIGH, {}, {}, HIGH),
    (HIGH, {"risk_of_bias": -1}, {}, MOD),
    (HIGH, {"risk_of_bias": -1, "imprecision": -1}, {}, LOW),
    (HIGH, {"risk_of_bias": -2, "imprecision": -1}, {}, VLOW),
    # Floor: five serious problems cannot go below very low.
    (HIGH, dict.fromkeys(["risk_of_bias", "inconsistency", "indirectness", "imprecision",
                          "publication_bias"], -2), {}, VLOW),
    (LOW, {}, {"large_effect": 2}, HIGH),
    (LOW, {}, {"large_effect": 1, "dose_response": 1}, HIGH),
    (LOW, {}, {"dose_response": 1}, MOD),
    (LOW, {"imprecision": -1}, {"large_effect": 1}, LOW),
    (VLOW, {}, {"large_effect": 2, "dose_response": 1, "confounding": 1}, HIGH),  # cap
    (LOW, {"inconsistency": -1}, {}, VLOW),
    (LOW, {"inconsistency": -2}, {}, VLOW),
])
def test_grade_arithmetic(start, downs, ups, expected) -> None:
    notes = {k: "why" for k in [*downs, *ups]}
    a = GradeAssessment(start, downs, ups, notes)
    assert a.certainty is expected
    assert a.problems() == []
    assert a.to_json()["certainty"] == expected.value


def test_upgrades_only_for_observational_evidence() -> None:
    a = GradeAssessment(HIGH, {"imprecision": -1}, {"large_effect": 1},
                        {"imprecision": "n=60", "large_effect": "RR 5"})
    assert a.certainty is MOD  # the upgrade does not count
    assert any("not rated up" in p for p in a.problems())


def test_every_judgement_needs_a_footnote_and_a_valid_rating() -> None:
    a = GradeAssessment(HIGH, {"risk_of_bias": -1, "imprecision": -3, "bogus": 0},
                        {"dose_response": 2})
    problems = " | ".join(a.problems())
    assert "Risk of bias: a footnote must explain the judgement" in problems
    assert "Imprecision: rate 0, -1 or -2 (not -3)" in problems
    assert "'bogus' is not a downgrading domain" in problems
    assert "Dose-response gradient: rate 0 to +1 (not 2)" in problems


def test_grade_json_round_trip_keeps_certainty_format() -> None:
    a = GradeAssessment(LOW, {"imprecision": -1}, {"large_effect": 1},
                        {"imprecision": "small", "large_effect": "RR 6"}, (1, 2), "ok")
    data = a.to_json()
    assert data["certainty"] == "low"  # what suggest_verdict reads
    assert data["downgrades"]["imprecision"] == -1 and data["upgrades"]["large_effect"] == 1
    assert GradeAssessment.from_json(data).to_json() == data


@given(st.sampled_from(CERTAINTY_ORDER),
       st.lists(st.sampled_from([0, -1, -2]), min_size=5, max_size=5),
       st.lists(st.sampled_from([0, 1]), min_size=3, max_size=3))
def test_certainty_always_within_the_four_levels(start, downs, ups) -> None:
    keys = [k for k, _ in grade.DOWNGRADE_DOMAINS]
    up_keys = [k for k, _ in grade.UPGRADE_DOMAINS]
    a = GradeAssessment(start, dict(zip(keys, downs, strict=True)),
                        dict(zip(up_keys, ups, strict=True)))
    expected = CERTAINTY_ORDER.index(start) + sum(downs) + (
        sum(ups) if start is not HIGH else 0)
    assert CERTAINTY_ORDER.index(a.certainty) == max(0, min(3, expected))


def _study(i: int, **kw) -> BodyStudy:
    base = {"study_id": i, "key": f"PMID {i}", "design": StudyDesign.RCT,
            "stance": "supports", "rob_severity": 0, "rob_overall": "low",
            "participants": 250, "conditions": ("crps",), "route": "iv_infusion",
            "follow_up": "12 weeks"}
    base.update(kw)
    return BodyStudy(**base)


CRPS_IV = ClaimScope(frozenset({"crps"}), "Ketamine IV infusion", "")


def test_suggestions_for_a_clean_body_keep_high() -> None:
    s = suggest_grade([_study(1), _study(2)], CRPS_IV)
    assert s.assessment.start is HIGH
    assert s.assessment.downgrades == dict.fromkeys(
        ["risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias"], 0)
    assert s.assessment.certainty is HIGH
    assert "500 participants in 2 studies" in s.assessment.footnotes["imprecision"]
    assert s.assessment.problems() == []  # the suggestion can be saved as it stands


def test_suggested_risk_of_bias_from_appraisals() -> None:
    some = suggest_grade([_study(1, rob_severity=1, rob_overall="some_concerns"),
                          _study(2)], CRPS_IV).assessment
    assert some.downgrades["risk_of_bias"] == -1
    assert "PMID 1 (some concerns)" in some.footnotes["risk_of_bias"]
    # High risk in most of the participants: very serious.
    high = suggest_grade([_study(1, rob_severity=2, rob_overall="high", participants=400),
                          _study(2, participants=100)], CRPS_IV).assessment
    assert high.downgrades["risk_of_bias"] == -2
    none = suggest_grade([_study(1, rob_severity=None, rob_overall="")], CRPS_IV).assessment
    # Not assessed is not "not serious": listed as unassessed, the certainty an upper bound.
    assert "risk_of_bias" in none.unassessed and none.provisional
    assert none.footnotes["risk_of_bias"].startswith("Not assessed: no study in the body")


def test_suggested_indirectness_from_condition_route_and_time() -> None:
    scope = ClaimScope(frozenset({"crps"}), "Ketamine IV infusions", "Long-term (months)")
    body = [_study(1), _study(2, route="oral"), _study(3, conditions=("fibromyalgia",)),
            _study(4, follow_up="2 weeks")]
    a = suggest_grade(body, scope).assessment
    assert a.downgrades["indirectness"] == -1
    note = a.footnotes["indirectness"]
    assert "PMID 2: route Oral" in note
    assert "PMID 3: population (fibromyalgia)" in note
    assert "PMID 4: follow-up 2 weeks" in note
    assert "PMID 1" not in note
    # A claim about chronic pain in general covers every condition.
    general = ClaimScope(frozenset({"chronic-pain"}), "Ketamine", "")
    assert suggest_grade([_study(3, conditions=("fibromyalgia",))], general
                         ).assessment.downgrades["indirectness"] == 0


def test_suggested_imprecision_and_inconsistency() -> None:
    tiny = suggest_grade([_study(1, participants=40)], CRPS_IV).assessment
    assert tiny.downgrades["imprecision"] == -2  # under an eighth of the OIS
    small = suggest_grade([_study(1, participants=60)], CRPS_IV).assessment
    assert small.downgrades["imprecision"] == -1  # below the OIS, no CI crossing recorded
    crossing = suggest_grade([_study(1, participants=60)], CRPS_IV, ci_crosses=True)
    assert crossing.assessment.downgrades["imprecision"] == -2
    medium = suggest_grade([_study(1, participants=150), _study(2, participants=150)],
                           CRPS_IV).assessment
    assert medium.downgrades["imprecision"] == -1
    assert "below the optimal information size" in medium.footnotes["imprecision"]
    single = suggest_grade([_study(1, participants=900)], CRPS_IV).assessment
    assert single.downgrades["imprecision"] == -1  # one study, however large
    mixed = suggest_grade([_study(1), _study(2, stance="contradicts")], CRPS_IV).assessment
    assert mixed.downgrades["inconsistency"] == -1


def test_observational_body_starts_low_and_non_evidence_is_not_counted() -> None:
    body = [_study(1, design=StudyDesign.COHORT, participants=500),
            _study(2, design=StudyDesign.NARRATIVE_REVIEW, participants=None)]
    s = suggest_grade(body, CRPS_IV)
    assert s.assessment.start is LOW
    assert [b.study_id for b in s.counted] == [1]
    assert s.assessment.study_ids == (1, 2)
    assert "1 not counted" in s.start_reason


# -- risk of bias ------------------------------------------------------------------------


def test_overall_risk_of_bias() -> None:
    rob2 = dict.fromkeys(["randomisation", "deviations", "missing_data", "measurement",
                          "reporting"], "low")
    assert overall_rob(RobTool.ROB2, rob2) == "low"
    assert overall_rob(RobTool.ROB2, {**rob2, "measurement": "some_concerns"}) == \
        "some_concerns"
    assert overall_rob(RobTool.ROB2, {**rob2, "reporting": "high"}) == "high"
    assert overall_rob(RobTool.ROB2, {"randomisation": "low"}) == ""  # not finished
    robins = dict.fromkeys(["confounding", "selection", "classification", "deviations",
                            "missing_data", "measurement", "reporting"], "low")
    assert overall_rob(RobTool.ROBINS_I, {**robins, "confounding": "serious",
                                          "selection": "moderate"}) == "serious"
    assert overall_rob(RobTool.ROBINS_I, {**robins, "missing_data": "critical"}) == "critical"
    assert overall_rob(RobTool.ROBINS_I, {**robins, "reporting": "no_information"}) == \
        "no_information"


# -- agreement ---------------------------------------------------------------------------


def test_kappa_two_categories_textbook() -> None:
    # 50 abstracts: both include 20, A include/B exclude 5, A exclude/B include 10, both
    # exclude 15. po = 35/50 = 0.70. A includes 25/50 = 0.5, B includes 30/50 = 0.6;
    # pe = 0.5*0.6 + 0.5*0.4 = 0.30 + 0.20 = 0.50. kappa = (0.70-0.50)/(1-0.50) = 0.40.
    pairs = [("i", "i")] * 20 + [("i", "e")] * 5 + [("e", "i")] * 10 + [("e", "e")] * 15
    assert percent_agreement(pairs) == pytest.approx(0.70)
    assert cohen_kappa(pairs) == pytest.approx(0.40)


def test_kappa_three_screening_categories() -> None:
    # 10 studies: (I,I)x4, (E,E)x3, (M,M)x1, (I,E)x1, (E,M)x1.
    # po = 8/10 = 0.8. A: I 5, E 4, M 1. B: I 4, E 4, M 2.
    # pe = (5*4 + 4*4 + 1*2)/100 = 38/100 = 0.38.
    # kappa = (0.8 - 0.38)/(1 - 0.38) = 0.42/0.62 = 0.677419...
    pairs = ([("include", "include")] * 4 + [("exclude", "exclude")] * 3
             + [("maybe", "maybe")] + [("include", "exclude")] + [("exclude", "maybe")])
    assert cohen_kappa(pairs, ["include", "exclude", "maybe"]) == pytest.approx(0.42 / 0.62)
    assert interpret_kappa(cohen_kappa(pairs)) == "substantial"


def test_weighted_kappa_linear_and_quadratic() -> None:
    # Three ordered levels 0 < 1 < 2; 10 claims:
    # (0,0)x2, (0,1)x1, (1,1)x3, (1,2)x1, (2,2)x2, (2,0)x1.
    # Rows (A): 0:3, 1:4, 2:3. Columns (B): 0:3, 1:4, 2:3.
    # Linear disagreement weights |i-j|/2: observed = 0.5 + 0.5 + 1.0 = 2.0.
    # Expected = sum w * a_i * b_j / n: distance 1 cells (0,1),(1,0),(1,2),(2,1) give
    # 12+12+12+12 = 48, times 0.5 = 24; distance 2 cells (0,2),(2,0) give 9+9 = 18, times
    # 1 = 18; (24 + 18)/10 = 4.2. kappa_w = 1 - 2.0/4.2 = 0.523810.
    # Quadratic weights (|i-j|/2)^2 = 0.25 and 1: observed = 0.25 + 0.25 + 1 = 1.5;
    # expected = (48*0.25 + 18)/10 = 3.0; kappa_w = 1 - 1.5/3.0 = 0.5.
    # Unweighted: po = 0.7, pe = (9+16+9)/100 = 0.34, kappa = 0.36/0.66 = 0.545454.
    pairs = ([(0, 0)] * 2 + [(0, 1)] + [(1, 1)] * 3 + [(1, 2)] + [(2, 2)] * 2 + [(2, 0)])
    cats = [0, 1, 2]
    assert weighted_kappa(pairs, cats, "linear") == pytest.approx(1 - 2.0 / 4.2)
    assert weighted_kappa(pairs, cats, "quadratic") == pytest.approx(0.5)
    assert cohen_kappa(pairs, cats) == pytest.approx(0.36 / 0.66)


def test_weighted_kappa_on_certainty_levels() -> None:
    # Four GRADE levels (very low 0 .. high 3); 4 claims:
    # (high, high), (low, low), (moderate, low), (very_low, high).
    # A: 0:1, 1:1, 2:1, 3:1. B: 1:2, 3:2 (low twice, high twice). n = 4.
    # Linear weights |i-j|/3. Observed: (2,1) 1/3 + (0,3) 1 = 4/3.
    # Expected = sum_ij w_ij a_i b_j / 4 with a_i = 1 for all i:
    #   j=1 (b=2): w(0,1)+w(1,1)+w(2,1)+w(3,1) = 1/3+0+1/3+2/3 = 4/3, times 2 = 8/3
    #   j=3 (b=2): w(0,3)+w(1,3)+w(2,3)+w(3,3) = 1+2/3+1/3+0 = 2, times 2 = 4
    #   (8/3 + 4)/4 = (20/3)/4 = 5/3. kappa_w = 1 - (4/3)/(5/3) = 1 - 0.8 = 0.2.
    levels = ["very_low", "low", "moderate", "high"]
    pairs = [("high", "high"), ("low", "low"), ("moderate", "low"), ("very_low", "high")]
    result = ordinal_agreement(pairs, levels)
    assert result.weighted_linear == pytest.approx(0.2)
    assert result.percent == pytest.approx(0.5)
    assert result.n == 4


def test_kappa_edge_cases() -> None:
    assert cohen_kappa([]) is None and percent_agreement([]) is None
    assert cohen_kappa([("i", "i")] * 5) is None  # one category only: chance agreement 1
    assert cohen_kappa([("i", "e"), ("e", "i")]) == pytest.approx(-1.0)
    assert weighted_kappa([("a", "a")], ["a"]) is None
    with pytest.raises(ValueError, match="outside the categories"):
        weighted_kappa([("a", "z")], ["a", "b"])
