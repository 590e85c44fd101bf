"""A project as an audit team has it: claims seeded, studies fetched by condition, links with
quotes by two reviewers, confirmed verdicts, a GRADE judgement, screening decisions and
search runs. Used by the report, export and GUI tests."""

from __future__ import annotations

from pathlib import Path

from conftest import make_study, retracted

from evidence_tracker.domain.models import AbstractSection, Author
from evidence_tracker.services import evidence
from evidence_tracker.services.claims import resolve_claim
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import search_runs as run_store
from evidence_tracker.store.events import append_event, ensure_reviewer
from evidence_tracker.store.studies import find_study_id, upsert_studies

ADA, BEN = "Dr Ada Reviewer", "Dr Ben Second"
RCT_ABSTRACT = (
    "BACKGROUND: Complex regional pain syndrome is hard to treat. METHODS: Sixty patients "
    "received intravenous ketamine infusions or placebo. RESULTS: Ketamine reduced pain "
    "intensity compared with placebo at 12 weeks. CONCLUSIONS: Intravenous ketamine "
    "relieved pain in complex regional pain syndrome.")
FM_QUOTE = "Ketamine did not reduce pain in fibromyalgia at 8 weeks compared with placebo."
RETRACTED_QUOTE = "Oral ketamine reduced neuropathic pain scores by half over 6 months."
REVIEW_QUOTE = ("Ketamine infusions provided short-term pain relief for up to 2 weeks, but "
                "evidence for longer benefit was of very low quality.")
C011_RATIONALE = "A randomised trial and a meta-analysis show short-term relief of CRPS pain."
GRADE_RATIONALE = "Downgraded for imprecision and risk of bias."


def audited_project(path: Path) -> Project:
    p = open_or_create(path)
    conds = {c.slug: c.id for c in condition_store.list_conditions(p)}
    rct = make_study(pmid="19783371", doi="10.1016/j.pain.2009.08.015", abstract=RCT_ABSTRACT,
                     abstract_sections=[AbstractSection(text=RCT_ABSTRACT)],
                     pub_date="2009-12-15")
    review = make_study(
        pmid="30000999", title="Long-term outcomes after ketamine infusions for chronic pain: "
        "a systematic review and meta-analysis", abstract=REVIEW_QUOTE, abstract_sections=[],
        publication_types=["Journal Article", "Systematic Review", "Meta-Analysis"],
        journal="British journal of anaesthesia", journal_abbrev="Br J Anaesth", year=2020,
        pub_date="2020-05", volume="124", issue="5", pages="534-40")
    fm = make_study(pmid="24101234", title="Ketamine in fibromyalgia: a randomised crossover "
                    "study of pain & mood (α-2 effects)", abstract=FM_QUOTE,
                    abstract_sections=[], journal="The Clinical journal of pain",
                    journal_abbrev="Clin J Pain", year=2014, pub_date="2014-02", volume="30",
                    issue="2", pages="1211-6",
                    authors=[Author(last_name="Noppers", fore_name="Ingeborg", initials="I")])
    gone = retracted(pmid="21111111", title="Oral ketamine for chronic neuropathic pain: an "
                     "open-label trial", abstract=RETRACTED_QUOTE, abstract_sections=[],
                     year=2011, pub_date="2011")
    upsert_studies(p, [rct, review], condition_id=conds["crps"])
    upsert_studies(p, [fm], condition_id=conds["fibromyalgia"])
    upsert_studies(p, [gone], condition_id=conds["neuropathic-pain"])
    for slug, total, fetched in (("crps", 180, 180), ("fibromyalgia", 60, 60),
                                 ("neuropathic-pain", 420, 400)):
        run = run_store.start_run(p, condition_id=conds[slug], query="q", kind="full",
                                  mindate=None, maxdate=None, cursor={})
        run_store.record_progress(p, run.id, cursor={}, fetched=fetched, new=fetched,
                                  updated=0, total=total)
        run_store.finish_run(p, run.id, "done")
    link = evidence.link_study
    link(p, "19783371", "C011", stance="supports", reviewer=ADA, outcome="pain intensity",
         timepoint="12 weeks", quotes=["Intravenous ketamine relieved pain in complex "
                                       "regional pain syndrome."])
    link(p, "19783371", "C011", stance="supports", reviewer=BEN,
         quotes=["Ketamine reduced pain intensity compared with placebo at 12 weeks."])
    link(p, "30000999", "C011", stance="partly_supports", quotes=[REVIEW_QUOTE], reviewer=ADA)
    link(p, "24101234", "C008", stance="contradicts", quotes=[FM_QUOTE], reviewer=ADA)
    link(p, "21111111", "C005", stance="supports", quotes=[RETRACTED_QUOTE], reviewer=BEN)
    evidence.record_verdict(p, "C011", "supported", rationale=C011_RATIONALE, reviewer=ADA)
    evidence.record_verdict(p, "C008", "contradicted", reviewer=BEN,
                            rationale="The only randomised trial found no effect at 8 weeks.")
    ada = ensure_reviewer(p, ADA)
    append_event(p, "grade", reviewer_id=ada, claim_id=resolve_claim(p, "C011").id,
                 after={"certainty": "low", "rationale": GRADE_RATIONALE})
    for pmid, decision, reason in (("19783371", "include", ""), ("24101234", "include", ""),
                                   ("21111111", "exclude", "Wrong population"),
                                   ("30000999", "include", "")):
        append_event(p, "screening", reviewer_id=ada, study_id=find_study_id(p, pmid),
                     after={"decision": decision, "reason": reason})
    append_event(p, "screening", reviewer_id=ensure_reviewer(p, BEN),
                 study_id=find_study_id(p, "21111111"),
                 after={"decision": "include", "reason": ""})
    return p
