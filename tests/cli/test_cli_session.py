"""The command line reads the settings once and passes them down; its clients share one
rate limiter."""

from __future__ import annotations

import argparse

import pytest

from evidence_tracker.cli.common import Session, reviewer_name, viewer_name
from evidence_tracker.services.settings import ApiKey, Settings, save_settings


def test_session_loads_the_settings_once_and_passes_them() -> None:
    save_settings(Settings(reviewer_name="Dr Ana", ncbi_email="ana@example.org"))
    session = Session.load()
    save_settings(Settings(reviewer_name="Dr Ben"))  # written after: this run keeps its own
    args = argparse.Namespace(reviewer=None)
    assert viewer_name(args, session.settings) == "Dr Ana"
    assert viewer_name(argparse.Namespace(reviewer="Dr Cat"), session.settings) == "Dr Cat"
    with pytest.raises(ValueError, match="Who is reviewing"):
        reviewer_name(args, Settings(), ValueError)


def test_session_clients_share_one_limiter_and_carry_the_settings() -> None:
    session = Session(Settings(ncbi_email="ana@example.org"), ApiKey("k" * 36))
    with session.client() as first, session.client() as second:
        assert first.limiter is second.limiter
        assert first.config.email == "ana@example.org"
        assert first.config.rate == 10  # the key raises NCBI's limit


def test_api_key_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from evidence_tracker.services import settings as settings_service

    reads: list[int] = []
    monkeypatch.setattr(settings_service, "get_api_key", lambda: reads.append(1) or "abc")
    key = ApiKey()
    assert reads == []  # nothing read until a client needs it
    assert key.value == key.value == "abc"
    assert reads == [1]
    assert "abc" not in repr(key)
