"""The hash chain over the events table: each event stores the hash of the event before it
(``prev_hash``) and a hash over its own content and that previous hash (``hash``), so an
event edited, removed or inserted behind the application's back (drop the append-only
triggers with the sqlite3 shell, edit, put them back) breaks the chain from there on.

The chain head (the last event's id and hash) printed in a published report anchors it:
``evidence-tracker verify --head HASH`` checks later that the project still holds that
history (the chain alone cannot show that the newest events were cut off, or that the
whole chain was recomputed).

>>> a = event_hash("", 1, "2026-01-01T00:00:00Z", "Ana", "screening", 7, None, None,
...                '{"decision": "include"}', "", None)
>>> len(a), a == event_hash("", 1, "2026-01-01T00:00:00Z", "Ana", "screening", 7, None,
...                         None, '{"decision": "exclude"}', "", None)
(64, False)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

#: What the hash covers changes only with a new prefix (and a migration re-chaining).
HASH_VERSION = "evidence-tracker-event/1"
#: The ``prev_hash`` of the first event.
GENESIS = ""
#: The columns one link is computed from, in order (``r.name``: the reviewer's name, so a
#: reviewer renamed behind the application's back shows too).
CHAIN_SELECT = (
    "SELECT e.id, e.occurred_at, r.name, e.kind, e.study_id, e.claim_id, e.before, e.after, "
    "e.note, e.reverts, e.prev_hash, e.hash FROM events e "
    "LEFT JOIN reviewers r ON r.id = e.reviewer_id"
)


def event_hash(
    prev_hash: str | None, event_id: int, occurred_at: str, reviewer: str | None, kind: str,
    study_id: int | None, claim_id: int | None, before: str | None, after: str | None,
    note: str | None, reverts: int | None,
) -> str:
    """SHA-256 (hex) over one event as stored (``before``/``after`` are the JSON text in
    the table, hashed as they are) and the hash of the event before it."""
    payload = json.dumps(
        [HASH_VERSION, prev_hash or GENESIS, event_id, occurred_at, reviewer, kind, study_id,
         claim_id, before, after, note, reverts],
        ensure_ascii=True, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    """The last event of a chain: what a published report prints."""

    event_id: int
    hash: str

    def __str__(self) -> str:
        return f"event #{self.event_id}, hash {self.hash}" if self.event_id else "no events"


@dataclass(frozen=True)
class ChainCheck:
    """The result of walking the chain from the first event to the last."""

    events: int
    head: ChainHead
    broken_at: int | None = None  # the id of the first event whose link does not hold
    problem: str = ""
    head_found: bool | None = None  # with ``--head``: is that head in this chain?
    events_after_head: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_at is None and self.head_found is not False

    def message(self) -> str:
        if self.broken_at is not None:
            return (f"The audit trail is broken at event #{self.broken_at}: {self.problem} "
                    f"({self.events} events checked).")
        if self.head_found is False:
            return ("The report's chain head is not in this project's audit trail: the "
                    "history the report was made from was changed or cut off, or it comes "
                    f"from another project ({self.events} events, head {self.head}).")
        text = f"The audit trail is intact: {self.events} events, head {self.head}."
        if self.head_found:
            text += (" The report's head is in it"
                     + (f", followed by {self.events_after_head} later event(s)."
                        if self.events_after_head else " (it is the current head)."))
        return text


def walk(rows: object, expected_head: str | None = None) -> ChainCheck:
    """Check every link of ``rows`` (the result of :data:`CHAIN_SELECT` ``ORDER BY e.id``)
    and stop at the first that does not hold."""
    prev = GENESIS
    count = 0
    head = ChainHead(0, GENESIS)
    found_at: int | None = None
    wanted = (expected_head or "").strip().lower() or None
    for (event_id, occurred_at, reviewer, kind, study_id, claim_id, before, after, note,
         reverts, prev_hash, stored) in rows:  # type: ignore[attr-defined]
        count += 1
        if stored is None or prev_hash is None:
            return ChainCheck(count, head, event_id, "it carries no hash (it was inserted "
                              "behind the application's back)")
        if prev_hash != prev:
            return ChainCheck(count, head, event_id, "it does not follow the event before it "
                              "(an event was removed, inserted or changed before it)")
        if event_hash(prev_hash, event_id, occurred_at, reviewer, kind, study_id, claim_id,
                      before, after, note, reverts) != stored:
            return ChainCheck(count, head, event_id, "its content does not match its hash "
                              "(it was edited after it was recorded)")
        prev = stored
        head = ChainHead(int(event_id), stored)
        if wanted is not None and stored == wanted:
            found_at = count
    if wanted is None:
        return ChainCheck(count, head)
    return ChainCheck(count, head, head_found=found_at is not None,
                      events_after_head=count - found_at if found_at is not None else 0)
