"""One realistic project for the seeded CRPS, fibromyalgia, durability and guideline claims
(issue 11's closing note): studies modelled on the real ketamine literature, linked the way
a careful reviewer would link them (findings by outcome and time point, appraisals, a
review's inclusions, a review's reported certainty, attribution matches).

Bibliographic data: PMIDs, titles, journals, years and the abstract sentences quoted were
checked against public copies of the abstracts where marked "checked"; the rest is marked
"modelled on" (written from what the publication reports, not its exact words). No effect
estimate is invented: a 95% CI is recorded only where the abstract reports one.

Used by ``test_seeded_claims_realistic.py`` and ``bench/seeded_verdicts.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence_tracker.domain.findings import (
    AttributionMatch,
    Direction,
    EffectEstimate,
    EffectMeasure,
    Finding,
)
from evidence_tracker.domain.models import (
    AbstractSection,
    Author,
    Certainty,
    MeshHeading,
    Study,
)
from evidence_tracker.services import appraisal, evidence
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.events import ensure_reviewer
from evidence_tracker.store.studies import upsert_studies

REVIEWER = "ana"
FAV, NOD = Direction.FAVOURS, Direction.NO_DIFFERENCE

#: The claims the closing note reports (C050 and C051 are the guideline's own claims).
CLAIMS = ("C008", "C009", "C011", "C015", "C016", "C017", "C018", "C047", "C050", "C051",
          "C052")


@dataclass(frozen=True)
class Paper:
    """One publication: its record and how it was checked."""

    key: str  # short name used in the tests ("sigtermans")
    pmid: str
    doi: str
    title: str
    journal: str
    year: int
    types: tuple[str, ...]
    condition: str
    sections: tuple[tuple[str, str], ...]  # (label, text)
    authors: tuple[str, ...]
    source: str  # "checked" or "modelled on ..."
    mesh: tuple[str, ...] = ("Ketamine", "Humans", "Infusions, Intravenous")


# -- the studies -------------------------------------------------------------------------

SIGTERMANS = Paper(
    "sigtermans", "19604642", "10.1016/j.pain.2009.06.023",
    "Ketamine produces effective and long-term pain relief in patients with Complex "
    "Regional Pain Syndrome Type 1", "Pain", 2009,
    ("Journal Article", "Randomized Controlled Trial"), "crps",
    (("", "Complex Regional Pain Syndrome Type 1 (CRPS-1) responds poorly to standard pain "
      "treatment. We evaluated if the N-methyl-D-aspartate receptor antagonist "
      "S(+)-ketamine improves pain in CRPS-1 patients. Sixty CRPS-1 patients (48 females) "
      "with severe pain participated in a double-blind randomized placebo-controlled "
      "parallel-group trial. Patients were given a 4.2-day intravenous infusion of low-dose "
      "ketamine (n = 30) or placebo (n = 30) using an individualized stepwise tailoring of "
      "dosage based on effect (pain relief) and side effects (nausea/vomiting/psychomimetic "
      "effects). The primary outcome of the study was the pain score (numerical rating "
      "score: 0-10) during the 12-week study period. The median (range) disease duration "
      "of the patients was 7.4 (0.1-31.9) years. At the end of infusion, the ketamine dose "
      "was 22.2 +/- 2.0 mg/h/70 kg. Pain scores over the 12-week study period in patients "
      "receiving ketamine were significantly lower than those in patients receiving "
      "placebo (P < 0.001). The lowest pain score was at the end of week 1: ketamine 2.68 "
      "+/- 0.51, placebo 5.45 +/- 0.48. In week 12, significance in pain relief between "
      "groups was lost (P = 0.07). Treatment did not cause functional improvement. "
      "Patients receiving ketamine more often experienced mild to moderate psychomimetic "
      "side effects during drug infusion (76% versus 18%, P < 0.001). In conclusion, in a "
      "population of mostly chronic CRPS-1 patients with severe pain at baseline, a "
      "multiple day ketamine infusion resulted in significant pain relief without "
      "functional improvement."),),
    ("Sigtermans MJ", "van Hilten JJ", "Bauer MCR", "Arbous MS", "Marinus J", "Sarton EY",
     "Dahan A"),
    "checked (abstract, Pain 2009;145:304-311)")

SCHWARTZMAN = Paper(
    "schwartzman", "19783371", "10.1016/j.pain.2009.08.015",
    "Outpatient intravenous ketamine for the treatment of complex regional pain syndrome: "
    "a double-blind placebo controlled study", "Pain", 2009,
    ("Journal Article", "Randomized Controlled Trial"), "crps",
    (("", "This randomized double-blind placebo controlled trial was designed to evaluate "
      "the effectiveness of intravenous ketamine in the treatment of CRPS. Study subjects "
      "were evaluated for at least 2 weeks prior to treatment and for 3 months following "
      "treatment. All subjects were infused intravenously with normal saline with or "
      "without ketamine for 4 h (25 ml/h) daily for 10 days. The maximum ketamine infusion "
      "rate was 0.35 mg/kg/h, not to exceed 25 mg/h over a 4 h period. Subjects in both "
      "the ketamine and placebo groups were administered clonidine and versed. This study "
      "showed that intravenous ketamine administered in an outpatient setting resulted in "
      "statistically significant (p < 0.05) reductions in many pain parameters. It also "
      "showed that subjects in our placebo group demonstrated no treatment effect in any "
      "parameter. The results of this study warrant a larger randomized placebo "
      "controlled trial using higher doses of ketamine and a longer follow-up period."),),
    ("Schwartzman RJ", "Alexander GM", "Grothusen JR", "Paylor T", "Reichenberger E",
     "Perreault M"),
    "checked (abstract, Pain 2009;147:107-115; 19 patients analysed, stopped early: "
    "from the full text)")

NOPPERS = Paper(
    "noppers", "21482474", "10.1016/j.ejpain.2011.03.008",
    "Absence of long-term analgesic effect from a short-term S-ketamine infusion on "
    "fibromyalgia pain: a randomized, prospective, double blind, active placebo-controlled "
    "trial", "European journal of pain (London, England)", 2011,
    ("Journal Article", "Randomized Controlled Trial"), "fibromyalgia",
    (("", "To assess the analgesic efficacy of the N-methyl-D-aspartate receptor antagonist "
      "S(+)-ketamine on fibromyalgia pain, the authors performed a randomized double "
      "blind, active placebo-controlled trial. Twenty-four fibromyalgia patients were "
      "randomized to receive a 30-min intravenous infusion with S(+)-ketamine (total dose "
      "0.5 mg/kg, n=12) or the active placebo, midazolam (5 mg, n=12). Visual Analogue "
      "Pain Scores (VAS) and ketamine plasma samples were obtained for 2.5-h following "
      "termination of treatment; pain scores derived from the fibromyalgia impact "
      "questionnaire (FIQ) were collected weekly during an 8-week follow-up. Fifteen min "
      "after termination of infusion the number of patients showing a reduction in pain "
      "scores >50% was 8 vs. 3 (P<0.05), at t=180 min 6 vs. 2 (ns), at the end of week-1 "
      "2 vs. 0 (ns) and at end of week-8 2 vs. 2 in the ketamine and midazolam groups, "
      "respectively. Ketamine effect on VAS closely followed ketamine plasma "
      "concentrations. For VAS and FIQ scores no significant differences in treatment "
      "effects were observed in the 2.5-h following infusion or during the 8-week "
      "follow-up. Efficacy of ketamine was limited and restricted in duration to its "
      "pharmacokinetics."),),
    ("Noppers I", "Niesters M", "Swartjes M", "Bauer M", "Aarts L", "Geleijnse N",
     "Mooren R", "Dahan A", "Sarton E"),
    "checked (abstract, Eur J Pain 2011;15:942-949)")

GRAVEN_NIELSEN = Paper(
    "graven_nielsen", "10781923", "10.1016/S0304-3959(99)00308-5",
    "Ketamine reduces muscle pain, temporal summation, and referred pain in fibromyalgia "
    "patients", "Pain", 2000,
    ("Clinical Trial", "Journal Article", "Randomized Controlled Trial"), "fibromyalgia",
    (("", "Central mechanisms related to referred muscle pain and temporal summation of "
      "muscular nociceptive activity are facilitated in fibromyalgia syndrome (FMS) "
      "patients. FMS patients received either i.v. placebo or ketamine (0.3 mg/kg) given "
      "over 30 min on two separate occasions. Initially, 29 FMS patients received ketamine "
      "or isotonic saline to determine which patients were ketamine responders (>50% "
      "decrease in pain intensity at rest by active drug on two consecutive VAS "
      "assessments). Fifteen out of 17 ketamine-responders were included in the second "
      "part of the study. VAS scores of pain at rest were progressively reduced during "
      "ketamine infusion compared with placebo infusion. Local and referred pain areas "
      "were reduced by ketamine compared with placebo."),),
    ("Graven-Nielsen T", "Aspegren Kendall S", "Henriksson KG", "Bengtsson M",
     "Sorensen J", "Johnson A", "Gerdle B", "Arendt-Nielsen L"),
    "checked (abstract, Pain 2000;85:483-491; shortened, numbers not quoted)")

ORHURHU = Paper(
    "orhurhu", "31082965", "10.1213/ANE.0000000000004185",
    "Ketamine Infusions for Chronic Pain: A Systematic Review and Meta-analysis of "
    "Randomized Controlled Trials", "Anesthesia and analgesia", 2019,
    ("Journal Article", "Meta-Analysis", "Systematic Review"), "chronic-pain",
    (("BACKGROUND", "IV ketamine is widely used to treat patients with chronic pain, yet "
      "the long-term impact remains uncertain."),
     ("METHODS", "We searched Medline, Embase, and Google Scholar, as well as the "
      "clinicaltrials.gov website from inception through December 16, 2017 for randomized "
      "control trials comparing IV ketamine to placebo infusions for chronic pain that "
      "reported outcomes for >=48 hours after the intervention. Our primary outcome was "
      "the lowest recorded pain score >=48 hours after cessation of treatment."),
     ("RESULTS", "Among 696 studies assessed for eligibility, 7 met inclusion criteria. "
      "All studies except one were at high risk of bias. These studies randomly assigned "
      "211 patients with neuropathic (n = 2), mixed (n = 2), and nonneuropathic "
      "(nociplastic or nociceptive) (n = 3) pain. Three studies reported significant "
      "analgesic benefit favoring ketamine, with the meta-analysis revealing a small "
      "effect up to 2 weeks after the infusion (mean difference in pain scores, -1.83 "
      "points on a 0-10 numerical rating scale; 95% CI, -2.35 to -1.31 points; P < "
      ".0001)."),
     ("CONCLUSIONS", "Ketamine infusions provide significant short-term analgesic benefit "
      "in patients with refractory chronic pain; the quality of the evidence is low, and "
      "larger trials with longer follow-up are needed.")),
    ("Orhurhu V", "Orhurhu MS", "Bhatia A", "Cohen SP"),
    "checked up to RESULTS (Anesth Analg 2019;129:241-254); CONCLUSIONS modelled on the "
    "paper (low-quality evidence, short-term benefit); inclusions from its trial list "
    "as remembered (Sigtermans 2009, Schwartzman 2009, Noppers 2011 among the 7)")

COHEN_2018 = Paper(
    "cohen_2018", "29870458", "10.1097/AAP.0000000000000808",
    "Consensus Guidelines on the Use of Intravenous Ketamine Infusions for Chronic Pain "
    "From the American Society of Regional Anesthesia and Pain Medicine, the American "
    "Academy of Pain Medicine, and the American Society of Anesthesiologists",
    "Regional anesthesia and pain medicine", 2018,
    ("Journal Article", "Practice Guideline", "Consensus Development Conference"),
    "chronic-pain",
    (("BACKGROUND", "Over the past 2 decades, the use of intravenous ketamine infusions as "
      "a treatment for chronic pain has increased dramatically, with wide variation in "
      "patient selection, dosing, and monitoring."),
     ("RESULTS", "For CRPS, there is moderate evidence supporting ketamine infusions "
      "(22 mg/h for 4 days or 0.35 mg/kg per hour over 4 hours daily for 10 days) to "
      "provide improvements in pain for up to 12 weeks. For mixed neuropathic pain, "
      "phantom limb pain, postherpetic neuralgia, fibromyalgia, cancer pain, ischemic "
      "pain, migraine headache, and low-back pain, there was weak or no evidence "
      "supporting ketamine infusions for immediate improvements in pain. Excluding CRPS, "
      "there was no evidence supporting ketamine infusions for intermediate or long-term "
      "improvements in pain. There is moderate evidence to support higher dosages of "
      "ketamine over longer time periods, and more frequent administration, for chronic "
      "pain."),
     ("CONCLUSIONS", "Evidence supports the use of ketamine for chronic pain, but the "
      "level of evidence varies by condition and dose range. Larger studies, evaluating "
      "a wider variety of conditions, are needed to better quantify efficacy.")),
    ("Cohen SP", "Bhatia A", "Buvanendran A", "Schwenk ES", "Wasan AD", "Hurley RW",
     "Viscusi ER", "Narouze S", "Davis FN", "Ritchie EC", "Lubenow TR", "Hooten WM"),
    "modelled on the abstract and the guideline's answers to its question 1 (indications) "
    "and question 3 (dose), as published (Reg Anesth Pain Med 2018;43:521-546)",
    mesh=("Ketamine", "Humans", "Chronic Pain", "Infusions, Intravenous"))

#: A no-comparator CRPS study (retrospective, Erasmus MC): the nearest thing to evidence
#: beyond placebo-controlled trials for "gold standard". No PMID recorded: keyed by DOI.
MANGNUS = Paper(
    "mangnus", "", "10.1111/papr.13056",
    "Effectiveness of intravenous ketamine in complex regional pain syndrome: a "
    "retrospective study", "Pain practice", 2021,
    ("Journal Article",), "crps",
    (("OBJECTIVE", "The objective of this study was to assess the effectiveness of a "
      "low-dose intravenous S-ketamine treatment on refractory pain in patients with "
      "Complex Regional Pain Syndrome (CRPS)."),
     ("METHODS", "In this retrospective study, patients with CRPS who received "
      "intravenous S-ketamine from March 2010 to April 2019 were included. Primary outcome "
      "parameters were pain scores (Numeric Rating Scale) at baseline (T0), end of "
      "infusion (T1), and approximately 4 weeks postinfusion (T2)."),
     ("RESULTS", "Forty-eight patients were included. Median pain score significantly "
      "decreased from 8 (IQR = 2) at T0 to 6 (IQR = 4) at T1 (p < 0.001). At T1, 62% of "
      "the patients were responders. At T2, 48% of the patients remained a responder."),
     ("CONCLUSION", "In a group of patients with CRPS with refractory pain, low-dose "
      "intravenous S-ketamine treatment resulted in effective pain relief during "
      "infusion.")),
    ("Mangnus TJP", "Dirckx M", "Bharwani KD", "de Vos CC", "Frankema SPG",
     "Stronks DL", "Huygen FJPM"),
    "checked (abstract, Pain Pract 2021; DOI from the publisher); title modelled on it; "
    "PMID not known here, so none is recorded")

PAPERS = (SIGTERMANS, SCHWARTZMAN, NOPPERS, GRAVEN_NIELSEN, ORHURHU, COHEN_2018, MANGNUS)


def _record(p: Paper) -> Study:
    sections = [AbstractSection(text=t, label=label, nlm_category=label)
                for label, t in p.sections]
    authors = []
    for a in p.authors:
        last, _, initials = a.rpartition(" ")
        authors.append(Author(last_name=last, initials=initials))
    study = Study(pmid=p.pmid, doi=p.doi, title=p.title, title_html=p.title,
                  abstract_sections=sections, journal=p.journal, journal_abbrev=p.journal,
                  year=p.year, pub_date=str(p.year), authors=authors,
                  publication_types=list(p.types),
                  mesh=[MeshHeading(m) for m in p.mesh], language="eng",
                  raw_record=b"", raw_format="", source="pubmed" if p.pmid else "import",
                  revised_date="2024-01-01")
    study.abstract = "\n\n".join(f"{s.label}: {s.text}" if s.label else s.text
                                 for s in sections)
    return study


def finding(outcome: str, timepoint: str, direction: Direction, *quotes: str,
            n: int | None = None, comparator: str = "placebo",
            md: tuple[float, float, float] | None = None) -> Finding:
    effect = EffectEstimate(EffectMeasure.MD, *md) if md else None
    return Finding(Finding.new_id(), outcome, timepoint, direction, effect, n, quotes,
                   comparator)


# -- quotes (sentences of the abstracts above) -------------------------------------------

Q_SIG_PERIOD = ("Pain scores over the 12-week study period in patients receiving ketamine "
                "were significantly lower than those in patients receiving placebo")
Q_SIG_WEEK1 = "The lowest pain score was at the end of week 1"
Q_SIG_WEEK12 = "In week 12, significance in pain relief between groups was lost (P = 0.07)."
Q_SIG_FUNCTION = "Treatment did not cause functional improvement."
Q_SCH = ("intravenous ketamine administered in an outpatient setting resulted in "
         "statistically significant (p < 0.05) reductions in many pain parameters")
Q_NOP_15 = ("Fifteen min after termination of infusion the number of patients showing a "
            "reduction in pain scores >50% was 8 vs. 3 (P<0.05)")
Q_NOP_NULL = ("For VAS and FIQ scores no significant differences in treatment effects were "
              "observed in the 2.5-h following infusion or during the 8-week follow-up.")
Q_NOP_LATER = "at t=180 min 6 vs. 2 (ns), at the end of week-1 2 vs. 0 (ns)"
Q_GN = ("VAS scores of pain at rest were progressively reduced during ketamine infusion "
        "compared with placebo infusion.")
Q_ORH = ("the meta-analysis revealing a small effect up to 2 weeks after the infusion")
Q_COHEN_CRPS = ("For CRPS, there is moderate evidence supporting ketamine infusions")
Q_COHEN_WEAK = ("For mixed neuropathic pain, phantom limb pain, postherpetic neuralgia, "
                "fibromyalgia, cancer pain, ischemic pain, migraine headache, and low-back "
                "pain, there was weak or no evidence supporting ketamine infusions for "
                "immediate improvements in pain.")
Q_COHEN_OVERALL = ("Evidence supports the use of ketamine for chronic pain, but the level of "
                   "evidence varies by condition and dose range.")
Q_COHEN_DOSE = ("There is moderate evidence to support higher dosages of ketamine over "
                "longer time periods, and more frequent administration, for chronic pain.")
Q_MANG = ("Median pain score significantly decreased from 8 (IQR = 2) at T0 to 6 (IQR = 4) "
          "at T1 (p < 0.001).")

ROB_LOW = dict.fromkeys(("randomisation", "deviations", "missing_data", "measurement",
                         "reporting"), "low")


def _sigtermans_pain(claim_outcome: str = "pain intensity (NRS)") -> list[Finding]:
    return [finding(claim_outcome, "1 week", FAV, Q_SIG_WEEK1, n=60),
            finding(claim_outcome, "11 weeks", FAV, Q_SIG_PERIOD, n=60),
            finding(claim_outcome, "12 weeks", NOD, Q_SIG_WEEK12, n=60)]


def build(path: str | Path) -> tuple[Project, dict[str, int]]:
    """Create the project at ``path``: seeded claims, the studies, appraisals, links with
    findings, the review's inclusions. Returns the open project and the study ids by key."""
    project = open_or_create(path)
    ensure_reviewer(project, REVIEWER)
    cid = {c.slug: c.id for c in condition_store.list_conditions(project)}
    ids: dict[str, int] = {}
    for p in PAPERS:
        ids[p.key] = upsert_studies(project, [_record(p)],
                                    condition_id=cid[p.condition]).study_ids[0]

    def appraise(key: str, design: str, rob: dict[str, str] | None = None,
                 **fields: Any) -> None:
        appraisal.update_appraisal(project, ids[key], reviewer=REVIEWER, design=design,
                                   rob=rob, **fields)

    # Appraisals (RoB 2 for the trials; reasons in the note).
    appraise("sigtermans", "rct", ROB_LOW | {"measurement": "some_concerns"},
             participants=60, route="iv_infusion", follow_up="12 weeks",
             comparator="Placebo (saline)", dose="S-ketamine titrated, 22 mg/h/70 kg, 4.2 days",
             note="Psychomimetic effects in 76% vs 18%: blinding of a self-reported outcome "
                  "likely broken (some concerns, measurement).")
    appraise("schwartzman", "rct", ROB_LOW | {"missing_data": "some_concerns",
                                             "reporting": "high"},
             participants=19, route="iv_infusion", follow_up="3 months",
             comparator="Placebo (saline)", dose="0.35 mg/kg/h, 4 h daily for 10 days",
             note="Stopped early (19 of 40 planned); 'many pain parameters' reported "
                  "selectively: high risk (reporting).")
    appraise("noppers", "rct", ROB_LOW, participants=24, route="iv_infusion",
             follow_up="8 weeks", comparator="Active placebo (midazolam)",
             dose="S-ketamine 0.5 mg/kg over 30 min")
    appraise("graven_nielsen", "rct", ROB_LOW | {"randomisation": "some_concerns"},
             participants=15, route="iv_infusion", follow_up="during the infusion",
             comparator="Placebo (saline)", dose="0.3 mg/kg over 30 min",
             note="Crossover of ketamine responders selected in an open run-in (enriched).")
    appraise("orhurhu", "systematic_review", participants=211, route="iv_infusion",
             follow_up="2 weeks")
    appraise("cohen_2018", "guideline")
    appraise("mangnus", "case_series", participants=48, route="iv_infusion",
             follow_up="4 weeks", comparator="No comparator")

    def link(key: str, claim: str, *found: Finding, **kw: Any) -> None:
        quotes = [q for f in found for q in f.quotes][:1]
        evidence.link_study(project, ids[key], claim, stance=kw.pop("stance", "supports"),
                            quotes=quotes, reviewer=REVIEWER, findings=list(found), **kw)

    # C011: IV ketamine reduces pain in CRPS (effect, no time frame).
    link("sigtermans", "C011", *_sigtermans_pain(),
         finding("function", "12 weeks", NOD, Q_SIG_FUNCTION, n=60))
    link("schwartzman", "C011", finding("pain intensity (NRS)", "3 months", FAV, Q_SCH, n=19))

    # C018: long-term pain control and restored function in CRPS (durability).
    link("sigtermans", "C018", *_sigtermans_pain(),
         finding("function", "12 weeks", NOD, Q_SIG_FUNCTION, n=60), stance="partly_supports")
    link("schwartzman", "C018", finding("pain intensity (NRS)", "3 months", FAV, Q_SCH, n=19),
         stance="partly_supports")

    # C052: gold standard for CRPS (comparison). No head-to-head trial exists; the
    # guideline does not designate it (it grades the evidence moderate, short term).
    link("sigtermans", "C052", *_sigtermans_pain(), stance="partly_supports")
    link("schwartzman", "C052", finding("pain intensity (NRS)", "3 months", FAV, Q_SCH, n=19),
         stance="partly_supports")
    link("mangnus", "C052", finding("pain intensity (NRS)", "end of infusion (7 days)", FAV,
                                    Q_MANG, n=48, comparator="No comparator (baseline)"),
         stance="partly_supports")
    link("cohen_2018", "C052", finding("guideline recommendation", "", NOD, Q_COHEN_CRPS),
         stance="contradicts", attribution=AttributionMatch.MISATTRIBUTED)

    # C008: ketamine reduces widespread pain in fibromyalgia (effect).
    link("noppers", "C008",
         finding("pain responders (>50% VAS reduction)", "15 minutes", FAV, Q_NOP_15, n=24,
                 comparator="Active placebo (midazolam)"),
         finding("pain responders (>50% VAS reduction)", "3 hours", NOD, Q_NOP_LATER, n=24,
                 comparator="Active placebo (midazolam)"),
         finding("pain intensity (VAS)", "2.5 hours", NOD, Q_NOP_NULL, n=24,
                 comparator="Active placebo (midazolam)"),
         finding("pain (FIQ)", "8 weeks", NOD, Q_NOP_NULL, n=24,
                 comparator="Active placebo (midazolam)"), stance="partly_supports")
    link("graven_nielsen", "C008",
         finding("pain intensity at rest (VAS)", "30 minutes", FAV, Q_GN, n=15))

    # C015 / C016: onset within 40 minutes / within hours (chronic pain; C016 names
    # fibromyalgia and CRPS). The onset evidence is the two fibromyalgia infusion trials.
    for claim in ("C015", "C016"):
        link("noppers", claim,
             finding("pain responders (>50% VAS reduction)", "15 minutes", FAV, Q_NOP_15,
                     n=24, comparator="Active placebo (midazolam)"),
             finding("pain intensity (VAS)", "2.5 hours", NOD, Q_NOP_NULL, n=24,
                     comparator="Active placebo (midazolam)"),
             finding("pain responders (>50% VAS reduction)", "3 hours", NOD, Q_NOP_LATER,
                     n=24, comparator="Active placebo (midazolam)"), stance="partly_supports")
        link("graven_nielsen", claim,
             finding("pain intensity at rest (VAS)", "30 minutes", FAV, Q_GN, n=15))

    # C017: relief after a short course lasts weeks to months (chronic pain).
    link("orhurhu", "C017",
         finding("pain intensity (NRS)", "2 weeks", FAV, Q_ORH, n=211,
                 md=(-1.83, -2.35, -1.31)), reported_certainty=Certainty.LOW,
         stance="partly_supports")
    link("sigtermans", "C017", *_sigtermans_pain(), stance="partly_supports")
    link("noppers", "C017", finding("pain (FIQ)", "8 weeks", NOD, Q_NOP_NULL, n=24,
                                    comparator="Active placebo (midazolam)"),
         stance="contradicts")
    evidence.record_inclusions(project, ids["orhurhu"],
                               [ids["sigtermans"], ids["schwartzman"], ids["noppers"]],
                               reviewer=REVIEWER, note="From the review's table of trials")

    # C047: treats mental health disorders linked to chronic pain, fibromyalgia among them.
    link("noppers", "C047", finding("fibromyalgia symptoms (FIQ)", "8 weeks", NOD,
                                    Q_NOP_NULL, n=24,
                                    comparator="Active placebo (midazolam)"),
         stance="contradicts")

    # Attribution claims: the guideline itself decides.
    link("cohen_2018", "C009", finding("research record", "", FAV, Q_COHEN_WEAK),
         stance="partly_supports", attribution=AttributionMatch.OVERSTATED)
    link("noppers", "C009", finding("pain (FIQ)", "8 weeks", NOD, Q_NOP_NULL, n=24))
    link("cohen_2018", "C050", finding("guideline conclusion", "", FAV, Q_COHEN_OVERALL,
                                       Q_COHEN_WEAK),
         stance="partly_supports", attribution=AttributionMatch.OVERSTATED)
    link("cohen_2018", "C051", finding("guideline conclusion", "", FAV, Q_COHEN_OVERALL,
                                       Q_COHEN_DOSE), attribution=AttributionMatch.ACCURATE)
    return project, ids


def table(project: Project) -> str:
    """Per claim: code, text, kind, verdict, certainty, statement, and the studies counted
    and left out with reasons (what the closing note pastes)."""
    from evidence_tracker.domain.verdicts import EXCLUSION_LABELS, VERDICT_TEXT
    from evidence_tracker.services.claims import resolve_claim

    out: list[str] = []
    for code in CLAIMS:
        claim = resolve_claim(project, code)
        r = evidence.verdict_status(project, code).suggested
        certainty = r.certainty.value.replace("_", " ") if r.certainty else "n/a"
        out.append(f"{code}  {claim.text}")
        out.append(f"  kind: {claim.question_kind.value}  verdict: {VERDICT_TEXT[r.verdict]}"
                   f"  certainty: {certainty}{' (provisional)' if r.provisional else ''}")
        out.append(f"  statement: {r.statement}")
        counted = ", ".join(s.key for s in r.body.counted) or "none"
        out.append(f"  counted: {counted}")
        for e in r.body.excluded:
            what = "one finding of " if e.finding_id else ""
            out.append(f"  left out: {what}{e.key}: {EXCLUSION_LABELS[e.reason]}"
                       + (f" ({e.detail})" if e.detail else ""))
        out.append("")
    return "\n".join(out)
