"""The examples in the formats, dedupe and citation-service docstrings run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "evidence_tracker.formats.fields",
    "evidence_tracker.formats.bibtex",
    "evidence_tracker.formats.csv_xlsx",
    "evidence_tracker.formats.detect",
    "evidence_tracker.domain.dedupe",
    "evidence_tracker.services.citations",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
