"""Commands for writers and auditors: export, cite, report, claimreview."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from evidence_tracker.cli.common import Session, viewer_name
from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.formats.citations import CitationStyle
from evidence_tracker.services import citations as citation_service
from evidence_tracker.services import claimreview
from evidence_tracker.services import export as export_service
from evidence_tracker.services import report as report_service
from evidence_tracker.services.export import ExportFormat
from evidence_tracker.store import Project, StoreError
from evidence_tracker.store.studies import find_study_id

COMMANDS = ("export", "cite", "report", "claimreview")
#: Opened read-only (see evidence_tracker.cli.run): they write files, never the project.
READ_ONLY_COMMANDS = COMMANDS
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    exp = sub.add_parser(
        "export", help="write studies as RIS, BibTeX, CSL-JSON, MEDLINE/NBIB, CSV or XLSX")
    exp.add_argument("--format", choices=[f.value for f in ExportFormat],
                     help="file format (default: from the --out extension)")
    exp.add_argument("--condition", action="append", default=[], metavar="SLUG",
                     help="only the studies of this condition (repeatable)")
    exp.add_argument("--claim", action="append", default=[], metavar="ID",
                     help="only the studies linked to this claim (repeatable)")
    exp.add_argument("--study", action="append", default=[], metavar="KEY",
                     help="this study: PMID, DOI or #id (repeatable)")
    exp.add_argument("--out", required=True, metavar="FILE", help="the file to write")

    cite = sub.add_parser("cite", help="formatted AMA or Vancouver citations")
    cite.add_argument("studies", nargs="*", metavar="STUDY", help="PMID, DOI or #id")
    cite.add_argument("--claim", metavar="ID",
                      help="every study linked to this claim, after its certainty statement")
    cite.add_argument("--style", choices=[s.value for s in CitationStyle], default="ama")
    cite.add_argument("--html", action="store_true", help="HTML instead of plain text")
    cite.add_argument("--json", action="store_true", help="print one JSON object")

    rep = sub.add_parser("report", help="the audit report as HTML or PDF")
    rep.add_argument("--out", required=True, metavar="FILE.html|FILE.pdf")
    rep.add_argument("--clinic", metavar="NAME",
                     help="only this clinic, or one of its pages (name, title or slug)")
    rep.add_argument("--style", choices=[s.value for s in CitationStyle], default="ama",
                     help="citation style (default ama)")

    review = sub.add_parser("claimreview",
                            help="confirmed verdicts as schema.org ClaimReview JSON-LD")
    review.add_argument("--out", required=True, metavar="FILE.jsonld")
    review.add_argument("--claim", action="append", default=[], metavar="ID",
                        help="only this claim (repeatable)")
    review.add_argument("--publisher", default=claimreview.DEFAULT_PUBLISHER,
                        help="the organisation publishing the reviews")
    for parser in (exp, cite, rep, review):
        parser.add_argument("--reviewer", help="who is looking (default: from settings); in "
                            "blind mode other reviewers' judgements of what this one has not "
                            "judged are left out")


def run(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    try:
        # Blind mode: what is written holds only the judgements this reviewer may see.
        viewer = viewer_name(args, session.settings)
        if args.command == "export":
            return _export(args, project, out, err, viewer)
        if args.command == "cite":
            return _cite(args, project, out, err, viewer)
        if args.command == "report":
            report = report_service.write_report(project, args.out, clinic=args.clinic,
                                                 style=args.style, viewer=viewer)
            out.write(f"Wrote {args.out}: {len(report.claims)} claims ({report.scope})\n")
            return EXIT_OK
        count = claimreview.write_claim_reviews(project, args.out, args.claim,
                                                publisher=args.publisher, viewer=viewer)
        out.write(f"Wrote {args.out}: {count} ClaimReview(s) of confirmed verdicts\n")
        return EXIT_OK
    except (ClaimsError, StoreError, OSError) as exc:
        err.write(f"evidence-tracker: {exc}\n")
        return EXIT_ERROR


def _study_ids(project: Project, keys: list[str], err: TextIO) -> list[int] | None:
    ids = []
    for key in keys:
        study_id = find_study_id(project, key)
        if study_id is None:
            err.write(f"evidence-tracker: no study {key!r} in this project "
                      "(give a PMID, DOI or #id)\n")
            return None
        ids.append(study_id)
    return ids


def _export(args: argparse.Namespace, project: Project, out: TextIO, err: TextIO,
            viewer: str) -> int:
    fmt = ExportFormat(args.format) if args.format else ExportFormat.from_path(args.out)
    if fmt is None:
        err.write(f"evidence-tracker: give --format; {Path(args.out).suffix or 'no suffix'} "
                  f"is not one of {', '.join(f.extension for f in ExportFormat)}\n")
        return EXIT_USAGE
    ids = _study_ids(project, args.study, err)
    if ids is None:
        return EXIT_ERROR
    result = export_service.export_studies(
        project, fmt, args.out, study_ids=ids or None, conditions=args.condition,
        claims=args.claim, viewer=viewer)
    out.write(f"Wrote {result.studies} studies to {result.path} ({fmt.label})\n")
    return EXIT_OK


def _cite(args: argparse.Namespace, project: Project, out: TextIO, err: TextIO,
          viewer: str) -> int:
    if bool(args.claim) == bool(args.studies):
        err.write("evidence-tracker: name studies, or one --claim\n")
        return EXIT_USAGE
    if args.claim:
        cited = citation_service.cite_claim(project, args.claim, args.style, viewer)
    else:
        ids = _study_ids(project, args.studies, err)
        if ids is None:
            return EXIT_ERROR
        cited = citation_service.cite_studies(project, ids, args.style)
    if args.json:
        out.write(json.dumps({"style": cited.style.value, "statement": cited.statement or None,
                              "citations": [
                                  {"study_id": i, "text": t, "html": h, "retracted": r}
                                  for i, t, h, r in zip(cited.study_ids, cited.entries,
                                                        cited.html_entries, cited.retracted,
                                                        strict=True)]},
                             ensure_ascii=False) + "\n")
    else:
        out.write(cited.html() + "\n" if args.html else cited.text())
    return EXIT_OK
