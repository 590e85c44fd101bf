"""Claims commands: claims (list, show, add, edit, delete, restore, deleted, extract,
verdict) and link."""

from __future__ import annotations

import argparse
import shutil
from typing import TextIO

from evidence_tracker.cli.common import (
    Session,
    confirmed,
    reviewer_name,
    viewer_name,
    write_json,
)
from evidence_tracker.cli.findings import finding_line
from evidence_tracker.domain.claims import (
    KIND_LABELS,
    PICO_FIELDS,
    Category,
    Claim,
    ClaimKind,
    ClaimsError,
    Pico,
    deletion_consequences,
)
from evidence_tracker.domain.findings import AttributionMatch
from evidence_tracker.domain.models import Certainty, Stance, Verdict
from evidence_tracker.services import claims as claims_service
from evidence_tracker.services import evidence
from evidence_tracker.store import Project

COMMANDS = ("claims", "link")
EXIT_OK, EXIT_ERROR = 0, 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `claims` (with show, add, edit, delete, restore, deleted, extract, verdict) and
    `link`."""
    claims = sub.add_parser("claims", help="the claims register: list, show, add, edit, "
                            "delete, restore, extract, verdict")
    claims.add_argument("--json", action="store_true", help="one JSON object per line per claim")
    claims.add_argument("--category", help="only claims of this category")
    claims.add_argument("--condition", metavar="SLUG", help="only claims of this condition")
    actions = claims.add_subparsers(dest="claims_action", metavar="ACTION")

    show = actions.add_parser("show", help="one claim with its links and suggested studies")
    show.add_argument("claim", metavar="ID", help="claim code (C001) or id")
    show.add_argument("--suggestions", type=int, default=10, metavar="N",
                      help="how many suggested studies (default 10)")
    show.add_argument("--reviewer", help="who is looking (default: from settings); in blind "
                      "mode other reviewers' links stay hidden until this one has judged")
    _json(show, "print one JSON object")

    extract = actions.add_parser("extract", help="propose claims from a saved page")
    extract.add_argument("file", metavar="FILE", help="a saved web page (.html) or text file")
    extract.add_argument("--title", help="page title (default: from the file)")
    extract.add_argument("--min-score", type=float, default=None, metavar="X",
                         help="lowest score to propose (default %(default)s)")
    _json(extract, "one JSON object per line per candidate")

    verdict = actions.add_parser("verdict", help="confirm or override a claim's verdict")
    verdict.add_argument("claim", metavar="ID", help="claim code (C001) or id")
    verdict.add_argument("verdict", choices=[v.value for v in Verdict])
    verdict.add_argument("--rationale", required=True, help="why (kept with the verdict)")
    verdict.add_argument("--reviewer", help="reviewer name (default: from settings)")
    _json(verdict, "print the verdict as JSON")

    add = actions.add_parser("add", help="add a claim in testable words (next free code)")
    add.add_argument("text", metavar="TEXT", help="the claim's wording")
    _claim_fields(add, conditions="the conditions (repeatable; default: proposed from "
                  "the text)", defaults="default: proposed from the text")
    _json(add, "print the claim as JSON")

    edit = actions.add_parser("edit", help="change a claim's text, category, kind or scope")
    edit.add_argument("claim", metavar="ID", help="claim code (C001) or id")
    edit.add_argument("--text", help="the claim's wording")
    _claim_fields(edit, conditions="replace the conditions (repeatable)", defaults="")
    _json(edit, "print the claim as JSON")

    delete = actions.add_parser(
        "delete", help="delete a claim; its links, GRADE and verdict go with it (the audit "
        "trail keeps them; `claims restore` brings them back)")
    delete.add_argument("claim", metavar="ID", help="claim code (C001) or id")
    delete.add_argument("--reason", default="", help="why (kept in the audit trail)")
    delete.add_argument("--yes", action="store_true",
                        help="do not ask (needed when the input is not a terminal)")
    delete.add_argument("--reviewer", help="reviewer name (default: from settings)")
    _json(delete, "print what was deleted as JSON")

    restore = actions.add_parser(
        "restore", help="bring a deleted claim back, with its links, GRADE and verdict")
    restore.add_argument("claim", metavar="ID", help="code (C001) or id of a deleted claim")
    restore.add_argument("--reason", default="", help="why (kept in the audit trail)")
    restore.add_argument("--reviewer", help="reviewer name (default: from settings)")
    _json(restore, "print the restored claim as JSON")

    deleted = actions.add_parser("deleted", help="list the deleted claims (newest first)")
    _json(deleted, "one JSON object per line per deleted claim")

    link = sub.add_parser("link", help="link a study to a claim with a stance and quotes")
    link.add_argument("study", metavar="STUDY", help="PMID, DOI or #id")
    link.add_argument("claim", metavar="CLAIM", help="claim code (C001) or id")
    link.add_argument("--stance", choices=[s.value for s in Stance])
    link.add_argument("--quote", action="append", default=[], metavar="Q",
                      help="a sentence of the abstract that justifies the stance (repeatable)")
    link.add_argument("--outcome", default="", help="the outcome the study measured")
    link.add_argument("--timepoint", default="", help="when it was measured")
    link.add_argument("--note", default="", help="a note kept with the link")
    link.add_argument("--reviewer", help="reviewer name (default: from settings)")
    link.add_argument("--reported-certainty", metavar="LEVEL",
                      choices=["", *(c.value for c in Certainty)],
                      help="a review's own reported certainty (high, moderate, low, "
                      "very_low; '' clears it)")
    link.add_argument("--attribution", choices=["", *(a.value for a in AttributionMatch)],
                      help="for an attribution claim: does the cited document say it? "
                      "('' clears it)")
    link.add_argument("--withdraw", action="store_true", help="withdraw your link instead")
    link.add_argument("--json", action="store_true", help="print the link as JSON")


def _claim_fields(parser: argparse.ArgumentParser, *, conditions: str, defaults: str) -> None:
    """The options `claims add` and `claims edit` share: category, kind, scope, conditions."""
    suffix = f" ({defaults})" if defaults else ""
    parser.add_argument("--category", choices=[c.value for c in Category],
                        help="the claims register's category" + suffix)
    parser.add_argument("--kind", choices=[k.value for k in ClaimKind],
                        help="what sort of question the claim asks" + suffix)
    parser.add_argument("--population", help="population / condition")
    parser.add_argument("--intervention", help="intervention, with route and dose")
    parser.add_argument("--comparator", help="what it is compared with")
    parser.add_argument("--outcome", help="the outcome the claim is about")
    parser.add_argument("--time-frame", dest="timepoint", metavar="TEXT",
                        help="the time frame the claim states (e.g. weeks to months)")
    parser.add_argument("--condition", action="append", dest="conditions", metavar="SLUG",
                        help=conditions)
    parser.add_argument("--reviewer", help="reviewer name (default: from settings)")


def _json(parser: argparse.ArgumentParser, help_text: str) -> None:
    # SUPPRESS: `claims --json show X` keeps the --json given before the action.
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help=help_text)


def _reviewer(args: argparse.Namespace, session: Session) -> str:
    return reviewer_name(args, session.settings, ClaimsError)


def run(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    """Execute one of this module's subcommands; returns the exit status."""
    try:
        if args.command == "link":
            return _link(args, project, out, session)
        action = getattr(args, "claims_action", None)
        if action == "show":
            return _show(args, project, out, session)
        if action == "add":
            return _add(args, project, out, session)
        if action == "edit":
            return _edit(args, project, out, session)
        if action == "delete":
            return _delete(args, project, out, err, session)
        if action == "restore":
            claim = claims_service.restore_claim(project, args.claim, reason=args.reason,
                                                 reviewer=_reviewer(args, session))
            return _write_claim(args, project, out, session, claim, "Restored")
        if action == "deleted":
            return _deleted(args, project, out, err)
        if action == "extract":
            return _extract(args, project, out, err)
        if action == "verdict":
            status = evidence.record_verdict(project, args.claim, args.verdict,
                                             rationale=args.rationale,
                                             reviewer=_reviewer(args, session))
            if getattr(args, "json", False):
                write_json(evidence.verdict_json(status), out)
            else:
                out.write(f"{args.claim}: {_badge(status)}\n")
            return EXIT_OK
        return _list(args, project, out, err, session)
    except ClaimsError as exc:
        err.write(f"evidence-tracker: {exc}\n")
        return EXIT_ERROR


