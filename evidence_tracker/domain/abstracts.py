"""Structured abstracts in plain text: 'BACKGROUND: ... METHODS: ...' split by its labels
(PubMed's own convention, used by MEDLINE, RIS, BibTeX and CSL-JSON alike), and joined
back the way the store keeps an abstract.

>>> [(s.label, s.text) for s in abstract_sections("BACKGROUND: Pain. METHODS: A trial.")]
[('BACKGROUND', 'Pain.'), ('METHODS', 'A trial.')]
>>> [(s.label, s.text) for s in abstract_sections("We did X. RESULTS: Y.")]
[('', 'We did X. RESULTS: Y.')]
>>> abstract_text(abstract_sections("AIMS: One.  CONCLUSION (MAIN): Two."))
'AIMS: One.\\n\\nCONCLUSION (MAIN): Two.'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from evidence_tracker.domain.markup import fragment_from_text, normalize_space
from evidence_tracker.domain.models import AbstractSection

__all__ = ["abstract_sections", "abstract_text"]

#: An upper-case label followed by ': ', at the start or after the end of a sentence.
_LABEL = re.compile(
    r"(?:^|(?<=[.?!)\]] ))"
    r"([A-Z][A-Z0-9]+(?:[ ,&/'-]+[A-Z0-9]+)*(?: \([A-Z0-9 ]+\))?): "
)


def abstract_sections(text: str) -> list[AbstractSection]:
    """Sections of a plain-text abstract, split by its labels when it starts with one and
    has two or more; anything else is one unlabelled section. Markup-like text stays text."""
    text = text.strip()
    if not text:
        return []
    flat = normalize_space(text)
    matches = list(_LABEL.finditer(flat))
    if len(matches) < 2 or matches[0].start() != 0:
        html, plain = fragment_from_text(text)
        return [AbstractSection(text=plain, html=html)]
    sections = []
    for n, match in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(flat)
        html, plain = fragment_from_text(flat[match.end() : end])
        if plain:
            sections.append(AbstractSection(text=plain, label=match.group(1), html=html))
    return sections


def abstract_text(sections: Iterable[AbstractSection]) -> str:
    """The plain abstract as the store keeps it: labelled sections separated by a blank line."""
    return "\n\n".join(f"{s.label}: {s.text}" if s.label else s.text for s in sections)
