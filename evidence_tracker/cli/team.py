"""``team`` (set up a shared PostgreSQL, add people, link this project) and ``sync``."""

from __future__ import annotations

import argparse
import getpass
from typing import TextIO

from evidence_tracker.cli.common import Session, write_json
from evidence_tracker.services import team as team_service
from evidence_tracker.store import Project

COMMANDS = ("team", "sync")
EXIT_OK, EXIT_ERROR, EXIT_OFFLINE = 0, 1, 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``team`` and ``sync``."""
    t = sub.add_parser("team", help="share a project with a team through PostgreSQL",
                       description="Set up a team server (a PostgreSQL database), add "
                       "reviewers, and link this project to a shared one.")
    tsub = t.add_subparsers(dest="team_command", metavar="ACTION", required=True)
    init = tsub.add_parser("init", help="create the shared schema (as the server's admin)")
    init.add_argument("--server", required=True, metavar="URL",
                      help="an admin connection, e.g. postgresql://admin@host/evidence")
    init.add_argument("--project", metavar="NAME", help="also create a shared project")
    add = tsub.add_parser("add-reviewer", help="create a login for a person (as the admin)")
    add.add_argument("name")
    add.add_argument("--role", choices=("reviewer", "arbiter", "director"), required=True)
    add.add_argument("--server", required=True, metavar="URL", help="an admin connection")
    add.add_argument("--password", help="their password (default: generated, printed once)")
    add.add_argument("--project", metavar="NAME|ID",
                     help="assign them to this project's judgement stages")
    for name, text in (("deactivate", "refuse a person's new rows (keeps what they wrote)"),
                       ("reactivate", "accept a deactivated person's rows again")):
        p = tsub.add_parser(name, help=text)
        p.add_argument("name")
        p.add_argument("--server", required=True, metavar="URL", help="an admin connection")
    restored = tsub.add_parser("restored", help="after restoring the server from a backup: "
                               "clients re-pull and re-push what it lost")
    restored.add_argument("--server", required=True, metavar="URL", help="an admin connection")
    join = tsub.add_parser("join", help="link this project to a shared project")
    join.add_argument("url", help="postgresql://YOUR_LOGIN@host/db (sslmode=verify-full for "
                      "a remote server)")
    join.add_argument("--project", required=True, metavar="NAME|ID")
    unblind = tsub.add_parser("unblind", help="(arbiter) show every judgement of a stage")
    unblind.add_argument("stage", choices=team_service.JUDGEMENT_KINDS)

    s = sub.add_parser("sync", help="push your work to the team server and pull the team's",
                       description="Push what you wrote, then pull what you may see. Exit "
                       "status 3 when the server cannot be reached (you keep working offline).")
    s.add_argument("--json", action="store_true", help="print the sync state as one JSON object")
    s.add_argument("--status", action="store_true", help="only show the sync state")
    s.add_argument("--verify", action="store_true",
                   help="hash every event already pushed again, to find local edits (done "
                   "once a day anyway)")


def run(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    """Execute ``team ...`` or ``sync``; returns the exit status."""
    try:
        if args.command == "sync":
            return _sync(args, project, out, err)
        return _team(args, project, out)
    except team_service.ServerUnreachable as exc:
        err.write(f"evidence-tracker: {exc} (working offline)\n")
        return EXIT_OFFLINE
    except team_service.TeamError as exc:
        err.write(f"evidence-tracker: {exc}\n")
        return EXIT_ERROR


def _team(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    action = args.team_command
    if action == "init":
        result = team_service.init_server(args.server, args.project)
        out.write(f"Team schema ready (applied: {result.applied or 'nothing new'}).\n")
        if result.project_id:
            out.write(f"Project {args.project!r}: {result.project_id}\n")
    elif action == "add-reviewer":
        password = team_service.add_reviewer(args.server, args.name, args.role,
                                             args.password, args.project)
        out.write(f"Added {args.name} as {args.role}.\n")
        if not args.password:
            out.write(f"Password (shown once, give it to {args.name}): {password}\n")
    elif action in ("deactivate", "reactivate"):
        team_service.set_active(args.server, args.name, action == "reactivate")
        out.write(f"{args.name} is {'active' if action == 'reactivate' else 'deactivated'}.\n")
    elif action == "restored":
        generation = team_service.server_restored(args.server)
        out.write(f"New server generation {generation}: clients will re-sync.\n")
    elif action == "join":
        password = None
        clean, in_url = team_service.split_password(args.url)
        if in_url is None and team_service.password_for(clean) is None:
            password = getpass.getpass(f"Password for {clean}: ")
        link = team_service.join(project, args.url, args.project, password=password)
        out.write(f"Linked to project {link.project_uuid} on {link.server_url} as "
                  f"{link.login}. Run `evidence-tracker sync`.\n")
    elif action == "unblind":
        team_service.unblind(project, args.stage)
        out.write(f"Stage {args.stage} is unblinded for everyone.\n")
    return EXIT_OK


def _sync(args: argparse.Namespace, project: Project, out: TextIO, err: TextIO) -> int:
    code = EXIT_OK
    if not args.status:
        try:
            report = team_service.sync(project, verify=args.verify)
            for problem in report.problems:
                err.write(f"evidence-tracker: {problem}\n")
            if not args.json:
                out.write(f"Pushed {report.pushed}, pulled {report.pulled} "
                          f"(+{report.caught_up} now visible).\n")
        except team_service.ServerUnreachable as exc:
            err.write(f"evidence-tracker: {exc} (working offline)\n")
            code = EXIT_OFFLINE
        except team_service.TeamError as exc:
            err.write(f"evidence-tracker: {exc}\n")
            code = EXIT_ERROR
    state = team_service.status(project)
    if args.json:
        write_json(state.to_json(), out)
    elif args.status:
        out.write(f"Linked: {state.linked}; last sync {state.last_sync_at or 'never'}; "
                  f"{state.pending_events} event(s) waiting"
                  + ("; offline" if state.offline else "") + ".\n")
    return code
