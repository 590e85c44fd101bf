"""PubMed's comments and corrections (CommentsCorrections RefTypes): their MEDLINE tags,
and how a notice on a study (retraction, erratum, expression of concern ...) is put in
words: a short label for a report line and a sentence for the study's own page.

>>> REF_TYPES["EIN"], MEDLINE_TAGS["ErratumIn"]
('ErratumIn', 'EIN')
>>> notice_label("ErratumIn", "Pain. 2021;162(1):5"), notice_label("RetractionIn")
('Erratum: Pain. 2021;162(1):5', 'Retracted')
>>> notice_sentence("ExpressionOfConcernIn")
'An expression of concern was published'
>>> notice_sentence("UpdateOf")  # no words of its own: the PubMed RefType
'UpdateOf'
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["MEDLINE_TAGS", "REF_TYPES", "notice_label", "notice_sentence"]

#: MEDLINE comment/correction tag -> the PubMed XML CommentsCorrections RefType.
REF_TYPES = {
    "CON": "CommentOn",
    "CIN": "CommentIn",
    "EIN": "ErratumIn",
    "EFR": "ErratumFor",
    "ECI": "ExpressionOfConcernIn",
    "ECF": "ExpressionOfConcernFor",
    "CRI": "CorrectedandRepublishedIn",
    "CRF": "CorrectedandRepublishedFrom",
    "RRI": "RetractedandRepublishedIn",
    "RRF": "RetractedandRepublishedFrom",
    "RIN": "RetractionIn",
    "ROF": "RetractionOf",
    "PRIN": "PartialRetractionIn",
    "PROF": "PartialRetractionOf",
    "RPI": "RepublishedIn",
    "RPF": "RepublishedFrom",
    "UIN": "UpdateIn",
    "UOF": "UpdateOf",
    "SPIN": "SummaryForPatientsIn",
    "ORI": "OriginalReportIn",
}

#: PubMed XML CommentsCorrections RefType -> MEDLINE tag.
MEDLINE_TAGS = {ref_type: tag for tag, ref_type in REF_TYPES.items()}


class _Wording(NamedTuple):
    label: str  # a few words, before the notice's source
    sentence: str  # on its own


_WORDING = {
    "RetractionIn": _Wording("Retracted", "Retracted: see the retraction notice"),
    "ErratumIn": _Wording("Erratum", "An erratum was published"),
    "ExpressionOfConcernIn": _Wording("Expression of concern",
                                      "An expression of concern was published"),
    "UpdateIn": _Wording("Updated", "An updated version was published"),
    "RepublishedIn": _Wording("Republished", "Republished elsewhere"),
    "PartialRetractionIn": _Wording("Partly retracted", "Partially retracted"),
}


def notice_label(ref_type: str, source: str = "") -> str:
    """'Erratum: <where it was published>'; the RefType itself when it has no label."""
    wording = _WORDING.get(ref_type)
    label = wording.label if wording else ref_type
    return f"{label}: {source}" if source else label


def notice_sentence(ref_type: str) -> str:
    """The notice as a sentence ('An erratum was published'); the RefType when it has none."""
    wording = _WORDING.get(ref_type)
    return wording.sentence if wording else ref_type
