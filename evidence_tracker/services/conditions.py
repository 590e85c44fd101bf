"""Conditions: add one with its PubMed query (the catalogue is seeded in project.py)."""

from __future__ import annotations

import re
import unicodedata

from evidence_tracker.store import Project, StoreError
from evidence_tracker.store import conditions as condition_store


def slugify(name: str) -> str:
    """'Trigeminal neuralgia (TN)' -> 'trigeminal-neuralgia-tn'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def check_query(query: str) -> None:
    """Refuse queries PubMed would misread: unbalanced parentheses or quotes, or empty."""
    if not query.strip():
        raise StoreError("The PubMed query is empty.")
    depth = 0
    for ch in re.sub(r'"[^"]*"', "", query):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth != 0:
        raise StoreError("The PubMed query has unbalanced parentheses.")
    if re.search(r"\(\s*\)", query):
        raise StoreError("The PubMed query has an empty group: fill in or remove the ().")
    if query.count('"') % 2:
        raise StoreError("The PubMed query has an unclosed quotation mark.")


def add_condition(
    project: Project, name: str, query: str, *, slug: str | None = None, parent: str | None = None
) -> str:
    """Add a user condition; returns its slug."""
    name = name.strip()
    if not name:
        raise StoreError("A condition needs a name.")
    check_query(query)
    slug = slug or slugify(name)
    if not slug:
        raise StoreError(f"Cannot make a short id from {name!r}; give one with --slug.")
    condition_store.add_condition(project, slug, name, query.strip(), parent_slug=parent)
    return slug
