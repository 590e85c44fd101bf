"""Records and enums shared by every layer.

A study is one type from the parser to the screen: :class:`Study` and the records in its
lists are ``msgspec.Struct`` s. They are built in C, two to ten times faster than slotted
dataclasses (the import builds about sixty per record), encode to the JSON the database
columns hold and to msgpack (what the parsing processes send) without a Python hook, and
decode back typed (``msgspec.json.decode(text, type=list[Author])``). The leaf records are
frozen and untracked by the garbage collector (they hold only strings and flags).

>>> Study(pmid="1", authors=[Author("Smith", "Anna", "A")]).authors[0].display_name
'Smith A'
>>> msgspec.json.encode([MeshHeading("Ketamine", True, "D007649", (("therapeutic use", False),))])
b'[{"descriptor":"Ketamine","major":true,"ui":"D007649","qualifiers":[["therapeutic use",false]]}]'
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import msgspec

#: CommentsCorrections RefTypes that change how a study may be relied on.
RETRACTION_REF_TYPES = frozenset({"RetractionIn", "RetractionOf"})
NOTICE_REF_TYPES = frozenset(
    {
        "RetractionIn",
        "RetractionOf",
        "ErratumIn",
        "ErratumFor",
        "ExpressionOfConcernIn",
        "ExpressionOfConcernFor",
        "UpdateIn",
        "UpdateOf",
        "RepublishedIn",
        "RepublishedFrom",
        "PartialRetractionIn",
        "PartialRetractionOf",
    }
)


class Author(msgspec.Struct, frozen=True, gc=False):
    """One author: a person (last/fore/initials) or a collective name."""

    last_name: str = ""
    fore_name: str = ""
    initials: str = ""
    collective_name: str = ""
    affiliation: str = ""

    @property
    def display_name(self) -> str:
        """'Smith JA' style, as PubMed shows it; the collective name for groups."""
        if self.collective_name:
            return self.collective_name
        return " ".join(p for p in (self.last_name, self.initials or self.fore_name) if p)


class AbstractSection(msgspec.Struct, frozen=True, gc=False):
    """A labelled part of a structured abstract (label may be empty)."""

    text: str
    label: str = ""
    nlm_category: str = ""
    html: str = ""


class MeshHeading(msgspec.Struct, frozen=True, gc=False):
    descriptor: str
    major: bool = False
    ui: str = ""
    qualifiers: tuple[tuple[str, bool], ...] = ()  # (name, major topic)


class CommentCorrection(msgspec.Struct, frozen=True, gc=False):
    """A CommentsCorrections entry: RetractionIn, ErratumIn, ..."""

    ref_type: str
    ref_source: str = ""
    pmid: str = ""


class Study(msgspec.Struct):
    """A bibliographic record, as parsed from PubMed XML, MEDLINE or an import file.

    ``abstract`` and ``title`` are plain text (for search and export); the ``*_html``
    fields hold an allow-listed fragment for display (see ``domain.markup``).
    """

    pmid: str = ""
    doi: str = ""
    pmcid: str = ""
    title: str = ""
    title_html: str = ""
    abstract: str = ""
    abstract_sections: list[AbstractSection] = msgspec.field(default_factory=list)
    journal: str = ""
    journal_abbrev: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    year: int | None = None
    pub_date: str = ""  # as precise as known: "2021", "2021-03", "2021-03-14" or MedlineDate text
    authors: list[Author] = msgspec.field(default_factory=list)
    publication_types: list[str] = msgspec.field(default_factory=list)
    mesh: list[MeshHeading] = msgspec.field(default_factory=list)
    keywords: list[str] = msgspec.field(default_factory=list)
    language: str = ""
    comments_corrections: list[CommentCorrection] = msgspec.field(default_factory=list)
    entrez_date: str = ""  # ISO date PubMed first listed it (PubMedPubDate pubstatus="entrez")
    revised_date: str = ""  # ISO date of DateRevised
    status: str = ""  # MedlineCitation/@Status
    raw_record: bytes = b""  # the source record exactly as received
    raw_format: str = ""  # "pubmed-xml", "medline", "ris", ...
    source: str = ""  # "pubmed", "import:<file name>", ...
    deleted: bool = False  # a DeleteCitation entry: PubMed withdrew this PMID

    @property
    def notices(self) -> list[CommentCorrection]:
        return [c for c in self.comments_corrections if c.ref_type in NOTICE_REF_TYPES]

    @property
    def retracted(self) -> bool:
        """True for a retracted article (not for the retraction notice itself)."""
        return "Retracted Publication" in self.publication_types or any(
            c.ref_type == "RetractionIn" for c in self.comments_corrections
        )


class EventKind(enum.StrEnum):
    """Every kind of judgement; the current state of each is derived from events."""

    SCREENING = "screening"
    APPRAISAL = "appraisal"
    LINK = "link"
    GRADE = "grade"
    VERDICT = "verdict"
    REREVIEW = "rereview"  # a study changed (retraction, revision): linked judgements reopen
    INCLUSION = "inclusion"  # which studies a systematic review includes (study = the review)


class ScreeningDecision(enum.StrEnum):
    INCLUDE = "include"
    EXCLUDE = "exclude"
    MAYBE = "maybe"


class Stance(enum.StrEnum):
    SUPPORTS = "supports"
    PARTLY_SUPPORTS = "partly_supports"
    CONTRADICTS = "contradicts"
    NOT_RELEVANT = "not_relevant"


class Certainty(enum.StrEnum):
    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"
    VERY_LOW = "very_low"


class Verdict(enum.StrEnum):
    SUPPORTED = "supported"
    PARTLY_SUPPORTED = "partly_supported"
    NOT_SUPPORTED = "not_supported"
    CONTRADICTED = "contradicted"
    INSUFFICIENT = "insufficient_evidence"


@dataclass(slots=True)
class StoredStudy:
    """A study as the project holds it: the record plus its project-level facts."""

    id: int
    study: Study
    conditions: list[str] = field(default_factory=list)  # condition slugs
    fetched_at: str = ""
    revised_at: str = ""


@dataclass(frozen=True, slots=True)
class Condition:
    id: int
    slug: str
    name: str
    query: str = ""
    description: str = ""
    parent_slug: str = ""
    total: int = 0
    new_since_viewed: int = 0
    unscreened: int = 0
