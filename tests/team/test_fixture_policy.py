"""The PostgreSQL tests fail, never skip, in CI when PostgreSQL cannot be started."""

from __future__ import annotations

import pytest
from team.conftest import unavailable


def test_ci_fails_instead_of_skipping() -> None:
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        unavailable("initdb failed", "true")


def test_elsewhere_it_skips_with_the_reason() -> None:
    with pytest.raises(pytest.skip.Exception, match="initdb failed"):
        unavailable("initdb failed", "")
