"""Grading commands: screen, appraise, grade, agreement, conflicts, resolve, history, undo,
redo and reviewers (blind mode and the review team)."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from evidence_tracker.cli.common import Session, reviewer_name, viewer_name, write_json
from evidence_tracker.domain.agreement import interpret_kappa
from evidence_tracker.domain.appraisal import ROUTE_LABELS, AppraisalError, rob_label
from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.grade import (
    DOWNGRADE_DOMAINS,
    UPGRADE_DOMAINS,
    GradeError,
    certainty_text,
    parse_certainty,
)
from evidence_tracker.domain.review import (
    JUDGEMENT_KINDS,
    UNDOABLE_KINDS,
    ReviewError,
    value_text,
)
from evidence_tracker.domain.screening import ScreeningError
from evidence_tracker.domain.verdicts import body_json
from evidence_tracker.services import appraisal, grading, review, screening
from evidence_tracker.services.claims import resolve_claim, resolve_study
from evidence_tracker.store import Project

COMMANDS = ("screen", "appraise", "grade", "agreement", "conflicts", "resolve", "history",
            "undo", "redo", "reviewers")
EXIT_OK, EXIT_ERROR = 0, 1
_ERRORS = (ClaimsError, ScreeningError, AppraisalError, GradeError, ReviewError)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the grading commands."""
    screen = sub.add_parser("screen", help="include, exclude or maybe a study; --progress")
    screen.add_argument("study", nargs="?", metavar="STUDY", help="PMID, DOI or #id")
    screen.add_argument("decision", nargs="?", choices=["include", "exclude", "maybe"])
    screen.add_argument("--reason", default="", help="why it is excluded (see --reasons)")
    screen.add_argument("--note", default="", help="a note kept with the decision")
    screen.add_argument("--progress", action="store_true",
                        help="your screening progress per condition")
    screen.add_argument("--reasons", action="store_true", help="list the exclusion reasons")
    screen.add_argument("--condition", metavar="SLUG", help="with --progress: one condition")
    _common(screen)

    appraise = sub.add_parser("appraise", help="appraise a study (design, risk of bias...)")
    appraise.add_argument("study", metavar="STUDY", help="PMID, DOI or #id")
    appraise.add_argument("--show", action="store_true",
                          help="show the suggestion and the appraisals; change nothing")
    appraise.add_argument("--design", choices=[d.value for d in StudyDesign])
    appraise.add_argument("--participants", type=int, metavar="N")
    appraise.add_argument("--follow-up", metavar="TEXT", help='e.g. "12 weeks"')
    appraise.add_argument("--dose", metavar="TEXT", help='e.g. "0.35 mg/kg/h for 4 h x 10 d"')
    appraise.add_argument("--route", choices=list(ROUTE_LABELS))
    appraise.add_argument("--comparator", metavar="TEXT")
    appraise.add_argument("--rob", action="append", default=[], metavar="DOMAIN=JUDGEMENT",
                          help="a risk-of-bias domain judgement (repeatable), e.g. "
                          "randomisation=low")
    appraise.add_argument("--rob-overall", metavar="JUDGEMENT",
                          help="overall risk of bias (default: from the domains)")
    appraise.add_argument("--funding", metavar="TEXT")
    appraise.add_argument("--conflicts", metavar="TEXT")
    appraise.add_argument("--note", metavar="TEXT")
    _common(appraise)

    grade = sub.add_parser("grade", help="GRADE a claim's body of evidence")
    grade.add_argument("claim", metavar="CLAIM", help="claim code (C001) or id")
    grade.add_argument("--show", action="store_true",
                       help="show the suggestion and the grades; change nothing")
    grade.add_argument("--start", choices=["high", "moderate", "low", "very_low"],
                       help="starting level (default: from the designs)")
    for key, label in DOWNGRADE_DOMAINS:
        grade.add_argument(f"--{key.replace('_', '-')}", type=int, choices=[0, -1, -2],
                           dest=key, help=f"{label}: 0, -1 or -2 (default: the suggestion)")
    for key, label in UPGRADE_DOMAINS:
        grade.add_argument(f"--{key.replace('_', '-')}", type=int, choices=[0, 1, 2],
                           dest=key, help=f"{label}: 0 or +1 (+2 for a very large effect)")
    grade.add_argument("--footnote", action="append", default=[], metavar="DOMAIN=TEXT",
                       help="the footnote for a domain (repeatable)")
    grade.add_argument("--note", default="")
    _common(grade)

    agreement = sub.add_parser("agreement", help="agreement between two reviewers (kappa)")
    agreement.add_argument("--reviewers", metavar="A,B", help="the pair (default: the pair "
                           "with most subjects in common)")
    agreement.add_argument("--condition", metavar="SLUG", help="only this condition")
    agreement.add_argument("--json", action="store_true", help="print one JSON object")
    _common(agreement, "who is looking (blind mode counts only what they may see);")

    conflicts = sub.add_parser("conflicts", help="disagreements waiting for an arbiter")
    conflicts.add_argument("--kind", choices=JUDGEMENT_KINDS)
    conflicts.add_argument("--condition", metavar="SLUG")
    conflicts.add_argument("--json", action="store_true", help="one JSON object per line")
    _common(conflicts, "who is looking (blind mode shows only what they may see);")

    resolve = sub.add_parser("resolve", help="an arbiter resolves a conflict")
    resolve.add_argument("key", metavar="KEY", help="the conflict key from `conflicts`, e.g. "
                         "screening:S12")
    way = resolve.add_mutually_exclusive_group(required=True)
    way.add_argument("--accept", metavar="REVIEWER", help="accept this reviewer's judgement")
    way.add_argument("--value", help="the final value (decision, stance or certainty)")
    resolve.add_argument("--reason", default="", help="exclusion reason with --value exclude")
    resolve.add_argument("--note", default="", help="why (kept with the resolution)")
    _common(resolve, who="arbiter")

    history = sub.add_parser("history", help="every judgement of a study or claim")
    history.add_argument("--study", metavar="STUDY")
    history.add_argument("--claim", metavar="CLAIM")
    _common(history)

    for name, text in (("undo", "undo your latest judgement"),
                       ("redo", "redo the judgement you last undid")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--kind", choices=UNDOABLE_KINDS, help="only judgements of this kind")
        _common(p)

    reviewers = sub.add_parser("reviewers", help="reviewers, the review team, blind mode")
    reviewers.add_argument("--team", metavar="A,B", help="assign the review team ('' = none)")
    reviewers.add_argument("--blind", choices=["on", "off"], help="turn blind mode on or off")
    _common(reviewers)


def _common(p: argparse.ArgumentParser, who: str = "reviewer") -> None:
    p.add_argument("--reviewer", dest="reviewer", help=f"{who} name (default: from settings)")
    if not any(a.dest == "json" for a in p._actions):
        p.add_argument("--json", action="store_true", help="print JSON")


def _reviewer(args: argparse.Namespace, session: Session) -> str:
    return reviewer_name(args, session.settings, ReviewError)


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ReviewError(f"Give {what} as NAME=VALUE, not {item!r}.")
        out[key.strip().replace("-", "_")] = value.strip()
    return out


def run(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    """Execute one of this module's subcommands; returns the exit status."""
    handlers = {"screen": _screen, "appraise": _appraise, "grade": _grade,
                "agreement": _agreement, "conflicts": _conflicts, "resolve": _resolve,
                "history": _history, "undo": _undo, "redo": _undo, "reviewers": _reviewers}
    try:
        return handlers[args.command](args, project, out, err, session)
    except _ERRORS as exc:
        err.write(f"evidence-tracker: {exc}\n")
        return EXIT_ERROR


def _screen(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    if args.reasons:
        reasons = screening.exclusion_reasons(project)
        if args.json:
            write_json(reasons, out)
        else:
            out.write("".join(f"{r}\n" for r in reasons))
        return EXIT_OK
    if args.progress or not args.study:
        reviewer = _reviewer(args, session)
        rows = screening.progress_by_condition(project, reviewer)
        if args.condition:
            rows = [r for r in rows if r.slug == args.condition]
        overall = screening.progress(project, reviewer)
        if args.json:
            write_json({"reviewer": reviewer, "overall": overall.to_json(),
                   "conditions": {r.slug: r.progress.to_json() for r in rows}}, out)
            return EXIT_OK
        for r in [*rows, screening.ConditionProgress("all", "All studies", overall)]:
            p = r.progress
            out.write(f"{r.name[:40]:<40} {p.text:>22}   include {p.include}, exclude "
                      f"{p.exclude}, maybe {p.maybe}\n")
        return EXIT_OK
    if not args.decision:
        raise ScreeningError("Give the decision: include, exclude or maybe.")
    view = screening.screen(project, args.study, args.decision, reviewer=_reviewer(args, session),
                            reason=args.reason, note=args.note)
    if args.json:
        write_json(screening.screening_json(view), out)
    else:
        out.write(f"{args.study}: {view.state.label} (event {view.event_id})\n")
    return EXIT_OK


def _appraise(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    reviewer = _reviewer(args, session)
    study_id = resolve_study(project, args.study)
    suggestion = appraisal.design_suggestion(project, study_id)
    if args.show:
        shown, hidden = appraisal.appraisals(project, study_id, reviewer)
        if args.json:
            write_json({"study_id": study_id, "suggestion": suggestion.to_json(),
                   "appraisals": [{"reviewer": n, **s.to_json()} for n, s in shown],
                   "hidden": hidden}, out)
            return EXIT_OK
        out.write(f"Suggested design: {suggestion.design.label} ({suggestion.reason})\n")
        for name, state in shown:
            rob = rob_label(state.rob_tool, state.rob_overall) or "not judged"
            out.write(f"{name}: {state.design.label}; n={state.participants or '?'}; "
                      f"route {ROUTE_LABELS.get(state.route, state.route or '?')}; "
                      f"risk of bias {rob}\n")
        if hidden:
            out.write(f"({hidden} appraisal(s) hidden: blind mode)\n")
        return EXIT_OK
    fields = {"participants": args.participants, "follow_up": args.follow_up,
              "dose": args.dose, "route": args.route, "comparator": args.comparator,
              "rob_overall": args.rob_overall, "funding": args.funding,
              "conflicts": args.conflicts, "note": args.note}
    view = appraisal.update_appraisal(
        project, study_id, reviewer=reviewer, design=args.design,
        rob=_pairs(args.rob, "--rob") or None,
        **{k: v for k, v in fields.items() if v is not None})
    if args.json:
        write_json({**appraisal.appraisal_json(view), "suggestion": suggestion.to_json()}, out)
    else:
        s = view.state
        confirmed = "confirmed" if s.design_confirmed else \
            f"suggested {suggestion.design.label}"
        out.write(f"{args.study}: {s.design.label} ({confirmed}); risk of bias "
                  f"{rob_label(s.rob_tool, s.rob_overall) or 'not judged'} "
                  f"(event {view.event_id})\n")
    return EXIT_OK


def _grade(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    claim = resolve_claim(project, args.claim)
    if args.show:
        # Looking needs no reviewer; blind mode hides others' judgements from nobody too.
        viewer = viewer_name(args, session.settings)
        result = grading.verdict_result(project, claim, viewer)
        suggestion = grading.suggest(project, claim, viewer)
        shown, hidden = grading.grades(project, claim, viewer)
        if args.json:
            write_json({"claim": claim.code, "kind": claim.question_kind.value,
                        "suggestion": suggestion.to_json(),
                        "body": body_json(result.body),
                        "certainty": result.certainty.value if result.certainty else None,
                        "verdict": result.verdict.value, "statement": result.statement,
                        "grades": [{"reviewer": n, **a.to_json()} for n, a in shown],
                        "hidden": hidden}, out)
            return EXIT_OK
        _write_assessment(out, f"Suggested for {claim.code}", suggestion.assessment,
                          suggestion.start_reason)
        if suggestion.cap_reason:
            out.write(f"  {suggestion.cap_reason} Suggested certainty: "
                      f"{certainty_text(suggestion.certainty)}\n")
        out.write(f"Body: {len(result.body.counted)} counted"
                  + "".join(f"; {e.key} left out ({e.reason.value.replace('_', ' ')}"
                            f"{': ' + e.detail if e.detail else ''})"
                            for e in result.body.excluded) + "\n")
        out.write(f"Statement: {result.statement}\n")
        for name, assessment in shown:
            out.write(f"{name}: {certainty_text(assessment.certainty)}\n")
        if hidden:
            out.write(f"({hidden} grade(s) hidden: blind mode)\n")
        return EXIT_OK
    reviewer = _reviewer(args, session)
    keys = [k for k, _ in DOWNGRADE_DOMAINS + UPGRADE_DOMAINS]
    ratings = {k: getattr(args, k) for k in keys if getattr(args, k) is not None}
    footnotes = _pairs(args.footnote, "--footnote")
    unknown = set(footnotes) - set(keys)
    if unknown:
        raise GradeError(f"Unknown GRADE domain(s): {', '.join(sorted(unknown))}.")
    view = grading.grade_with(project, claim, reviewer=reviewer, ratings=ratings,
                              footnotes=footnotes,
                              start=parse_certainty(args.start) if args.start else None,
                              note=args.note)
    if args.json:
        write_json(grading.grade_json(view), out)
    else:
        _write_assessment(out, f"{claim.code} graded by {reviewer}", view.assessment, "")
    return EXIT_OK


def _write_assessment(out: TextIO, title: str, a: Any, start_reason: str) -> None:
    bound = " at most (not all domains assessed)" if a.provisional else ""
    out.write(f"{title}: {certainty_text(a.certainty)}{bound}\n")
    out.write(f"  Start: {certainty_text(a.start)}{' — ' + start_reason if start_reason else ''}"
              "\n")
    for key, label in DOWNGRADE_DOMAINS + UPGRADE_DOMAINS:
        value = a.downgrades.get(key, a.upgrades.get(key, 0))
        note = a.footnotes.get(key, "")
        rating = "n/a" if key in a.unassessed else f"{value:+d}"
        out.write(f"  {label:<46} {rating:>3}  {note}\n")


def _agreement(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    pair = [n.strip() for n in args.reviewers.split(",")] if args.reviewers else None
    report = review.agreement(project, reviewers=pair, condition=args.condition,
                              viewer=viewer_name(args, session.settings))
    if args.json:
        write_json(review.agreement_json(report), out)
        return EXIT_OK
    if report.reviewers is None:
        out.write("No two reviewers have judged the same studies or claims yet.\n")
        return EXIT_OK
    out.write(f"Agreement between {report.reviewers[0]} and {report.reviewers[1]}\n")
    for row in report.rows:
        out.write(f"\n{row.name}\n")
        for measure, a in row.measures.items():
            if not a.n:
                continue
            kappa = "—" if a.kappa is None else f"{a.kappa:.2f} ({interpret_kappa(a.kappa)})"
            line = f"  {measure:<10} n={a.n:<4} agreement {a.percent or 0:.0%}  kappa {kappa}"
            if a.weighted_linear is not None:
                line += f"  weighted kappa {a.weighted_linear:.2f} linear"
                if a.weighted_quadratic is not None:
                    line += f", {a.weighted_quadratic:.2f} quadratic"
            out.write(line + "\n")
    return EXIT_OK


def _conflicts(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    kinds = [args.kind] if args.kind else list(JUDGEMENT_KINDS)
    found = review.conflicts(project, kinds=kinds, condition=args.condition,
                             viewer=viewer_name(args, session.settings))
    for c in found:
        if args.json:
            write_json(review.conflict_json(c), out)
            continue
        values = "; ".join(f"{j.reviewer}: {j.text}" for j in c.judgements)
        out.write(f"{c.key:<18} {c.label:<28} {values}\n")
    err.write(f"{len(found)} conflict{'' if len(found) == 1 else 's'}\n")
    return EXIT_OK


def _resolve(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    arbiter = _reviewer(args, session)
    resolution = review.resolve(project, args.key, arbiter=arbiter, accept=args.accept,
                                value=args.value, reason=args.reason, note=args.note)
    subject = review.parse_subject(args.key)
    if args.json:
        write_json({"event_id": resolution.event_id, "key": args.key, "arbiter": arbiter,
               "final": resolution.final, "resolves": list(resolution.resolves)}, out)
    else:
        out.write(f"{args.key}: resolved by {arbiter} as "
                  f"{value_text(subject.kind, resolution.final)} "
                  f"(event {resolution.event_id})\n")
    return EXIT_OK


def _history(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    if not args.study and not args.claim:
        raise ReviewError("Give --study and/or --claim.")
    study_id = resolve_study(project, args.study) if args.study else None
    # A deleted claim's history stays readable: the audit trail keeps it.
    claim_id = resolve_claim(project, args.claim, include_deleted=True).id \
        if args.claim else None
    viewer = viewer_name(args, session.settings) or None
    view = review.history(project, study_id=study_id, claim_id=claim_id, viewer=viewer)
    if args.json:
        write_json(review.history_json(view), out)
        return EXIT_OK
    for e in view.entries:
        undo = f" (reverts #{e.reverts})" if e.reverts else ""
        out.write(f"#{e.event_id:<5} {e.occurred_at}  {e.reviewer or '-':<12} {e.kind:<11} "
                  f"{e.before} → {e.after}{undo}{'  ' + e.note if e.note else ''}\n")
    if view.hidden:
        out.write(f"({view.hidden} event(s) of other reviewers hidden: blind mode)\n")
    return EXIT_OK


def _undo(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    reviewer = _reviewer(args, session)
    kinds = [args.kind] if args.kind else list(UNDOABLE_KINDS)
    step = (review.undo if args.command == "undo" else review.redo)(project, reviewer, kinds)
    if args.json:
        write_json(None if step is None else {"event_id": step.event_id, "kind": step.kind,
                                         "reverts": step.reverted.id}, out)
    elif step is None:
        out.write(f"Nothing to {args.command}.\n")
    else:
        out.write(f"{args.command.capitalize()}: {step.description} (event {step.event_id} "
                  f"reverts #{step.reverted.id})\n")
    return EXIT_OK


def _reviewers(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    if args.team is not None or args.blind is not None:
        who = _reviewer(args, session)
        if args.team is not None:
            review.set_review_team(project, args.team.split(","), reviewer=who)
        if args.blind is not None:
            review.set_blind_mode(project, args.blind == "on", reviewer=who)
    names, team = review.reviewer_names(project), review.review_team(project)
    blind = review.blind_mode(project)
    if args.json:
        write_json({"reviewers": names, "team": team, "blind": blind}, out)
    else:
        out.write(f"Reviewers:  {', '.join(names) or '-'}\n"
                  f"Team:       {', '.join(team) or '(any two reviewers)'}\n"
                  f"Blind mode: {'on' if blind else 'off'}\n")
    return EXIT_OK
