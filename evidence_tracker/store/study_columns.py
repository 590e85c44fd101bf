"""The ``studies`` columns, declared once, and the row a Study becomes.

Each column a record fills is declared in :data:`COLUMNS`: how a
:class:`~evidence_tracker.domain.models.Study` gives its value (``to_sql``) and how a
stored value gives the field back (``from_sql``). The INSERT, the comparison that tells a
revised record, the row reader (:func:`row_to_study`) and the full-text row
(:data:`FTS_COLUMNS`) all derive from it, so a new field is one line here and one in the
model.

Two lists are stored in a compact form (db/0007), each read back by one function that
also reads the older full form, told apart by its shape:

* ``abstract_sections``: ``[[label, nlm_category, length of text], ...]``, plus the
  section's HTML as a fourth item only where it is not the plain escape of its text; the
  texts are slices of the ``abstract`` column, which is exactly
  :func:`~evidence_tracker.domain.abstracts.abstract_text` of the sections
  (:func:`read_sections`). The full form is a list of objects.
* ``authors``: ``{"affiliations": [...], "authors": [[last, fore, initials, collective],
  ...]}``, an author's affiliation as a fifth item, its index in ``affiliations``: each
  distinct affiliation is stored once (:func:`read_authors`). The full form is a list of
  objects.

A record is written compact only when the compact form reads back as exactly the same
list; otherwise in the full form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from operator import attrgetter
from typing import Any

import msgspec

from evidence_tracker.domain.dedupe import FuzzyKey, fuzzy_key
from evidence_tracker.domain.models import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    Study,
)
from evidence_tracker.domain.raw import (
    RAW_DICT_ID,
    ZSTD_MAGIC,
    compress_raw,
    decompress_raw,
    dictionary_id,
)

_ENCODE_JSON = msgspec.json.Encoder()
#: Reads a JSON column as plain lists and dicts.
read_json = msgspec.json.Decoder().decode


def to_json(value: Any) -> str:
    """Compact UTF-8 JSON, a record as an object of its fields in order, tuples as arrays:
    byte for byte what the columns have always held (orjson wrote them before), so that
    a stored record compares equal to the same record fetched again."""
    return _ENCODE_JSON.encode(value).decode()


def _json_reader(kind: Any) -> Callable[[str], Any]:
    """Reads a JSON column back as ``kind`` (a key missing from an old row takes the
    record's default)."""
    return msgspec.json.Decoder(kind).decode


def _as_is(value: Any) -> Any:
    return value


def _or_empty(value: str | None) -> str:
    return value or ""


def _or_null(name: str) -> Callable[[Study], str | None]:
    """An identifier: NULL rather than "" (the PMID's UNIQUE index allows many NULLs)."""
    get = attrgetter(name)
    return lambda study: get(study) or None


def _first_author(study: Study) -> str:
    return study.authors[0].display_name if study.authors else ""


@dataclass(frozen=True, slots=True)
class Column:
    """A ``studies`` column that a record fills.

    ``to_sql`` gives its value from a Study. ``from_sql`` gives the Study field of the
    same name back from a stored value (and the stored values of the columns it ``needs``,
    in that order); None for a column derived from other fields (written, never read
    back). A change in a ``compared`` column makes a re-fetched record a revision (see
    :func:`~evidence_tracker.store.studies.overwrite_study`).
    """

    name: str
    to_sql: Callable[[Study], Any]
    from_sql: Callable[..., Any] | None = _as_is
    compared: bool = True
    needs: tuple[str, ...] = ()


def _plain(name: str, *, compared: bool = True) -> Column:
    """A field stored as it is."""
    return Column(name, attrgetter(name), _as_is, compared)


def _listed(name: str, kind: Any) -> Column:
    """A list field, stored as JSON."""
    get = attrgetter(name)
    return Column(name, lambda study: to_json(get(study)), _json_reader(kind))


# -- the compact lists ---------------------------------------------------------------------
_read_any = msgspec.json.Decoder().decode
_read_full_sections = _json_reader(list[AbstractSection])
_read_full_authors = _json_reader(list[Author])


def _sections_from_compact(items: list[Any], abstract: str) -> list[AbstractSection]:
    sections = []
    at = 0
    for label, category, length, *html in items:
        if label:
            at += len(label) + 2  # "LABEL: "
        text = abstract[at : at + length]
        at += length + 2  # the blank line between sections
        sections.append(AbstractSection(text=text, label=label, nlm_category=category,
                                        html=html[0] if html else escape(text, quote=False)))
    return sections


def read_sections(stored: str, abstract: str) -> list[AbstractSection]:
    """A stored ``abstract_sections`` value, compact or full, as sections (``abstract``
    is the row's ``abstract`` column, which the compact form slices).

    >>> abstract = "AIMS: Pain & x.\\n\\nRESULTS: Less."
    >>> sections = [AbstractSection("Pain & x.", "AIMS", html="Pain &amp; <i>x</i>."),
    ...             AbstractSection("Less.", "RESULTS", "RESULTS", html="Less.")]
    >>> stored = write_sections(sections, abstract)
    >>> stored
    '[["AIMS","",9,"Pain &amp; <i>x</i>."],["RESULTS","RESULTS",5]]'
    >>> read_sections(stored, abstract) == sections
    True
    """
    if stored[1:2] == "[":
        return _sections_from_compact(_read_any(stored), abstract)
    return _read_full_sections(stored)


def write_sections(sections: Sequence[AbstractSection], abstract: str) -> str:
    """The compact form of ``sections`` if it reads back as the same sections from
    ``abstract``, else the full form."""
    if sections:
        compact: list[list[Any]] = []
        for s in sections:
            item: list[Any] = [s.label, s.nlm_category, len(s.text)]
            if s.html != escape(s.text, quote=False):
                item.append(s.html)
            compact.append(item)
        if _sections_from_compact(compact, abstract) == list(sections):
            return to_json(compact)
    return to_json(sections)


def read_authors(stored: str) -> list[Author]:
    """A stored ``authors`` value, compact or full, as authors.

    >>> authors = [Author("Li", "Wei", "W", affiliation="Oslo"), Author(collective_name="G"),
    ...            Author("Ng", affiliation="Oslo")]
    >>> stored = write_authors(authors)
    >>> stored
    '{"affiliations":["Oslo"],"authors":[["Li","Wei","W","",0],["","","","G"],["Ng","","","",0]]}'
    >>> read_authors(stored) == authors
    True
    """
    if stored[:1] != "{":
        return _read_full_authors(stored)
    compact = _read_any(stored)
    affiliations = compact["affiliations"]
    return [Author(a[0], a[1], a[2], a[3], affiliations[a[4]] if len(a) > 4 else "")
            for a in compact["authors"]]


def write_authors(authors: Sequence[Author]) -> str:
    """The compact form of ``authors`` (each affiliation once) if it reads back as the same
    authors, else the full form."""
    if authors:
        index: dict[str, int] = {}
        rows: list[list[Any]] = []
        for a in authors:
            row: list[Any] = [a.last_name, a.fore_name, a.initials, a.collective_name]
            if a.affiliation:
                row.append(index.setdefault(a.affiliation, len(index)))
            rows.append(row)
        stored = to_json({"affiliations": list(index), "authors": rows})
        if read_authors(stored) == list(authors):
            return stored
    return to_json(authors)


def recode_sections(stored: str, abstract: str) -> str:
    """A stored ``abstract_sections`` value, in either form, as the store writes it now."""
    return write_sections(read_sections(stored, abstract), abstract)


def recode_authors(stored: str) -> str:
    """A stored ``authors`` value, in either form, as the store writes it now."""
    return write_authors(read_authors(stored))


def recode_raw(stored: bytes | None) -> bytes | None:
    """A stored raw record (zlib, zstd with or without a dictionary) as the store writes
    it now."""
    if not stored or (stored[:4] == ZSTD_MAGIC and dictionary_id(stored) == RAW_DICT_ID):
        return stored
    return compress_raw(decompress_raw(stored))


#: The ``studies`` columns a record fills, in table order.
COLUMNS: tuple[Column, ...] = (
    # The key is compared too, after the others (overwrite_study's ``compared``).
    Column("pmid", _or_null("pmid"), _or_empty, compared=False),
    Column("doi", _or_null("doi"), _or_empty),
    Column("pmcid", _or_null("pmcid"), _or_empty),
    _plain("title"),
    _plain("title_html"),
    _plain("abstract"),
    Column("abstract_sections",
           lambda study: write_sections(study.abstract_sections, study.abstract),
           read_sections, needs=("abstract",)),
    _plain("journal"),
    _plain("journal_abbrev"),
    _plain("volume"),
    _plain("issue"),
    _plain("pages"),
    _plain("year"),
    _plain("pub_date"),
    Column("authors", lambda study: write_authors(study.authors), read_authors),
    Column("first_author", _first_author, None, compared=False),
    _listed("publication_types", list[str]),
    _listed("mesh", list[MeshHeading]),
    _listed("keywords", list[str]),
    _plain("language"),
    _listed("comments_corrections", list[CommentCorrection]),
    Column("retracted", lambda study: int(study.retracted), None),
    Column("has_notice", lambda study: int(bool(study.notices)), None, compared=False),
    Column("deleted", lambda study: int(study.deleted), bool),
    _plain("status"),
    _plain("entrez_date", compared=False),
    _plain("revised_date"),
    Column("raw_record", lambda study: compress_raw(study.raw_record), decompress_raw,
           compared=False),
    _plain("raw_format", compared=False),
    _plain("source", compared=False),
)
#: The column names, in :attr:`StudyRow.values` order.
ROW_FIELDS = tuple(column.name for column in COLUMNS)
#: Columns compared to decide whether a re-fetched record changed (the PMID after them).
COMPARED = tuple(column.name for column in COLUMNS if column.compared)
_READERS = tuple((c.name, c.from_sql, c.needs) for c in COLUMNS if c.from_sql is not None)
_RAW = ROW_FIELDS.index("raw_record")
# The raw record's writer is left out: a StudyRow compresses it once (or is given it so).
_WRITERS = tuple(None if i == _RAW else c.to_sql for i, c in enumerate(COLUMNS))


def _fts_authors(study: Study) -> str:
    return "; ".join(
        " ".join(p for p in (a.fore_name, a.last_name, a.collective_name) if p)
        for a in study.authors
    )


def _fts_mesh(study: Study) -> str:
    return "; ".join(" ".join([m.descriptor, *(q for q, _ in m.qualifiers)]) for m in study.mesh)


#: The full-text index's columns: plain text of the title, abstract, authors, journal,
#: MeSH headings (with their qualifiers) and keywords.
FTS_COLUMNS: tuple[tuple[str, Callable[[Study], str]], ...] = (
    ("title", attrgetter("title")),
    ("abstract", attrgetter("abstract")),
    ("authors", _fts_authors),
    ("journal", attrgetter("journal")),
    ("mesh", _fts_mesh),
    ("keywords", lambda study: "; ".join(study.keywords)),
)

#: The full-text columns whose text is the ``studies`` column of the same name; the others
#: (made from the authors, MeSH and keywords lists) are stored in ``study_fts_text``. The
#: index keeps no copy: it reads them back through the view ``studies_fts_source`` (db/0005).
FTS_FROM_STUDIES = frozenset({"title", "abstract", "journal"})
#: The ``study_fts_text`` columns, in :data:`FTS_COLUMNS` order.
FTS_STORED = tuple(name for name, _ in FTS_COLUMNS if name not in FTS_FROM_STUDIES)
_FTS_STORED_AT = tuple(i for i, (name, _) in enumerate(FTS_COLUMNS) if name in FTS_STORED)


def fts_stored(fts: tuple[str, ...]) -> tuple[str, ...]:
    """The part of a full-text row (:func:`fts_row`) kept in ``study_fts_text``."""
    return tuple(fts[i] for i in _FTS_STORED_AT)


def fts_row(study: Study) -> tuple[str, ...]:
    """The study's full-text row, in :data:`FTS_COLUMNS` order."""
    return tuple(text(study) for _, text in FTS_COLUMNS)


def study_to_row(study: Study) -> dict[str, Any]:
    """The ``studies`` columns of ``study`` (JSON for lists, raw record compressed).

    >>> row = study_to_row(Study(pmid="1", title="T", authors=[Author("Li", initials="W")]))
    >>> row["pmid"], row["doi"], row["first_author"], row["retracted"]
    ('1', None, 'Li W', 0)
    >>> row["authors"]
    '{"affiliations":[],"authors":[["Li","","W",""]]}'
    """
    return StudyRow(study).columns()


def row_to_study(row: Any) -> Study:
    """Rebuild a Study from a ``studies`` row (a mapping of its columns).

    >>> study = Study(pmid="1", year=2020, authors=[Author("Li")], deleted=True)
    >>> row_to_study(study_to_row(study)) == study
    True
    """
    return Study(**{name: read(row[name], *(row[n] for n in needs))
                    for name, read, needs in _READERS})


_UNSET: Any = object()


class StudyRow:
    """A Study on its way into the ``studies`` table, with what the import asks of it more
    than once: its raw record compressed as stored (:func:`compress_raw`, once) and the
    title key duplicates are matched on (computed once).

    A parsing process may send a Study without its raw record, and the raw record
    compressed beside it (``packed``): the pipe carries a quarter of the bytes, and
    nothing is compressed again here; :meth:`study` puts the raw record back.
    """

    __slots__ = ("_fuzzy", "_packed", "_record", "_stripped")

    def __init__(self, study: Study, packed: bytes | None = _UNSET) -> None:
        self._record = study
        self._packed = packed
        self._stripped = bool(packed) and not study.raw_record
        self._fuzzy: FuzzyKey | None = _UNSET

    def study(self) -> Study:
        """The Study, raw record included."""
        if self._stripped:
            self._record.raw_record = decompress_raw(self._packed)
            self._stripped = False
        return self._record

    def pack(self) -> StudyRow:
        """Compress the raw record (once)."""
        if self._packed is _UNSET:
            self._packed = compress_raw(self._record.raw_record)
        return self

    @property
    def pmid(self) -> str:
        return self._record.pmid

    @property
    def doi(self) -> str:
        return self._record.doi

    @property
    def title(self) -> str:
        return self._record.title

    @property
    def deleted(self) -> bool:
        return self._record.deleted

    @property
    def retracted(self) -> bool:
        return self._record.retracted

    @property
    def fuzzy(self) -> FuzzyKey | None:
        """:func:`~evidence_tracker.domain.dedupe.fuzzy_key` of the study (computed once)."""
        if self._fuzzy is _UNSET:
            self._fuzzy = fuzzy_key(self._record)
        return self._fuzzy

    @property
    def values(self) -> list[Any]:
        """The row's values in :data:`ROW_FIELDS` order, raw record compressed."""
        record = self._record
        values = [None if write is None else write(record) for write in _WRITERS]
        values[_RAW] = self.pack()._packed
        return values

    @property
    def fts(self) -> tuple[str, ...]:
        """The full-text row (:func:`fts_row`)."""
        return fts_row(self._record)

    def columns(self) -> dict[str, Any]:
        """The row as ``{column: value}``, raw record compressed."""
        return dict(zip(ROW_FIELDS, self.values, strict=True))
