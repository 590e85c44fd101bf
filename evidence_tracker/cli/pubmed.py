"""PubMed commands: fetch conditions; import PubMed XML, MEDLINE, RIS, BibTeX, CSL-JSON."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import TextIO

from evidence_tracker.cli.common import Session
from evidence_tracker.pubmed.eutils import EutilsError, FetchCancelled
from evidence_tracker.services import conditions as condition_service
from evidence_tracker.services import fetch as fetch_service
from evidence_tracker.services import imports as import_service
from evidence_tracker.services.fetch import FetchProgress
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store

COMMANDS = ("fetch", "import", "conditions")
#: How many records to be added an import dry run lists (merges are always all listed).
PREVIEW_NEW_LINES = 50


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fetch = sub.add_parser(
        "fetch", help="download PubMed records for conditions (resumes unfinished runs)"
    )
    fetch.add_argument("conditions", nargs="*", metavar="CONDITION", help="condition slugs")
    fetch.add_argument("--all", action="store_true", help="every condition in the project")
    fetch.add_argument(
        "--update", action="store_true",
        help="only records entered or revised since the last completed run",
    )
    fetch.add_argument("--max", type=int, metavar="N", help="stop after N records per condition")
    fetch.add_argument("--json", action="store_true", help="print a JSON summary per condition")
    fetch.add_argument("--batch-size", type=int, default=500, help=argparse.SUPPRESS)

    cond = sub.add_parser("conditions", help="list, add or edit conditions and their queries")
    cond.add_argument("--json", action="store_true", help="one JSON object per condition")
    cond_sub = cond.add_subparsers(dest="conditions_command", metavar="ACTION")
    add = cond_sub.add_parser("add", help="add a condition with its PubMed query")
    add.add_argument("name")
    add.add_argument("query")
    add.add_argument("--slug", help="short id (default: from the name)")
    add.add_argument("--parent", metavar="SLUG", help="nest it under this condition")
    setq = cond_sub.add_parser("set-query", help="replace a condition's PubMed query")
    setq.add_argument("slug")
    setq.add_argument("query")

    imp = sub.add_parser(
        "import", help="import PubMed XML, MEDLINE/NBIB, RIS, BibTeX or CSL-JSON files "
        "(duplicates merge by PMID, DOI, then title + year + first author)")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--json", action="store_true", help="print a JSON summary per file")
    imp.add_argument("--dry-run", action="store_true",
                     help="only show what would be added and merged; change nothing")


def _progress_printer(err: TextIO) -> Callable[[FetchProgress], None]:
    tty = err.isatty()

    def show(p: FetchProgress) -> None:
        total = f"/{p.total}" if p.total is not None else ""
        line = f"{p.condition}: {p.phase} {p.done}{total} ({p.new} new, {p.updated} updated)"
        if p.message:
            line += f" {p.message}"
        err.write(("\r" + line + "\x1b[K") if tty else line + "\n")
        err.flush()

    return show


def run(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    if args.command == "import":
        return _import(args, project, out, err)
    if args.command == "conditions":
        return _conditions(args, project, out)
    if args.all == bool(args.conditions):
        err.write("evidence-tracker: name one or more conditions, or --all\n")
        return 2
    known = {c.slug for c in condition_store.list_conditions(project)}
    slugs = sorted(known) if args.all else args.conditions
    unknown = [s for s in slugs if s not in known]
    if unknown:
        err.write(f"evidence-tracker: unknown condition(s): {', '.join(unknown)}. "
                  f"Known: {', '.join(sorted(known))}\n")
        return 1
    status = 0
    with session.client() as client:
        for slug in slugs:
            try:
                summary = fetch_service.fetch_condition(
                    project, slug, client, update=args.update, max_records=args.max,
                    batch_size=args.batch_size, progress=_progress_printer(err),
                )
            except FetchCancelled:
                err.write(f"\n{slug}: cancelled; run the same command again to resume\n")
                return 130
            except (EutilsError, ValueError) as exc:
                err.write(f"\n{slug}: {exc}\nRun the same command again to resume.\n")
                status = 1
                continue
            if err.isatty():
                err.write("\n")
            if args.json:
                out.write(json.dumps(asdict(summary)) + "\n")
            else:
                done = "stopped at --max" if summary.status == "interrupted" else "done"
                out.write(
                    f"{slug}: {summary.fetched} of {summary.total} records ({summary.kind}, "
                    f"{done}): {summary.new} new, {summary.updated} updated"
                    + (f", {len(summary.retracted)} newly retracted" if summary.retracted else "")
                    + "\n"
                )
    return status


def _preview(args: argparse.Namespace, project: Project, out: TextIO, err: TextIO) -> int:
    status = 0
    for name in args.files:
        try:
            preview = import_service.preview_file(project, name)
        except import_service.ImportFailed as exc:
            err.write(f"evidence-tracker: {exc}\n")
            status = 1
            continue
        if args.json:
            out.write(json.dumps({"path": preview.path, "format": preview.format,
                                  "records": len(preview.records), **preview.counts,
                                  "skipped": len(preview.skipped),
                                  "plan": [asdict(r) for r in preview.records]},
                                 ensure_ascii=False) + "\n")
            continue
        out.write(f"{preview.summary()} (dry run: nothing was changed)\n")
        added = 0
        for r in preview.records:
            if r.action == "skipped":
                out.write(f"  skipped   record {r.position}: {r.reason}"
                          + (f"  {r.title[:70]}" if r.title else "") + "\n")
                continue
            if r.action == "new":
                added += 1
                if added <= PREVIEW_NEW_LINES:
                    out.write(f"  add       {r.key[:40]}  {r.title[:70]}\n")
                continue
            if r.action == "withdrawn":
                what = (f"flags study #{r.study_id} as deleted" if r.study_id
                        else "not in the project")
                out.write(f"  withdrawn {r.key[:40]}: PubMed deleted this citation; {what}\n")
                continue
            target = f"study #{r.study_id}" if r.study_id else "an earlier record"
            out.write(f"  {r.action:<9} {r.key[:40]}: into {target} (same {r.matched_by})"
                      f"  {r.title[:70]}\n")
        if added > PREVIEW_NEW_LINES:
            out.write(f"  ... and {added - PREVIEW_NEW_LINES} more to add (--json lists all)\n")
    return status


def _import(args: argparse.Namespace, project: Project, out: TextIO, err: TextIO) -> int:
    if args.dry_run:
        return _preview(args, project, out, err)
    status = 0
    for name in args.files:
        try:
            summary = import_service.import_file(project, name)
        except import_service.ImportFailed as exc:
            err.write(f"evidence-tracker: {exc}\n")
            status = 1
            continue
        if args.json:
            out.write(json.dumps(asdict(summary)) + "\n")
        else:
            out.write(f"{name}: {summary.records} {summary.format} records, {summary.new} new, "
                      f"{summary.updated} updated, {summary.unchanged} unchanged"
                      + (f", {summary.duplicates} duplicates merged" if summary.duplicates
                         else "")
                      + (f", {summary.withdrawn} deletion notices" if summary.withdrawn
                         else "")
                      + (f", {summary.skipped} skipped (cannot be stored)" if summary.skipped
                         else "") + "\n")
            for position, reason in summary.skipped_records[:PREVIEW_NEW_LINES]:
                out.write(f"  skipped   record {position}: {reason}\n")
            if summary.skipped > PREVIEW_NEW_LINES:
                out.write(f"  ... and {summary.skipped - PREVIEW_NEW_LINES} more skipped "
                          "(--json lists all)\n")
    return status


def _conditions(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    action = args.conditions_command
    if action == "add":
        slug = condition_service.add_condition(
            project, args.name, args.query, slug=args.slug, parent=args.parent
        )
        out.write(f"Added condition {slug}\n")
    elif action == "set-query":
        condition_store.update_condition_query(project, args.slug, args.query)
        out.write(f"Updated the query of {args.slug}\n")
    else:
        for c in condition_store.list_conditions(project):
            if args.json:
                out.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
            else:
                indent = "  " if c.parent_slug else ""
                out.write(f"{indent}{c.slug:<28} {c.total:>6} studies  {c.unscreened:>6} "
                          f"unscreened  {c.name}\n")
    return 0
