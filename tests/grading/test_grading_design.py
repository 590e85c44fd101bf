"""Study design suggested from real PubMed publication types and MeSH headings."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence_tracker.domain.appraisal import RobTool, rob_tool_for
from evidence_tracker.domain.design import StudyDesign, parse_design, suggest_design
from evidence_tracker.pubmed.parser import iter_pubmed_xml

DATA = Path(__file__).resolve().parents[1] / "data" / "ncbi"

# (publication types, MeSH descriptors, title) as PubMed indexes them, and the design.
REAL = [
    # Schwartzman et al. 2009, Pain (PMID 19603491): an RCT with funding types.
    (["Journal Article", "Randomized Controlled Trial", "Research Support, Non-U.S. Gov't"],
     ["Adult", "Complex Regional Pain Syndromes", "Double-Blind Method", "Humans",
      "Infusions, Intravenous", "Ketamine"], "", StudyDesign.RCT),
    # Orhurhu et al. 2019, Anesth Analg: SR and MA of RCTs.
    (["Journal Article", "Meta-Analysis", "Systematic Review"],
     ["Chronic Pain", "Humans", "Ketamine", "Randomized Controlled Trials as Topic"], "",
     StudyDesign.SYSTEMATIC_REVIEW),
    # A Cochrane review is typed "Review" + "Systematic Review" + "Meta-Analysis".
    (["Journal Article", "Review", "Systematic Review", "Meta-Analysis"], ["Humans"], "",
     StudyDesign.SYSTEMATIC_REVIEW),
    # A narrative review: "Review" alone.
    (["Journal Article", "Review"], ["Analgesics", "Chronic Pain", "Humans", "Ketamine"], "",
     StudyDesign.NARRATIVE_REVIEW),
    # "Case report and review of the literature" is a case report.
    (["Case Reports", "Journal Article", "Review"], ["Female", "Humans", "Ketamine"], "",
     StudyDesign.CASE_REPORT),
    (["Case Reports", "Journal Article"], ["Aged", "Humans", "Ketamine"], "",
     StudyDesign.CASE_REPORT),
    # Cohen et al. 2018, Reg Anesth Pain Med: consensus guidelines on IV ketamine.
    (["Journal Article", "Practice Guideline"], ["Chronic Pain", "Humans", "Ketamine"], "",
     StudyDesign.GUIDELINE),
    (["Guideline", "Journal Article"], ["Humans"], "", StudyDesign.GUIDELINE),
    (["Letter", "Comment"], ["Humans", "Ketamine"], "", StudyDesign.EDITORIAL),
    (["Editorial"], [], "", StudyDesign.EDITORIAL),
    (["Comment", "Journal Article"], ["Humans"], "", StudyDesign.EDITORIAL),
    # A rat study of ketamine and mechanical allodynia.
    (["Journal Article", "Research Support, N.I.H., Extramural"],
     ["Animals", "Hyperalgesia", "Ketamine", "Male", "Rats", "Rats, Sprague-Dawley"], "",
     StudyDesign.ANIMAL),
    (["Journal Article"], ["Cells, Cultured", "Ketamine", "Receptors, N-Methyl-D-Aspartate"],
     "", StudyDesign.ANIMAL),
    # Humans and animals both indexed: not an animal study.
    (["Journal Article"], ["Animals", "Humans", "Cohort Studies"], "", StudyDesign.COHORT),
    (["Journal Article"], ["Humans", "Ketamine", "Prospective Studies"], "",
     StudyDesign.COHORT),
    (["Journal Article"], ["Humans", "Retrospective Studies", "Case-Control Studies"], "",
     StudyDesign.CASE_CONTROL),
    (["Journal Article", "Observational Study"], ["Humans", "Ketamine"], "",
     StudyDesign.COHORT),
    (["Journal Article", "Observational Study"], ["Case-Control Studies", "Humans"], "",
     StudyDesign.CASE_CONTROL),
    (["Journal Article"], ["Cross-Sectional Studies", "Humans"], "",
     StudyDesign.CROSS_SECTIONAL),
    # Open-label esketamine: "Clinical Trial" without a randomised type.
    (["Clinical Trial", "Journal Article"], ["Humans", "Administration, Intranasal"], "",
     StudyDesign.NON_RANDOMISED_TRIAL),
    (["Clinical Trial, Phase II", "Journal Article"], ["Humans"], "",
     StudyDesign.NON_RANDOMISED_TRIAL),
    (["Clinical Trial", "Journal Article"], ["Humans", "Random Allocation"], "",
     StudyDesign.RCT),
    (["Controlled Clinical Trial", "Journal Article"], ["Humans"], "",
     StudyDesign.NON_RANDOMISED_TRIAL),
    (["Journal Article"], ["Humans", "Ketamine"],
     "Outpatient ketamine infusions for refractory CRPS: a case series",
     StudyDesign.CASE_SERIES),
    (["Journal Article", "Randomized Controlled Trial, Veterinary"], ["Animals", "Dogs"], "",
     StudyDesign.ANIMAL),
    (["Clinical Trial Protocol", "Journal Article"], ["Humans"], "", StudyDesign.OTHER),
    (["Journal Article"], ["Humans", "Ketamine"], "", StudyDesign.OTHER),
]


@pytest.mark.parametrize(("types", "mesh", "title", "expected"), REAL,
                         ids=[f"{r[3].value}-{i}" for i, r in enumerate(REAL)])
def test_design_from_real_indexing(types, mesh, title, expected) -> None:
    suggestion = suggest_design(types, mesh, title)
    assert suggestion.design is expected
    assert suggestion.reason  # the reviewer sees why


def test_reasons_name_the_record_facts() -> None:
    rct = suggest_design(["Journal Article", "Randomized Controlled Trial"], ["Humans"])
    assert rct.reason == 'publication type "Randomized Controlled Trial"'
    animal = suggest_design(["Journal Article"], ["Animals", "Rats"])
    assert animal.reason == 'MeSH "Animals" without "Humans"'
    cohort = suggest_design(["Observational Study"], ["Humans"])
    assert "no case-control MeSH" in cohort.reason


def test_real_records_from_ncbi_files() -> None:
    """Records from Biopython's NCBI test files, parsed as the app parses them."""
    found = {}
    for name in ("pubmed1.xml", "pubmed2.xml", "pubmed4.xml"):
        for s in iter_pubmed_xml(DATA / name):
            found[s.pmid] = suggest_design(s.publication_types,
                                           [m.descriptor for m in s.mesh], s.title).design
    # Observational Study + Case-Control Studies + Prospective Studies MeSH, and a
    # "Randomized Controlled Trials as Topic" heading that must not make it an RCT.
    assert found["27797938"] is StudyDesign.CASE_CONTROL
    assert found["11748933"] is StudyDesign.ANIMAL  # sea bream sperm: Animals, no Humans
    assert found["12091962"] is StudyDesign.NARRATIVE_REVIEW  # Review, Humans
    assert found["9997"] is StudyDesign.OTHER  # Journal Article only, no design MeSH


def test_rob_tool_for_each_design() -> None:
    assert rob_tool_for(StudyDesign.RCT) is RobTool.ROB2
    assert rob_tool_for(StudyDesign.COHORT) is RobTool.ROBINS_I
    assert rob_tool_for(StudyDesign.NON_RANDOMISED_TRIAL) is RobTool.ROBINS_I
    assert rob_tool_for(StudyDesign.SYSTEMATIC_REVIEW) is RobTool.NONE


@pytest.mark.parametrize(("text", "expected"), [
    ("rct", StudyDesign.RCT), ("Case-control", StudyDesign.CASE_CONTROL),
    ("SR", StudyDesign.SYSTEMATIC_REVIEW), ("Narrative review", StudyDesign.NARRATIVE_REVIEW),
    ("letter", StudyDesign.EDITORIAL),
])
def test_parse_design(text: str, expected: StudyDesign) -> None:
    assert parse_design(text) is expected


def test_parse_design_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="Unknown study design"):
        parse_design("vibes")
