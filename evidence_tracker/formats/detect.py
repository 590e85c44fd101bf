"""Which reference format a file is in, from its first bytes (PubMed XML and MEDLINE are
recognised by :func:`evidence_tracker.pubmed.medline.detect_format`).

>>> sniff_format(b"TY  - JOUR\\nTI  - A title\\nER  - \\n")
'ris'
>>> sniff_format(b"% exported\\n@article{key, title={A}}")
'bibtex'
>>> sniff_format(b'[{"id": "1", "type": "article-journal"}]')
'csl-json'
>>> sniff_format(b"TY - JOUR\\nER - \\n")
'ris'
>>> sniff_format(b"Just notes.") is None
True
"""

from __future__ import annotations

import codecs
import re
from typing import Literal

Format = Literal["ris", "bibtex", "csl-json"]

#: A RIS record's first line: ``TY  - `` (one to three spaces before the hyphen, as the
#: RIS reader accepts: some exporters write ``TY - JOUR``).
_RIS = re.compile(r"^(?:\d+\.\s*\n)?TY {1,3}- ", re.M)
_BIBTEX = re.compile(r"^(?:\s*%[^\n]*\n)*\s*@[A-Za-z]+\s*[{(]")


def sniff_format(head: bytes) -> Format | None:
    """'ris', 'bibtex', 'csl-json' or None, from the first few KB of a file."""
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8):]
    text = head.decode("utf-8", errors="replace").lstrip(" \t\r\n")
    if text.startswith(("[", "{")):
        return "csl-json"
    if _BIBTEX.match(text):
        return "bibtex"
    first_lines = "\n".join(text.replace("\r\n", "\n").split("\n")[:5])
    if _RIS.search(first_lines):
        return "ris"
    return None