def _badge(v: evidence.VerdictStatus) -> str:
    text = v.verdict.value.replace("_", " ").upper()
    text += "" if v.confirmed else " (suggested)"
    return text + (" NEEDS RE-REVIEW" if v.needs_rereview else "")


def _list(args: argparse.Namespace, project: Project, out: TextIO, err: TextIO,
          session: Session) -> int:
    rows = evidence.list_claims(project, viewer_name(args, session.settings))
    if args.category:
        rows = [r for r in rows if r.claim.category == args.category]
    if args.condition:
        rows = [r for r in rows if args.condition in r.claim.conditions]
    width = shutil.get_terminal_size((120, 20)).columns
    for r in rows:
        if args.json:
            write_json(evidence.claim_json(r.claim, r.verdict, r.counts), out)
            continue
        c = r.counts
        head = (f"{r.claim.code or '#' + str(r.claim.id):<6} {_badge(r.verdict):<38} "
                f"+{c['supports']} ~{c['partly_supports']} -{c['contradicts']}  "
                f"{r.claim.category:<16} ")
        room = max(20, width - len(head))
        text = r.claim.text
        out.write(head + (text if len(text) <= room else text[: room - 1] + "…") + "\n")
    err.write(f"{len(rows)} claim{'' if len(rows) == 1 else 's'}\n")
    return EXIT_OK


