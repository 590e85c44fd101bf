"""The appraisal of one study: design, participants, dose and route, risk of bias (pure).

Risk of bias uses RoB 2 (Sterne et al., BMJ 2019) for randomised trials and ROBINS-I
(Sterne et al., BMJ 2016) for non-randomised studies of interventions. An appraisal is
stored as the ``after`` of an ``appraisal`` event (:meth:`AppraisalState.to_json`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from evidence_tracker.domain.design import NON_RANDOMISED, StudyDesign


class RobTool(enum.StrEnum):
    ROB2 = "rob2"
    ROBINS_I = "robins_i"
    NONE = "none"

    @property
    def label(self) -> str:
        return {"rob2": "RoB 2 (randomised trials)",
                "robins_i": "ROBINS-I (non-randomised studies)",
                "none": "No risk-of-bias tool for this design"}[self.value]


#: RoB 2 domains (key, label).
ROB2_DOMAINS: tuple[tuple[str, str], ...] = (
    ("randomisation", "Randomisation process"),
    ("deviations", "Deviations from intended interventions"),
    ("missing_data", "Missing outcome data"),
    ("measurement", "Measurement of the outcome"),
    ("reporting", "Selection of the reported result"),
)
ROB2_JUDGEMENTS: tuple[tuple[str, str], ...] = (
    ("low", "Low risk"), ("some_concerns", "Some concerns"), ("high", "High risk"),
)

#: ROBINS-I domains (key, label).
ROBINS_I_DOMAINS: tuple[tuple[str, str], ...] = (
    ("confounding", "Bias due to confounding"),
    ("selection", "Bias in selection of participants"),
    ("classification", "Bias in classification of interventions"),
    ("deviations", "Bias due to deviations from intended interventions"),
    ("missing_data", "Bias due to missing data"),
    ("measurement", "Bias in measurement of outcomes"),
    ("reporting", "Bias in selection of the reported result"),
)
ROBINS_I_JUDGEMENTS: tuple[tuple[str, str], ...] = (
    ("low", "Low"), ("moderate", "Moderate"), ("serious", "Serious"),
    ("critical", "Critical"), ("no_information", "No information"),
)

#: How much each overall judgement weighs against the body of evidence (GRADE risk of
#: bias): 0 not serious, 1 serious, 2 very serious; None when it says nothing.
ROB_SEVERITY: Mapping[str, int | None] = {
    "low": 0, "some_concerns": 1, "moderate": 1, "high": 2, "serious": 2, "critical": 2,
    "no_information": None, "": None,
}

ROUTES: tuple[tuple[str, str], ...] = (
    ("iv_infusion", "IV infusion"),
    ("iv_bolus", "IV bolus"),
    ("intranasal", "Intranasal"),
    ("oral", "Oral"),
    ("sublingual", "Sublingual / buccal"),
    ("im", "Intramuscular (IM)"),
    ("sc", "Subcutaneous (SC)"),
    ("topical", "Topical"),
    ("other", "Other"),
    ("not_reported", "Not reported"),
)
ROUTE_LABELS = dict(ROUTES)
FUNDING_CHOICES = ("Not reported", "None", "Public / non-profit", "Industry",
                   "Mixed public and industry")
CONFLICT_CHOICES = ("Not reported", "None declared", "Declared (see note)")
COMPARATOR_CHOICES = ("Placebo (saline)", "Active placebo (e.g. midazolam)", "Usual care",
                      "Another drug", "No comparator")


_ROUTE_MESH: tuple[tuple[str, str], ...] = (
    ("infusions, intravenous", "iv_infusion"), ("administration, intravenous", "iv_infusion"),
    ("injections, intravenous", "iv_bolus"), ("administration, intranasal", "intranasal"),
    ("administration, oral", "oral"), ("administration, sublingual", "sublingual"),
    ("administration, buccal", "sublingual"), ("injections, intramuscular", "im"),
    ("injections, subcutaneous", "sc"), ("administration, topical", "topical"),
    ("administration, cutaneous", "topical"),
)


def route_from_mesh(mesh: Iterable[str]) -> str:
    """The route the MeSH headings name ("Administration, Oral" -> "oral"), or ''.

    >>> route_from_mesh(["Humans", "Infusions, Intravenous", "Ketamine"])
    'iv_infusion'
    """
    headings = {m.strip().lower() for m in mesh}
    return next((route for heading, route in _ROUTE_MESH if heading in headings), "")


def rob_tool_for(design: StudyDesign) -> RobTool:
    """RoB 2 for randomised trials, ROBINS-I for non-randomised studies, else none."""
    if design is StudyDesign.RCT:
        return RobTool.ROB2
    if design in NON_RANDOMISED:
        return RobTool.ROBINS_I
    return RobTool.NONE


def rob_domains(tool: RobTool) -> tuple[tuple[str, str], ...]:
    return {RobTool.ROB2: ROB2_DOMAINS, RobTool.ROBINS_I: ROBINS_I_DOMAINS}.get(tool, ())


def rob_judgements(tool: RobTool) -> tuple[tuple[str, str], ...]:
    return {RobTool.ROB2: ROB2_JUDGEMENTS, RobTool.ROBINS_I: ROBINS_I_JUDGEMENTS}.get(tool, ())


def overall_rob(tool: RobTool, domains: Mapping[str, str]) -> str:
    """The overall judgement the domain judgements imply ('' until every domain is judged).

    RoB 2: low if all domains are low, high if any is high, otherwise some concerns (the
    tool lets a reviewer raise several "some concerns" to high: that stays their call).
    ROBINS-I: the most severe domain judgement; "no information" only counts when no
    domain is moderate or worse and some domain lacks information.

    >>> overall_rob(RobTool.ROB2, dict.fromkeys(["randomisation", "deviations",
    ...     "missing_data", "measurement"], "low") | {"reporting": "some_concerns"})
    'some_concerns'
    """
    keys = [k for k, _ in rob_domains(tool)]
    values = [domains.get(k, "") for k in keys]
    if not keys or any(not v for v in values):
        return ""
    if tool is RobTool.ROB2:
        if "high" in values:
            return "high"
        return "low" if all(v == "low" for v in values) else "some_concerns"
    for level in ("critical", "serious", "moderate"):
        if level in values:
            return level
    return "no_information" if "no_information" in values else "low"


class AppraisalError(ValueError):
    """An appraisal that cannot be saved, explained for the user."""


def _int_or_none(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise AppraisalError(f"Participants must be a whole number, not {value!r}.") from None
    if number < 0:
        raise AppraisalError("Participants cannot be negative.")
    return number


@dataclass(frozen=True, slots=True)
class AppraisalState:
    """One reviewer's appraisal of one study (the ``after`` of an ``appraisal`` event)."""

    design: StudyDesign
    suggested_design: StudyDesign | None = None
    participants: int | None = None
    follow_up: str = ""
    dose: str = ""
    route: str = ""
    comparator: str = ""
    rob_tool: RobTool = RobTool.NONE
    rob_domains: Mapping[str, str] = field(default_factory=dict)
    rob_overall: str = ""
    funding: str = ""
    conflicts: str = ""
    note: str = ""

    @property
    def design_confirmed(self) -> bool:
        """True when the reviewer kept the suggested design."""
        return self.suggested_design is None or self.design is self.suggested_design

    @property
    def rob_severity(self) -> int | None:
        return ROB_SEVERITY.get(self.rob_overall)

    def validated(self) -> AppraisalState:
        """Check judgements against the tool; fill the overall judgement if left empty."""
        tool = self.rob_tool
        allowed_domains = {k for k, _ in rob_domains(tool)}
        allowed = {k for k, _ in rob_judgements(tool)}
        for key, value in self.rob_domains.items():
            if key not in allowed_domains:
                raise AppraisalError(f"{key!r} is not a {tool.label} domain.")
            if value and value not in allowed:
                raise AppraisalError(f"{value!r} is not a {tool.label} judgement "
                                     f"(choose {', '.join(sorted(allowed))}).")
        if self.rob_overall and self.rob_overall not in allowed:
            raise AppraisalError(f"{self.rob_overall!r} is not a {tool.label} judgement.")
        if self.route and self.route not in ROUTE_LABELS:
            raise AppraisalError(f"Unknown route {self.route!r}: choose one of "
                                 f"{', '.join(ROUTE_LABELS)}.")
        domains = {k: v for k, v in self.rob_domains.items() if v}
        overall = self.rob_overall or overall_rob(tool, domains)
        return replace(self, rob_domains=domains, rob_overall=overall,
                       participants=_int_or_none(self.participants))

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design.value,
            "suggested_design": self.suggested_design.value if self.suggested_design else None,
            "design_confirmed": self.design_confirmed,
            "participants": self.participants, "follow_up": self.follow_up, "dose": self.dose,
            "route": self.route, "comparator": self.comparator,
            "rob_tool": self.rob_tool.value, "rob_domains": dict(self.rob_domains),
            "rob_overall": self.rob_overall, "funding": self.funding,
            "conflicts": self.conflicts, "note": self.note,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AppraisalState:
        suggested = data.get("suggested_design")
        return cls(
            design=StudyDesign(data["design"]),
            suggested_design=StudyDesign(suggested) if suggested else None,
            participants=_int_or_none(data.get("participants")),
            follow_up=str(data.get("follow_up") or ""), dose=str(data.get("dose") or ""),
            route=str(data.get("route") or ""), comparator=str(data.get("comparator") or ""),
            rob_tool=RobTool(data.get("rob_tool") or RobTool.NONE.value),
            rob_domains={str(k): str(v) for k, v in (data.get("rob_domains") or {}).items()},
            rob_overall=str(data.get("rob_overall") or ""),
            funding=str(data.get("funding") or ""), conflicts=str(data.get("conflicts") or ""),
            note=str(data.get("note") or ""),
        )


def rob_label(tool: RobTool | str, value: str) -> str:
    """'some_concerns' -> 'Some concerns' in the tool's words ('' stays '')."""
    judgements = rob_judgements(RobTool(tool)) or ROB2_JUDGEMENTS + ROBINS_I_JUDGEMENTS
    return next((label for key, label in judgements if key == value), value)
