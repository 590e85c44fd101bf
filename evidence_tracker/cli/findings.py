"""Findings and review commands: findings (add, edit, withdraw, list) on a link, and
reviews (include, propose, show): which studies a systematic review includes."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from evidence_tracker.cli.common import Session, reviewer_name, viewer_name, write_json
from evidence_tracker.domain.claims import ClaimsError, parse_direction, parse_effect
from evidence_tracker.domain.findings import Direction, Finding
from evidence_tracker.services import claims as claims_service
from evidence_tracker.services import evidence, review
from evidence_tracker.store import Project

COMMANDS = ("findings", "reviews")
EXIT_OK, EXIT_ERROR = 0, 1


def _pair(p: argparse.ArgumentParser) -> None:
    p.add_argument("study", metavar="STUDY", help="PMID, DOI or #id")
    p.add_argument("claim", metavar="CLAIM", help="claim code (C001) or id")


def _fields(p: argparse.ArgumentParser, *, required: bool) -> None:
    p.add_argument("--outcome", help="the outcome measured (e.g. pain intensity)")
    p.add_argument("--timepoint", help="when it was measured (e.g. 4 weeks)")
    p.add_argument("--direction", required=required,
                   choices=[d.value for d in Direction],
                   help="relative to the claim: favours, no_difference or against")
    p.add_argument("--effect", metavar="M:V:LOW:HIGH",
                   help="effect and 95%% CI, e.g. MD:-1.2:-2.0:-0.4 (MD, SMD, RR, OR)")
    p.add_argument("--analysed", type=int, metavar="N", help="participants analysed")
    p.add_argument("--quote", action="append", metavar="Q",
                   help="a sentence of the title or abstract that shows it (repeatable)")
    p.add_argument("--comparator", help="what the study compared with (e.g. placebo)")


def _common(p: argparse.ArgumentParser, json_help: str) -> None:
    p.add_argument("--reviewer", help="reviewer name (default: from settings)")
    p.add_argument("--json", action="store_true", help=json_help)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `findings` (add, edit, withdraw, list) and `reviews` (include, propose, show)."""
    findings = sub.add_parser("findings", help="findings on a link: outcome, time point, "
                              "direction, effect")
    actions = findings.add_subparsers(dest="findings_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a finding to your link")
    _pair(add)
    _fields(add, required=True)
    add.add_argument("--note", default="", help="a note kept with the event")
    _common(add, "print the link as JSON")
    edit = actions.add_parser("edit", help="change fields of one of your findings")
    _pair(edit)
    edit.add_argument("--id", required=True, dest="finding_id", help="the finding's id")
    _fields(edit, required=False)
    edit.add_argument("--note", default="", help="a note kept with the event")
    _common(edit, "print the link as JSON")
    withdraw = actions.add_parser("withdraw", help="take one of your findings off the link")
    _pair(withdraw)
    withdraw.add_argument("--id", required=True, dest="finding_id", help="the finding's id")
    withdraw.add_argument("--note", default="", help="a note kept with the event")
    _common(withdraw, "print the link as JSON")
    listing = actions.add_parser("list", help="the findings of every reviewer's link")
    _pair(listing)
    listing.add_argument("--reviewer", help="who is looking (blind mode hides others' "
                         "links until this one has judged)")
    listing.add_argument("--json", action="store_true", help="one JSON object per link")

    reviews = sub.add_parser("reviews", help="which studies a systematic review includes")
    ractions = reviews.add_subparsers(dest="reviews_action", metavar="ACTION", required=True)
    include = ractions.add_parser("include", help="record the studies a review includes "
                                  "(replaces your earlier list)")
    include.add_argument("review", metavar="REVIEW", help="the review: PMID, DOI or #id")
    include.add_argument("studies", metavar="STUDY", nargs="*",
                         help="the included studies (none: it includes none of them)")
    include.add_argument("--note", default="", help="a note kept with the event")
    _common(include, "print the inclusions as JSON")
    propose = ractions.add_parser("propose", help="studies of the project the review's "
                                  "PubMed reference list cites")
    propose.add_argument("review", metavar="REVIEW", help="PMID, DOI or #id")
    propose.add_argument("--json", action="store_true", help="print JSON")
    show = ractions.add_parser("show", help="a review's recorded inclusions and proposals")
    show.add_argument("review", metavar="REVIEW", help="PMID, DOI or #id")
    _common(show, "print JSON")


