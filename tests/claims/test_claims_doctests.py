"""The examples in the claims modules' docstrings are true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from evidence_tracker.domain import claims, sentences
from evidence_tracker.store import study_search


@pytest.mark.parametrize("module", [claims, sentences, study_search], ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