def _show(args: argparse.Namespace, project: Project, out: TextIO, session: Session) -> int:
    viewer = viewer_name(args, session.settings)
    detail = evidence.claim_detail(project, args.claim, suggestions=args.suggestions,
                                   viewer=viewer)
    if getattr(args, "json", False):
        write_json(evidence.detail_json(detail), out)
        return EXIT_OK
    claim, v = detail.claim, detail.verdict
    s = v.suggested
    out.write(f"{claim.code}  {claim.text}\n")
    out.write(f"Category:   {claim.category}\nConditions: {', '.join(claim.conditions) or '-'}\n")
    out.write(f"Kind:       {KIND_LABELS[claim.question_kind]}"
              f"{'' if claim.kind else ' (from its category)'}\n")
    for name, value in claim.pico.as_dict().items():
        out.write(f"{name.capitalize() + ':':<13}{value or '-'}\n")
    out.write(f"Verdict:    {_badge(v)}\n")
    if v.confirmed:
        out.write(f"            by {v.reviewer} at {v.decided_at}: {v.rationale}\n")
    out.write(f"            suggested: {s.verdict.value}\n")
    out.write(f"Statement:  {v.statement or s.statement}\n")
    for reason in v.rereview_reasons:
        out.write(f"            re-review: {reason}\n")
    out.write("\nHow the verdict was reached:\n")
    for step in s.steps:
        out.write(f"  {step.label + ':':<18} {step.outcome}\n      {step.reason}\n")
    if s.sof:
        out.write("\nSummary of findings:\n")
    for row in s.sof:
        certainty = row.certainty.value.replace("_", " ") if row.certainty else "-"
        out.write(f"  {row.outcome} at {row.timepoint or 'time not recorded'}: "
                  f"{row.studies} stud{'y' if row.studies == 1 else 'ies'}, "
                  f"{row.participants or '?'} participants; {row.effect}; "
                  f"certainty {certainty}\n      {row.statement}\n")
    out.write("\nSources:\n")
    for src in claim.sources:
        out.write(f"  {src.clinic_name} - {src.page_title}\n    “{src.quote}”\n")
    out.write("\nLinks:\n" if detail.links else "\nLinks: none\n")
    for link in detail.links:
        st = link.study
        out.write(f"  {link.stance.value:<16} {st.key:>10} {st.year or '':>4} "
                  f"[{st.design.label}]{' RETRACTED' if st.retracted else ''} {st.title}\n")
        for f in link.state.findings:
            out.write(f"      {f.outcome or '-'} at {f.timepoint or '?'}: "
                      f"{f.direction.value.replace('_', ' ')}"
                      f"{'; ' + str(f.effect) if f.effect else ''}\n")
        for quote in link.state.quotes:
            out.write(f"      “{quote}”\n")
        for f in link.state.findings:
            out.write(f"      finding {finding_line(f)}\n")
        out.write(f"      by {link.reviewer} at {link.occurred_at}\n")
    out.write("\nSuggestions:\n" if detail.suggestions else "\nSuggestions: none\n")
    for sug in detail.suggestions:
        st = sug.study
        out.write(f"  {sug.score:8.3f} {st.key:>10} {st.year or '':>4} [{st.design.label}] "
                  f"{sug.marked_title()}\n      matched: {', '.join(sug.matched_terms)}\n")
        if sug.snippet:
            out.write(f"      {sug.marked_snippet()}\n")
    return EXIT_OK


