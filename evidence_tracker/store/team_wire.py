"""What travels between a local project and the team server: records as plain JSON-able
dicts, their global identities and their content hashes (pure; no SQL).

>>> h = content_hash({"id": "a", "after": '{"decision": "include"}'})
>>> len(h), h == content_hash({"after": '{"decision": "include"}', "id": "a"})
(64, True)
>>> study_key("123", "10.1/x"), study_key("", "10.1/X")
('pmid:123', 'doi:10.1/x')
>>> seed_claim_uid("C001", "Ketamine cures CRPS") == seed_claim_uid("C001", "Ketamine cures CRPS")
True
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import orjson

WIRE_VERSION = "evidence-tracker-team/1"
#: The namespace of the deterministic UUIDs (claims seeded in every project, sources).
NAMESPACE = uuid.UUID("5b0f4a52-7f6e-4b7e-9a53-2f6a1d3c9e11")


def content_hash(record: dict[str, Any]) -> str:
    """SHA-256 over a record's canonical JSON (sorted keys, UTF-8): equal content, equal
    hash. Both ends of the sync use this one function."""
    payload = orjson.dumps([WIRE_VERSION, record], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(payload).hexdigest()


def study_key(pmid: str | None, doi: str | None) -> str:
    """How a study is known on the server: its PMID, else its DOI (lower case)."""
    if pmid:
        return f"pmid:{pmid}"
    return f"doi:{(doi or '').lower()}"


def new_uid() -> str:
    return str(uuid.uuid4())


def seed_claim_uid(code: str, text: str) -> str:
    """Claims seeded in every project get the same UUID on every machine."""
    return str(uuid.uuid5(NAMESPACE, f"claim\n{code}\n{text}"))


def source_uid(claim_uid: str, page_slug: str, quote: str) -> str:
    """The same quote of the same page on the same claim is one source everywhere."""
    return str(uuid.uuid5(NAMESPACE, f"source\n{claim_uid}\n{page_slug}\n{quote}"))
