"""Project and study commands: init, info, compact, studies, search."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterable
from typing import Any, TextIO

from evidence_tracker.cli.common import Session
from evidence_tracker.services import project as project_service
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.studies import StudyFilter

EXIT_OK = 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's subcommands: init, info, compact, studies, search."""
    sub.add_parser("init", help="create (or migrate) the project database")

    info = sub.add_parser("info", help="counts, schema version and file path")
    info.add_argument("--json", action="store_true", help="print one JSON object")

    sub.add_parser("compact", help="give the room the project file no longer uses back to "
                   "the disk (after an upgrade, or many deletions)")

    studies = sub.add_parser("studies", help="list studies")
    _add_listing_options(studies)

    search = sub.add_parser("search", help="full-text search over title, abstract, MeSH, ...")
    search.add_argument("text", help="words to find (quoted for you unless --syntax)")
    search.add_argument(
        "--syntax", action="store_true", help="treat TEXT as SQLite FTS5 query syntax"
    )
    _add_listing_options(search)


COMMANDS = ("init", "info", "compact", "studies", "search")
#: Opened read-only (see evidence_tracker.cli.run).
READ_ONLY_COMMANDS = ("info", "studies", "search")


def _add_listing_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="one JSON object per line per study")
    p.add_argument("--condition", metavar="SLUG", help="only studies of this condition")
    p.add_argument("--limit", type=int, metavar="N", help="print at most N studies")


def _print_table(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    width = shutil.get_terminal_size((100, 20)).columns
    n = 0
    for row in rows:
        n += 1
        flag = "RETRACTED " if row["retracted"] else ""
        first = row["authors"][0] if row["authors"] else ""
        head = f"{row['pmid'] or row['doi'] or '#' + str(row['id']):>10}  {row['year'] or '':>4}  "
        text = f"{flag}{first}: {row['title']}" if first else f"{flag}{row['title']}"
        room = max(20, width - len(head))
        out.write(head + (text if len(text) <= room else text[: room - 1] + "…") + "\n")
    return n


def _limit(rows: Iterable[dict[str, Any]], limit: int | None) -> Iterable[dict[str, Any]]:
    for i, row in enumerate(rows):
        if limit is not None and i >= limit:
            return
        yield row


def run(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    """Execute one of this module's subcommands; returns the exit status."""
    if args.command == "init":
        info = project_service.project_info(project)
        out.write(f"Project ready: {info['path']} (schema v{info['schema_version']}, "
                  f"{info['counts']['conditions']} conditions)\n")
    elif args.command == "compact":
        sizes = project_service.compact_project(project)
        if sizes["done"]:
            out.write(f"{project.path}: {sizes['bytes_before'] / 1e6:.1f} MB -> "
                      f"{sizes['bytes_after'] / 1e6:.1f} MB\n")
        else:
            out.write(f"{project.path}: compacted, but another program has the project "
                      "open: the file gets smaller when it closes the project.\n")
    elif args.command == "info":
        info = project_service.project_info(project)
        if args.json:
            out.write(json.dumps(info, ensure_ascii=False) + "\n")
        else:
            out.write(f"Project:  {info['path']}\n")
            out.write(f"Schema:   v{info['schema_version']} "
                      f"(this app: up to v{info['latest_schema_version']})\n")
            out.write(f"App:      {info['app_version']}\n")
            out.write(f"Created:  {info['created_at']}\n")
            for name, count in info["counts"].items():
                out.write(f"{name.replace('_', ' ').capitalize() + ':':<14}{count}\n")
    elif args.command in ("studies", "search"):
        condition_id = None
        if args.condition:
            condition_id = condition_store.get_condition(project, args.condition).id
        rows: Iterable[dict[str, Any]]
        if args.command == "search":
            rows = project_service.search_studies(
                project, args.text, syntax=args.syntax, condition_id=condition_id
            )
        else:
            rows = project_service.iter_study_json(
                project, StudyFilter(condition_id=condition_id)
            )
        rows = _limit(rows, args.limit)
        if args.json:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            n = _print_table(rows, out)
            err.write(f"{n} stud{'y' if n == 1 else 'ies'}\n")
    else:  # pragma: no cover - argparse restricts the choices
        raise AssertionError(args.command)
    return EXIT_OK


