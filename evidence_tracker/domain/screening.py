"""Screening decisions and the search terms to highlight in an abstract (pure).

A decision is stored as the ``after`` of a ``screening`` event::

    {"decision": "exclude", "reason": "wrong population", "note": ""}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evidence_tracker.domain.models import ScreeningDecision

#: The exclusion reasons a new project offers; each project can edit its own list.
DEFAULT_EXCLUSION_REASONS: tuple[str, ...] = (
    "Wrong population",
    "Wrong intervention",
    "Not chronic pain",
    "Animal or in vitro",
    "Not primary research",
    "Wrong outcome",
    "Duplicate",
    "Other",
)
DECISION_LABELS: Mapping[ScreeningDecision, str] = {
    ScreeningDecision.INCLUDE: "Include",
    ScreeningDecision.EXCLUDE: "Exclude",
    ScreeningDecision.MAYBE: "Maybe",
}


class ScreeningError(ValueError):
    """A screening decision that cannot be recorded, explained for the user."""


def parse_decision(value: str | ScreeningDecision) -> ScreeningDecision:
    """'I', 'include', 'Exclude', 'm' -> a ScreeningDecision."""
    if isinstance(value, ScreeningDecision):
        return value
    key = value.strip().lower()
    for decision in ScreeningDecision:
        if key in (decision.value, decision.value[0]):
            return decision
    raise ScreeningError(f"Unknown screening decision {value!r}: choose include, exclude "
                         "or maybe.")


@dataclass(frozen=True, slots=True)
class ScreeningState:
    decision: ScreeningDecision
    reason: str = ""
    note: str = ""

    def to_json(self) -> dict[str, str]:
        return {"decision": self.decision.value, "reason": self.reason, "note": self.note}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScreeningState:
        return cls(ScreeningDecision(data["decision"]), str(data.get("reason") or ""),
                   str(data.get("note") or ""))

    @property
    def label(self) -> str:
        text = DECISION_LABELS[self.decision]
        return f"{text}: {self.reason}" if self.reason else text


def clean_reasons(reasons: Iterable[str]) -> list[str]:
    """Strip, drop empties and case-insensitive duplicates; keep the order."""
    seen: set[str] = set()
    out = []
    for r in reasons:
        r = " ".join(r.split())
        if r and r.lower() not in seen:
            seen.add(r.lower())
            out.append(r)
    return out


# -- search terms ------------------------------------------------------------------------

_FIELD_TAG = re.compile(r"\[[^\]]*\]")
_QUOTED = re.compile(r'"([^"]+)"')
_OPERATORS = frozenset({"and", "or", "not"})


def query_terms(query: str) -> list[str]:
    """The words and phrases of a PubMed query, for highlighting: field tags, boolean
    operators and brackets dropped, quoted phrases kept whole, ``*`` kept as a prefix.

    >>> query_terms('("Ketamine"[mh] OR ketamine[tiab]) AND (CRPS[tiab] OR "complex '
    ...             'regional pain"[tiab] OR algodystroph*[tiab])')
    ['Ketamine', 'complex regional pain', 'CRPS', 'algodystroph*']
    """
    terms: dict[str, str] = {}
    for phrase in _QUOTED.findall(query):
        phrase = " ".join(_FIELD_TAG.sub(" ", phrase).split())
        if phrase:
            terms.setdefault(phrase.lower(), phrase)
    rest = _FIELD_TAG.sub(" ", _QUOTED.sub(" ", query))
    for word in re.findall(r"[\w*'-]+", rest):
        if word.lower() in _OPERATORS or len(word.strip("*")) < 3:
            continue
        terms.setdefault(word.lower(), word)
    return list(terms.values())


def _pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    parts = []
    for term in sorted({t for t in terms if t.strip("* ")}, key=len, reverse=True):
        prefix = term.endswith("*")
        words = [re.escape(w) for w in term.rstrip("*").split()]
        body = r"[\s-]+".join(words)
        parts.append(rf"\b{body}\w*" if prefix else rf"\b{body}(?:e?s)?\b")
    return re.compile("|".join(parts), re.I) if parts else None


def highlight_spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) of every match of ``terms`` in ``text`` (case-insensitive, whole words,
    plural -s allowed, ``term*`` as a prefix), non-overlapping, in order.

    >>> highlight_spans("Ketamine infusions for CRPS.", ["ketamine", "infusion", "crps"])
    [(0, 8), (9, 18), (23, 27)]
    """
    pattern = _pattern(terms)
    if pattern is None:
        return []
    return [(m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()]


def segments(text: str, terms: Sequence[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, matched) segments, for a view to mark up safely."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for start, end in highlight_spans(text, terms):
        if start > pos:
            out.append((text[pos:start], False))
        out.append((text[start:end], True))
        pos = end
    if pos < len(text):
        out.append((text[pos:], False))
    return out