def _extract(args: argparse.Namespace, project: Project, out: TextIO, err: TextIO) -> int:
    title, text = claims_service.read_page_file(args.file)
    kwargs = {} if args.min_score is None else {"min_score": args.min_score}
    candidates = claims_service.extract_candidates(project, text, args.title or title,
                                                   **kwargs)
    for c in candidates:
        if getattr(args, "json", False):
            write_json(claims_service.candidate_json(c), out)
            continue
        match = ""
        if c.match is not None:
            verb = "source of" if c.status == "source" else (
                "merge with" if c.merge_suggested else "closest")
            match = f"  [{verb} {c.match.code} {c.match.similarity:.2f}]"
        out.write(f"{c.score:4.1f} {c.category:<16} {','.join(c.conditions) or '-'}{match}"
                  f"{'  [rejected before]' if c.status == 'rejected' else ''}\n"
                  f"     {' '.join(c.sentence.split())}\n")
    err.write(f"{len(candidates)} candidate claim{'' if len(candidates) == 1 else 's'}\n")
    return EXIT_OK


def _add(args: argparse.Namespace, project: Project, out: TextIO, session: Session) -> int:
    scope = {f: getattr(args, f) for f in PICO_FIELDS if getattr(args, f) is not None}
    claim = claims_service.add_claim(
        project, args.text, reviewer=_reviewer(args, session), category=args.category,
        kind=args.kind, conditions=args.conditions,
        # What is not given is proposed from the text (ketamine, its time frame).
        pico=claims_service.proposed_scope(args.text, scope))
    return _write_claim(args, project, out, session, claim, "Added")


def _edit(args: argparse.Namespace, project: Project, out: TextIO, session: Session) -> int:
    current = claims_service.resolve_claim(project, args.claim)
    scope = {f: getattr(args, f) for f in PICO_FIELDS if getattr(args, f) is not None}
    pico = Pico(**{**current.pico.as_dict(), **scope}) if scope else None
    given = (args.kind, args.text, args.category, args.conditions)
    if not scope and all(value is None for value in given):
        raise ClaimsError("Nothing to change: give --kind, --population, --intervention, "
                          "--comparator, --outcome, --time-frame, --text, --category or "
                          "--condition.")
    claim = claims_service.update_claim(
        project, current, reviewer=_reviewer(args, session), text=args.text,
        category=args.category, pico=pico, conditions=args.conditions, kind=args.kind)
    return _write_claim(args, project, out, session, claim, "")


