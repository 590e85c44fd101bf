"""CSL-JSON (the Citation Style Language's data format): write, read, and the citation input.

Standard variables carry what CSL knows (title, container-title, author, issued, DOI, PMID,
PMCID, ...). What CSL has no variable for (MeSH headings, publication types, author
initials and affiliations, retraction notices, the exact publication date text) goes into
the item's ``custom`` object under ``evidence-tracker``, so our own reader gets every field
back while other tools ignore it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

import msgspec

from evidence_tracker.domain import dates
from evidence_tracker.domain.abstracts import abstract_sections, abstract_text
from evidence_tracker.domain.identifiers import doi_url, normalize_doi, pubmed_url
from evidence_tracker.domain.markup import normalize_space
from evidence_tracker.domain.models import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    Study,
)
from evidence_tracker.formats import fields
from evidence_tracker.formats.fields import FormatError

RAW_FORMAT = "csl-json"
CUSTOM_KEY = "evidence-tracker"


def _names(authors: Iterable[Author]) -> list[dict[str, str]]:
    out = []
    for a in authors:
        if a.collective_name:
            out.append({"literal": a.collective_name})
        else:
            out.append({"family": a.last_name, "given": fields.given_name(a)})
    return out


def _issued(study: Study) -> dict[str, Any] | None:
    parts = dates.date_parts(study.pub_date)
    if parts:
        return {"date-parts": [parts]}
    if study.year:
        return {"date-parts": [[study.year]]}
    return None


def item_type(study: Study) -> str:
    return "article-journal" if study.journal or study.journal_abbrev else "article"


def study_to_csl(study: Study, item_id: str) -> dict[str, Any]:
    """One CSL-JSON item; empty variables are left out."""
    item: dict[str, Any] = {
        "id": item_id,
        "type": item_type(study),
        "title": study.title,
        "container-title": study.journal or study.journal_abbrev,
        "container-title-short": study.journal_abbrev,
        "volume": study.volume,
        "issue": study.issue,
        "page": study.pages,
        "issued": _issued(study),
        "author": _names(study.authors),
        "DOI": study.doi,
        "PMID": study.pmid,
        "PMCID": study.pmcid,
        "abstract": study.abstract,
        "keyword": ", ".join(study.keywords),
        "language": study.language,
        "URL": pubmed_url(study.pmid) or doi_url(study.doi),
    }
    item = {k: v for k, v in item.items() if v}
    item["custom"] = {CUSTOM_KEY: {
        "authors": [msgspec.structs.asdict(a) for a in study.authors],
        "keywords": list(study.keywords),
        "mesh": [{"descriptor": m.descriptor, "major": m.major, "ui": m.ui,
                  "qualifiers": [list(q) for q in m.qualifiers]} for m in study.mesh],
        "publication_types": list(study.publication_types),
        "comments_corrections": [msgspec.structs.asdict(c)
                                 for c in study.comments_corrections],
        "pub_date": study.pub_date,
        "year": study.year,
        "abstract_sections": [{"label": s.label, "nlm_category": s.nlm_category,
                               "text": s.text} for s in study.abstract_sections],
        "journal": study.journal,
    }}
    return item


def citation_item(study: Study, item_id: str) -> dict[str, Any]:
    """The item a citation processor is given: standard variables only; authors by their
    PubMed initials, which the styles print as they are."""
    item = study_to_csl(study, item_id)
    item.pop("custom", None)
    for key in ("abstract", "keyword", "language", "URL", "PMCID", "PMID"):
        item.pop(key, None)
    if item.get("page"):
        item["page"] = fields.expand_pages(item["page"])
    item["author"] = [
        {"literal": a.collective_name} if a.collective_name
        else {"family": a.last_name, "given": " ".join(a.initials) if a.initials
              else a.fore_name}
        for a in study.authors
    ]
    if not item["author"]:
        del item["author"]
    return item


def write_csljson(studies: Iterable[Study], out: IO[str], *, ids: Iterable[str] = ()) -> int:
    """Write a JSON array of items (ids from ``ids``, else the PMID/DOI/position)."""
    given = iter(ids)
    items = []
    for n, study in enumerate(studies, start=1):
        item_id = next(given, "") or study.pmid or study.doi or f"item{n}"
        items.append(study_to_csl(study, item_id))
    json.dump(items, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return len(items)


# -- reading -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return normalize_space(" ".join(str(v) for v in value))
    return str(value).strip()


def _authors(names: Any) -> list[Author]:
    out = []
    for name in names if isinstance(names, list) else []:
        if not isinstance(name, dict):
            continue
        if name.get("literal"):
            out.append(Author(collective_name=normalize_space(str(name["literal"]))))
            continue
        family = " ".join(_text(name.get(k)) for k in ("non-dropping-particle", "family")
                          if name.get(k))
        given = " ".join(_text(name.get(k)) for k in ("given", "dropping-particle")
                         if name.get(k))
        if family or given:
            out.append(fields.person(family, given))
    return out


def _date(issued: Any) -> tuple[int | None, str]:
    if not isinstance(issued, dict):
        return None, ""
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        try:
            first = [int(p) for p in parts[0] if str(p).strip()]
        except (TypeError, ValueError):
            first = []
        if first:
            return first[0], dates.iso_date(first)
    text = _text(issued.get("raw") or issued.get("literal"))
    year = next((int(t) for t in text.replace("-", " ").split() if t.isdigit()
                 and len(t) == 4), None)
    return year, text


def _custom_study(study: Study, custom: dict[str, Any]) -> None:
    """Restore what only our own files carry (``custom.evidence-tracker``)."""
    if isinstance(custom.get("authors"), list):
        known = Author.__struct_fields__
        study.authors = [Author(**{k: str(v) for k, v in a.items() if k in known})
                         for a in custom["authors"] if isinstance(a, dict)]
    for key in ("keywords", "publication_types"):
        if isinstance(custom.get(key), list):
            setattr(study, key, [str(v) for v in custom[key]])
    if isinstance(custom.get("mesh"), list):
        study.mesh = [
            MeshHeading(descriptor=str(m.get("descriptor", "")), major=bool(m.get("major")),
                        ui=str(m.get("ui", "")),
                        qualifiers=tuple((str(q[0]), bool(q[1]))
                                         for q in m.get("qualifiers", [])))
            for m in custom["mesh"] if isinstance(m, dict)
        ]
    if isinstance(custom.get("comments_corrections"), list):
        study.comments_corrections = [
            CommentCorrection(ref_type=str(c.get("ref_type", "")),
                              ref_source=str(c.get("ref_source", "")), pmid=str(c.get("pmid", "")))
            for c in custom["comments_corrections"] if isinstance(c, dict)
        ]
    if isinstance(custom.get("pub_date"), str):
        study.pub_date = custom["pub_date"]
    if "year" in custom and (custom["year"] is None or isinstance(custom["year"], int)):
        study.year = custom["year"]
    if isinstance(custom.get("journal"), str):
        study.journal = custom["journal"]
    if isinstance(custom.get("abstract_sections"), list):
        sections = [AbstractSection(text=str(s.get("text", "")), label=str(s.get("label", "")),
                                    nlm_category=str(s.get("nlm_category", "")))
                    for s in custom["abstract_sections"] if isinstance(s, dict)]
        study.abstract_sections = sections
        study.abstract = abstract_text(sections)


def csl_to_study(item: dict[str, Any], *, source: str = "", raw: bytes = b"") -> Study:
    """A Study from one CSL-JSON item."""
    title_html, title = fields.imported_title(_text(item.get("title")))
    year, pub_date = _date(item.get("issued"))
    abstract = _text(item.get("abstract"))
    sections = abstract_sections(abstract)
    keywords = [k.strip() for k in _text(item.get("keyword")).split(",") if k.strip()]
    study = Study(
        pmid=_text(item.get("PMID")),
        doi=normalize_doi(_text(item.get("DOI"))),
        pmcid=_text(item.get("PMCID")),
        title=title,
        title_html=title_html,
        abstract=abstract_text(sections),
        abstract_sections=sections,
        journal=_text(item.get("container-title")),
        journal_abbrev=_text(item.get("container-title-short") or item.get("journalAbbreviation")),
        volume=_text(item.get("volume")),
        issue=_text(item.get("issue")),
        pages=_text(item.get("page")),
        year=year,
        pub_date=pub_date,
        authors=_authors(item.get("author")),
        keywords=keywords,
        language=_text(item.get("language")),
        raw_record=raw,
        raw_format=RAW_FORMAT,
        source=source,
    )
    custom = item.get("custom")
    if isinstance(custom, dict) and isinstance(custom.get(CUSTOM_KEY), dict):
        _custom_study(study, custom[CUSTOM_KEY])
    return study


def read_csljson(data: str | bytes, *, source: str = "") -> Iterator[Study]:
    """Studies from a CSL-JSON document (an array of items, or one item)."""
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"not valid JSON ({exc})") from exc
    items = doc if isinstance(doc, list) else [doc]
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not (item.get("title") or item.get("DOI")
                                              or item.get("PMID")):
            raise FormatError(f"item {n} is not a CSL-JSON item (no title, DOI or PMID)")
        raw = json.dumps(item, ensure_ascii=False, sort_keys=True).encode("utf-8")
        yield csl_to_study(item, source=source, raw=raw)
