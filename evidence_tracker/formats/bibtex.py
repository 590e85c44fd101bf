"""BibTeX through bibtexparser v2, with LaTeX encoding (pylatexenc) of every value.

Characters BibTeX or LaTeX treat specially (``{ } \\ $ & % # _ ~ ^``) are escaped, and
accented and Greek letters become LaTeX commands, so a plain BibTeX toolchain prints them.
A character whose LaTeX form would not decode back to itself (CJK, for example) is kept as
UTF-8, which BibTeX passes through. LaTeX ligatures that would change the text (``--``,
``````, ``''``) are broken with ``{}``. Line breaks inside a value are kept.

Authors are written ``{Last}, Fore`` (the braces keep particles and spaces in the family
name) and a group as ``{Group name}``. PMIDs use biblatex's ``eprint``/``eprinttype``.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Iterator
from typing import IO

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.middlewares.parsestack import default_parse_stack
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, Field
from bibtexparser.splitter import Splitter
from pylatexenc.latexencode import UnicodeToLatexEncoder

from evidence_tracker.domain import dates
from evidence_tracker.domain.abstracts import abstract_sections, abstract_text
from evidence_tracker.domain.identifiers import normalize_doi
from evidence_tracker.domain.markup import normalize_space, plain_text, sanitize_html
from evidence_tracker.domain.models import Author, Study
from evidence_tracker.formats import fields, latex
from evidence_tracker.formats.detect import BYTE_ORDER_MARKS
from evidence_tracker.formats.fields import FormatError

RAW_FORMAT = "bibtex"

# bibtexparser logs why it gave up on a block as a warning; that reason is in the
# FormatError we raise (see :func:`_why`), so the log would only repeat it.
logging.getLogger("bibtexparser").setLevel(logging.ERROR)

_ASCII_SPECIAL = {
    "\\": r"{\textbackslash}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"{\textasciitilde}",
    "^": r"{\string^}",
}
#: Pairs of characters LaTeX would join into one glyph (``--`` is an en dash).
_LIGATURES = frozenset({"--", "``", "''", "!`", "?`", ",,", "<<", ">>"})


@functools.cache
def _encoder() -> UnicodeToLatexEncoder:
    return UnicodeToLatexEncoder(
        unknown_char_policy="keep", unknown_char_warning=False,
        replacement_latex_protection="braces-all",
    )


@functools.cache
def _encode_char(ch: str) -> str:
    if ch in _ASCII_SPECIAL:
        return _ASCII_SPECIAL[ch]
    if ch.isascii():
        return ch
    encoded = _encoder().unicode_to_latex(ch)
    try:
        if encoded != ch and latex.to_text(encoded) == ch:
            return str(encoded)
    except Exception:  # pylatexenc raises assorted errors on odd input
        return ch
    return ch


def latex_encode(text: str) -> str:
    r"""LaTeX for ``text`` that bibtexparser's LaTeX decoding turns back into ``text``.

    >>> latex_encode("50% & {ü} -- x^2")
    '50\\% \\& \\{{\\"u}\\} -{}- x{\\string^}2'
    """
    out = []
    for n, ch in enumerate(text):
        if n and (text[n - 1] + ch in _LIGATURES or (ch == "@" and text[n - 1] in "\r\n")):
            out.append("{}")  # bibtexparser would start a new entry at a line's "@"
        out.append(_encode_char(ch))
    return "".join(out)


def _protect_and(name: str) -> str:
    return re.sub(r"(?i)\band\b", lambda m: "{" + m.group(0) + "}", name)


def _author(a: Author) -> str:
    if a.collective_name:
        return "{" + latex_encode(normalize_space(a.collective_name)) + "}"
    last = "{" + latex_encode(normalize_space(a.last_name)) + "}"
    given = normalize_space(fields.given_name(a))
    return f"{last}, {_protect_and(latex_encode(given))}" if given else last


def _pages(pages: str) -> str:
    start, end = fields.split_pages(pages)
    return f"{latex_encode(start)}--{latex_encode(end)}" if end else latex_encode(pages)


def _cite_key(study: Study, n: int, used: set[str]) -> str:
    first = study.authors[0] if study.authors else None
    name = (first.last_name or first.collective_name) if first else "anon"
    base = re.sub(r"[^A-Za-z0-9]", "", name.encode("ascii", "ignore").decode()) or "ref"
    key = f"{base}{study.year or ''}" + (f"pmid{study.pmid}" if study.pmid else f"n{n}")
    while key in used:
        key += "x"
    used.add(key)
    return key


def study_to_entry(study: Study, key: str) -> Entry:
    """A bibtexparser Entry whose values are already LaTeX-encoded."""
    parts = dates.date_parts(study.pub_date) or []
    values: list[tuple[str, str]] = [
        ("author", " and ".join(_author(a) for a in study.authors)),
        ("title", latex_encode(study.title)),
        ("journal", latex_encode(study.journal)),
        ("shortjournal", latex_encode(study.journal_abbrev)),
        ("year", str(study.year) if study.year else ""),
        ("month", dates.month_abbreviation(parts[1]).lower() if len(parts) > 1 else ""),
        ("date", study.pub_date if parts else ""),
        ("pubdate", latex_encode(study.pub_date) if study.pub_date and not parts else ""),
        ("volume", latex_encode(study.volume)),
        ("number", latex_encode(study.issue)),
        ("pages", _pages(study.pages)),
        ("doi", latex_encode(study.doi)),
        ("eprint", study.pmid),
        ("eprinttype", "pubmed" if study.pmid else ""),
        ("pmid", study.pmid),
        ("pmcid", latex_encode(study.pmcid)),
        ("abstract", latex_encode(study.abstract)),
        ("keywords", ", ".join(latex_encode(k.replace(",", ";")) for k in study.keywords)),
        ("language", latex_encode(study.language)),
        ("note", "Retracted publication" if study.retracted else ""),
    ]
    entry_type = "article" if study.journal or study.journal_abbrev else "misc"
    return Entry(entry_type, key, [Field(k, v) for k, v in values if v])


def write_bibtex(studies: Iterable[Study], out: IO[str]) -> int:
    """Write BibTeX entries to ``out``, each as it comes (flat memory: one entry in a
    library at a time, not the whole project); returns how many."""
    separator = bibtexparser.BibtexFormat().block_separator  # what bibtexparser puts between blocks
    used: set[str] = set()
    count = 0
    for n, study in enumerate(studies, start=1):
        if count:
            out.write(separator)
        out.write(bibtexparser.write_string(
            bibtexparser.Library([study_to_entry(study, _cite_key(study, n, used))])))
        count += 1
    return count


# -- reading -----------------------------------------------------------------------------

#: Where :func:`parse_library` keeps an entry's values as written (LaTeX), by field key.
LATEX_KEY = "evidence_tracker_latex"


def _value(entry: Entry, *keys: str) -> str:
    for key in keys:
        field = entry.fields_dict.get(key)
        if field is not None and isinstance(field.value, str) and field.value.strip():
            return field.value.strip()
    return ""


def _decoded(parts: list[str], decoder: latex.Decoder) -> str:
    return normalize_space(" ".join(decoder.text(p) for p in parts))


def _authors(entry: Entry, decoder: latex.Decoder | None = None) -> list[Author]:
    decoder = decoder or latex.Decoder()
    field = entry.fields_dict.get("author")
    if field is None or not isinstance(field.value, middlewares.NameParts | list):
        return []
    names = field.value if isinstance(field.value, list) else [field.value]
    out = []
    for name in names:
        if not isinstance(name, middlewares.NameParts):
            continue
        family = _decoded(name.von + name.last, decoder)
        given = _decoded(name.first, decoder)
        if not given and not name.von and len(name.last) == 1:
            out.append(Author(collective_name=family))
        elif family or given:
            out.append(fields.person(family, given))
    return out


def _year(text: str) -> int | None:
    return int(text[:4]) if text[:4].isdigit() and text[:4].isascii() else None


def _dates(entry: Entry) -> tuple[int | None, str]:
    year = _year(_value(entry, "year"))
    date = _value(entry, "date")
    parts = dates.date_parts(date)
    if parts:
        return parts[0], dates.iso_date(parts)
    if _value(entry, "pubdate"):
        return year, _value(entry, "pubdate")
    month = dates.month_number(_value(entry, "month"))
    if year and month:
        return year, dates.iso_date([year, month])
    return year, f"{year:04d}" if year else ""


def _title(entry: Entry, decoder: latex.Decoder) -> tuple[str, str]:
    """(html, plain) of the title: LaTeX italics, bold, sub- and superscripts (math too)
    kept as allow-listed tags."""
    written = entry.parser_metadata.get(LATEX_KEY, {}).get("title")
    if not isinstance(written, str):
        return fields.imported_title(_value(entry, "title"))
    fragment = decoder.markup(written.strip())
    return sanitize_html(fragment), plain_text(fragment)


def entry_to_study(entry: Entry, *, source: str = "", raw: bytes = b"",
                   decoder: latex.Decoder | None = None) -> Study:
    """A Study from an Entry of :func:`parse_library` (values decoded, authors split)."""
    decoder = decoder or latex.Decoder()
    title_html, title = _title(entry, decoder)
    sections = abstract_sections(_value(entry, "abstract"))
    year, pub_date = _dates(entry)
    pmid = _value(entry, "pmid")
    if not pmid and _value(entry, "eprinttype").lower() == "pubmed":
        pmid = _value(entry, "eprint")
    return Study(
        pmid=pmid if pmid.isdigit() and pmid.isascii() else "",
        doi=normalize_doi(_value(entry, "doi")),
        pmcid=_value(entry, "pmcid"),
        title=title,
        title_html=title_html,
        abstract=abstract_text(sections),
        abstract_sections=sections,
        journal=_value(entry, "journal", "journaltitle", "booktitle"),
        journal_abbrev=_value(entry, "shortjournal"),
        volume=_value(entry, "volume"),
        issue=_value(entry, "number", "issue"),
        pages=re.sub(r"\s*[-–]{1,2}\s*", "-", _value(entry, "pages"), count=1),
        year=year,
        pub_date=pub_date,
        authors=_authors(entry, decoder),
        keywords=[k.strip() for k in re.split(r"[,;]", _value(entry, "keywords")) if k.strip()],
        language=_value(entry, "language"),
        publication_types=["Retracted Publication"]
        if "retracted" in _value(entry, "note").lower() else [],
        raw_record=raw,
        raw_format=RAW_FORMAT,
        source=source,
    )


def _lower_keys(entry: Entry) -> None:
    """Field names are case-insensitive in BibTeX (``TITLE``, ``Title``, ``yEAr``); the
    first non-empty value of a name wins."""
    kept: dict[str, Field] = {}
    for field in entry.fields:
        key = field.key.lower()
        empty = not (isinstance(field.value, str) and field.value.strip())
        if key not in kept or (not empty and not (isinstance(kept[key].value, str)
                                                   and kept[key].value.strip())):
            field.key = key
            kept[key] = field
    entry.fields = list(kept.values())


def parse_library(text: str, decoder: latex.Decoder | None = None) -> bibtexparser.Library:
    """bibtexparser's library of ``text``: field names lower case, values LaTeX-decoded
    (as written in the entry's ``parser_metadata[LATEX_KEY]``), names split into parts
    (still in LaTeX: :func:`entry_to_study` decodes them). Entries sharing a key, keyless
    ones (``@article{,``) included, are all kept: the key names nothing we store."""
    decoder = decoder or latex.Decoder()
    split = Splitter(bibstr=text).split()
    blocks = []
    for n, block in enumerate(split.blocks):
        if isinstance(block, DuplicateBlockKeyBlock) and \
                isinstance(block.ignore_error_block, Entry):
            block = block.ignore_error_block
            block.key = f"{block.key}\x00{n}"  # unique, and no key a file can hold
        blocks.append(block)
    library = bibtexparser.Library(blocks)
    for middleware in default_parse_stack():
        library = middleware.transform(library=library)
    for entry in library.entries:
        _lower_keys(entry)
    for middleware in (middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()):
        library = middleware.transform(library=library)
    for entry in library.entries:
        written = entry.parser_metadata.setdefault(LATEX_KEY, {})
        for field in entry.fields:
            if isinstance(field.value, str):
                written[field.key] = field.value
                enclosing = field.enclosing
                field.value = decoder.text(field.value)
                field.enclosing = enclosing
    return library


def _why(error: Exception) -> str:
    """What went wrong in a block bibtexparser gave up on (its aborted-block error has
    no message of its own, only an ``abort_reason``)."""
    reason = str(error).strip() or str(getattr(error, "abort_reason", "")).strip()
    return normalize_space(reason) or type(error).__name__


def decode_bytes(data: bytes) -> str:
    """The text of a BibTeX file: UTF-8 (with or without a BOM), or UTF-16/UTF-32 with a
    BOM (as some Windows tools save it)."""
    codec = next((name for bom, name in BYTE_ORDER_MARKS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        name = {"utf-8-sig": "UTF-8"}.get(codec, codec.upper())
        raise FormatError(f"the file is not valid {name} text (byte {exc.start}); save it "
                          "as UTF-8 and import it again") from exc


def read_bibtex(text: str | bytes, *, source: str = "") -> Iterator[Study]:
    """Studies from BibTeX text (or the bytes of a file, see :func:`decode_bytes`); an
    entry bibtexparser cannot read is a FormatError, raised before any study."""
    if isinstance(text, bytes):
        text = decode_bytes(text)
    decoder = latex.Decoder()
    library = parse_library(text.lstrip("\ufeff"), decoder)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        line = getattr(block, "start_line", None)
        where = f" at line {line + 1}" if isinstance(line, int) else ""
        raise FormatError(f"a BibTeX entry{where} cannot be read: {_why(block.error)}")
    if not library.entries:
        raise FormatError("no BibTeX entry (an entry starts with '@article{' or similar)")
    for entry in library.entries:
        raw = (entry.raw or "").encode("utf-8", "surrogatepass")
        yield entry_to_study(entry, source=source, raw=raw, decoder=decoder)