def _write_claim(args: argparse.Namespace, project: Project, out: TextIO, session: Session,
                 claim: Claim, verb: str) -> int:
    """The claim a command wrote: as `claims --json` shows it, else its code, text (after
    ``verb``, when given), kind and scope."""
    if getattr(args, "json", False):
        viewer = viewer_name(args, session.settings)
        status = evidence.verdict_status(project, claim, viewer)
        counts = evidence.stance_counts(evidence.visible_links(project, claim, viewer))
        write_json(evidence.claim_json(claim, status, counts), out)
        return EXIT_OK
    if verb:
        out.write(f"{verb} {claim.code}: {claim.text}\n")
    out.write(f"{claim.code}: {KIND_LABELS[claim.question_kind]}"
              f"{'' if claim.kind else ' (from its category)'}\n")
    for name, value in claim.pico.as_dict().items():
        out.write(f"  {name:<13}{value or '-'}\n")
    return EXIT_OK


def _delete(args: argparse.Namespace, project: Project, out: TextIO, err: TextIO,
            session: Session) -> int:
    reviewer = _reviewer(args, session)
    claim = claims_service.resolve_claim(project, args.claim)
    links = evidence.current_links(project, claim=claim.id)
    consequences = deletion_consequences(len(links), len({v.study.id for v in links}), claim)
    if not confirmed(f"Delete {claim.code}: {claim.text}\n{consequences}\nDelete it?", err,
                     yes=args.yes, what=f"deleting {claim.code}"):
        return EXIT_ERROR
    claims_service.delete_claim(project, claim, reviewer=reviewer, reason=args.reason)
    if getattr(args, "json", False):
        write_json({"id": claim.id, "code": claim.code, "deleted": True, "links": len(links),
                    "studies": len({v.study.id for v in links})}, out)
    else:
        out.write(f"Deleted {claim.code} (with {len(links)} link{'' if len(links) == 1 else 's'}"
                  f"); `claims restore {claim.code}` brings it back as it was.\n")
    return EXIT_OK


def _deleted(args: argparse.Namespace, project: Project, out: TextIO, err: TextIO) -> int:
    rows = claims_service.deleted_claims(project)
    for d in rows:
        if getattr(args, "json", False):
            write_json({"id": d.claim.id, "code": d.claim.code, "text": d.claim.text,
                        "deleted_at": d.deleted_at, "deleted_by": d.deleted_by or None,
                        "reason": d.reason}, out)
            continue
        why = f": {d.reason}" if d.reason else ""
        out.write(f"{d.claim.code or '#' + str(d.claim.id):<6} deleted {d.deleted_at} by "
                  f"{d.deleted_by or '?'}{why}\n       {d.claim.text}\n")
    err.write(f"{len(rows)} deleted claim{'' if len(rows) == 1 else 's'}\n")
    return EXIT_OK


def _link(args: argparse.Namespace, project: Project, out: TextIO, session: Session) -> int:
    reviewer = _reviewer(args, session)
    if args.withdraw:
        event_id = evidence.withdraw_link(project, args.study, args.claim, reviewer=reviewer,
                                          note=args.note)
        if args.json:
            write_json({"event_id": event_id, "withdrawn": True}, out)
        else:
            out.write(f"Withdrawn: {args.study} - {args.claim} (event {event_id})\n")
        return EXIT_OK
    if not args.stance:
        if args.reported_certainty is None and args.attribution is None:
            raise ClaimsError("Give --stance (supports, partly_supports, contradicts, "
                              "not_relevant).")
        # Only the link's appraisal changes: the stance, quotes and findings stay.
        view = evidence.set_link_appraisal(
            project, args.study, args.claim, reviewer=reviewer,
            reported_certainty=args.reported_certainty, attribution=args.attribution,
            note=args.note)
    else:
        view = evidence.link_study(
            project, args.study, args.claim, stance=args.stance, quotes=args.quote,
            reviewer=reviewer, outcome=args.outcome, timepoint=args.timepoint, note=args.note,
            reported_certainty=args.reported_certainty, attribution=args.attribution,
        )
    if args.json:
        write_json(evidence.link_json(view), out)
    else:
        out.write(f"Linked {view.study.key} to {args.claim}: {view.stance.value} "
                  f"(event {view.event_id})\n")
    return EXIT_OK