def run(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    """Execute one of this module's subcommands; returns the exit status."""
    try:
        if args.command == "findings":
            return _findings(args, project, out, session)
        return _reviews(args, project, out, session)
    except ClaimsError as exc:
        err.write(f"evidence-tracker: {exc}\n")
        return EXIT_ERROR


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    """The finding fields given on the command line (None = not given)."""
    changes: dict[str, Any] = {}
    for name in ("outcome", "timepoint", "comparator", "analysed"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    if args.direction is not None:
        changes["direction"] = parse_direction(args.direction)
    if args.effect is not None:
        changes["effect"] = parse_effect(args.effect) if args.effect.strip() else None
    if args.quote is not None:
        changes["quotes"] = tuple(args.quote)
    return changes


def finding_line(f: Finding) -> str:
    """One finding in a line: id, time point, outcome, direction, effect, numbers."""
    parts = [f.id, f.timepoint or "time point unknown", f.outcome or "-",
             f.direction.value]
    if f.effect is not None:
        parts.append(str(f.effect))
    if f.analysed is not None:
        parts.append(f"n={f.analysed}")
    if f.comparator:
        parts.append(f"vs {f.comparator}")
    return "  ".join(parts)


def _write_link(view: evidence.LinkView, out: TextIO, as_json: bool) -> None:
    if as_json:
        write_json(evidence.link_json(view), out)
        return
    state = view.state
    extra = []
    if state.reported_certainty is not None:
        extra.append(f"reported certainty {state.reported_certainty.value}")
    if state.attribution is not None:
        extra.append(f"attribution {state.attribution.value}")
    out.write(f"{view.study.key} - claim #{view.claim_id}: {view.stance.value} by "
              f"{view.reviewer}{' (' + ', '.join(extra) + ')' if extra else ''}\n")
    for f in state.findings:
        out.write(f"  {finding_line(f)}\n")
        for quote in f.quotes:
            out.write(f"      “{quote}”\n")
    if not state.findings:
        out.write("  no findings\n")


def _findings(args: argparse.Namespace, project: Project, out: TextIO,
              session: Session) -> int:
    action = args.findings_action
    if action == "list":
        viewer = viewer_name(args, session.settings)
        links = evidence.current_links(project, claim=args.claim, study=args.study)
        for view in review.filter_links(project, links, viewer):
            _write_link(view, out, args.json)
        return EXIT_OK
    reviewer = reviewer_name(args, session.settings, ClaimsError)
    if action == "add":
        changes = _changes(args)
        view = evidence.add_finding(project, args.study, args.claim,
                                    Finding("", **changes), reviewer=reviewer,
                                    note=args.note)
    elif action == "edit":
        changes = _changes(args)
        if not changes:
            raise ClaimsError("Nothing to change: give --outcome, --timepoint, --direction, "
                              "--effect, --analysed, --quote or --comparator.")
        view = evidence.edit_finding(project, args.study, args.claim, args.finding_id,
                                     reviewer=reviewer, note=args.note, **changes)
    else:
        view = evidence.withdraw_finding(project, args.study, args.claim, args.finding_id,
                                         reviewer=reviewer, note=args.note)
    _write_link(view, out, args.json)
    return EXIT_OK


def _brief(project: Project, ids: list[int] | frozenset[int]) -> list[dict[str, Any]]:
    briefs = evidence.study_briefs(project, list(ids))
    return [evidence.study_brief_json(briefs[i]) for i in sorted(ids) if i in briefs]


def _reviews(args: argparse.Namespace, project: Project, out: TextIO,
             session: Session) -> int:
    action = args.reviews_action
    review_id = claims_service.resolve_study(project, args.review)
    if action == "include":
        ids = evidence.record_inclusions(project, review_id, args.studies,
                                         reviewer=reviewer_name(args, session.settings,
                                                                ClaimsError),
                                         note=args.note)
        if args.json:
            write_json({"review_id": review_id, "included_study_ids": sorted(ids)}, out)
        else:
            out.write(f"{args.review} includes {len(ids)} stud"
                      f"{'y' if len(ids) == 1 else 'ies'}\n")
        return EXIT_OK
    proposed = evidence.propose_inclusions(project, review_id)
    if action == "propose":
        if args.json:
            write_json({"review_id": review_id, "proposed": _brief(project, proposed)}, out)
        else:
            _write_studies(project, proposed, out, "Cited in its reference list")
        return EXIT_OK
    viewer = viewer_name(args, session.settings)
    recorded = evidence.review_inclusions(project, [review_id], viewer).get(review_id)
    if args.json:
        write_json({"review_id": review_id,
                    "included": None if recorded is None else _brief(project, recorded),
                    "proposed": _brief(project, proposed)}, out)
        return EXIT_OK
    if recorded is None:
        out.write("Included studies: not recorded\n")
    else:
        _write_studies(project, sorted(recorded), out, "Included studies")
    _write_studies(project, proposed, out, "Proposed from its reference list")
    return EXIT_OK


def _write_studies(project: Project, ids: list[int], out: TextIO, heading: str) -> None:
    briefs = evidence.study_briefs(project, ids)
    out.write(f"{heading}: {len(ids) or 'none'}\n")
    for i in ids:
        b = briefs[i]
        out.write(f"  {b.key:>10} {b.year or '':>4} [{b.design.label}] {b.title}\n")
