"""The blind rule: may a viewer see a judgement another reviewer made? (pure)

This module is THE blind rule of the application. The shared PostgreSQL database applies the
same rule in SQL (a SECURITY DEFINER function) and the two are tested against each other, so
it stays one small function over plain values: :func:`may_see`.

What "a subject" is, per stage (a judgement is about exactly one subject; reviewers judge a
subject independently and blind mode hides the others' judgements of it):

=============  ==========================  ============================================
stage (kind)   subject                     event columns
=============  ==========================  ============================================
screening      a study                     ``study_id``, ``claim_id`` NULL
appraisal      a study                     ``study_id``, ``claim_id`` NULL
link           a claim x study pair        ``study_id`` and ``claim_id``
grade          a claim (its evidence body) ``claim_id``, ``study_id`` NULL
verdict        a claim                     ``claim_id``, ``study_id`` NULL
inclusion      a systematic review study   ``study_id`` (the review), ``claim_id`` NULL
=============  ==========================  ============================================

A subject is *complete* when every assigned reviewer (the review team) has judged it; with no
team assigned, when at least two reviewers have (dual review). Once complete, the judgements
of it are open to everyone; before, each reviewer sees only their own. An arbiter may also
unblind a subject (``unblinded``), which opens it at once: in a local project that is an
arbiter's standing resolution of the subject (a withdrawn resolution closes it again).

Who "has judged": the reviewers whose latest event of that kind about the subject is not a
withdrawal; an arbiter's copy of a resolution does not count. Judgements here are events of
kinds screening, appraisal, link, grade, verdict and inclusion; a resolution event is open
when its subject is. Blind mode off, or a computation nobody is shown (no viewer), sees all.

What the rule does not hide: that a subject exists, and (in the shared database) counts that
statistics can reveal. Everything derived from judgements (stance counts, suggested
verdicts, kappa) must be computed from the judgements the viewer may see.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SubjectProgress:
    """Who has judged one subject so far, and who must (the plain inputs of the rule).

    ``judged_by``: names of the reviewers with a current judgement of the subject (an
    arbiter's copy of a resolution does not count); ``team``: the assigned reviewers, empty
    when none are assigned; ``unblinded``: an arbiter opened the subject's stage.
    """

    judged_by: frozenset[str]
    team: tuple[str, ...] = ()
    unblinded: bool = False

    @classmethod
    def of(cls, judged_by: Collection[str], team: Sequence[str] = (),
           unblinded: bool = False) -> SubjectProgress:
        return cls(frozenset(judged_by), tuple(team), unblinded)

    @property
    def complete(self) -> bool:
        """Every assigned reviewer judged it (no team: at least two reviewers did).

        >>> SubjectProgress.of({"ana"}).complete
        False
        >>> SubjectProgress.of({"ana", "ben"}).complete
        True
        >>> SubjectProgress.of({"ana", "ben"}, team=("ana", "ben", "cy")).complete
        False
        """
        return complete(self.judged_by, self.team)


def complete(judged_by: Collection[str], team: Sequence[str]) -> bool:
    """Whether every assigned reviewer (or, with no team, two reviewers) has judged.

    A team of one is no team (a team needs two reviewers).

    >>> complete({"ana", "ben"}, ["ana", "ben"])
    True
    >>> complete({"ana", "cy"}, ["ana", "ben"])
    False
    """
    if len(team) >= 2:
        return set(team) <= set(judged_by)
    return len(set(judged_by)) >= 2


def may_see(viewer: str, author: str, progress: SubjectProgress, *, blind: bool = True) -> bool:
    """May ``viewer`` see the judgement ``author`` made of a subject in this ``progress``?

    Yes when blind mode is off, when it is the viewer's own judgement, when an arbiter
    unblinded the subject's stage, or when the subject is complete. Otherwise no.

    >>> first = SubjectProgress.of({"ana"})
    >>> may_see("ben", "ana", first)                 # ben has not judged yet
    False
    >>> may_see("ana", "ana", first)                 # one's own, always
    True
    >>> may_see("ben", "ana", first, blind=False)    # blind mode off
    True
    >>> both = SubjectProgress.of({"ana", "ben"})
    >>> may_see("ben", "ana", both), may_see("arbiter", "ana", both)
    (True, True)
    >>> trio = SubjectProgress.of({"ana", "ben"}, team=("ana", "ben", "cy"))
    >>> may_see("ben", "ana", trio)                  # cy still has to judge
    False
    >>> may_see("ben", "ana", SubjectProgress.of({"ana"}, unblinded=True))
    True
    """
    if not blind or viewer == author or progress.unblinded:
        return True
    return progress.complete
