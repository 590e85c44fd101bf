"""Fixtures for the PubMed layer: a fake E-utilities server and clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fake_eutils import FakeEutils

from evidence_tracker.pubmed.eutils import EutilsClient, EutilsConfig

#: Fast settings for tests: quick rate, tiny backoff, short timeouts, few retries.
TEST_CONFIG: dict[str, Any] = {
    "email": "tests@example.org",
    "timeout": (2.0, 5.0),
    "max_retries": 3,
    "backoff_base": 0.01,
    "backoff_cap": 0.05,
    "requests_per_second": 20,
}


@pytest.fixture
def fake_eutils() -> Iterator[FakeEutils]:
    """A FakeEutils on a threaded HTTP server on 127.0.0.1; fails the test on fake errors."""
    with FakeEutils.running() as fake:
        yield fake
        fake.check()


@pytest.fixture
def make_eutils_client(fake_eutils: FakeEutils) -> Iterator[Callable[..., EutilsClient]]:
    """Build clients pointed at ``fake_eutils``: ``make_eutils_client(api_key=..., ...)``.

    Keyword arguments override :data:`TEST_CONFIG`; ``cancel=`` and ``session=`` go to the
    client. Every client is closed after the test.
    """
    clients: list[EutilsClient] = []

    def make(**overrides: Any) -> EutilsClient:
        client_args = {k: overrides.pop(k) for k in ("cancel", "session") if k in overrides}
        options = {**TEST_CONFIG, "base_url": fake_eutils.base_url, **overrides}
        client = EutilsClient(EutilsConfig(**options), **client_args)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def eutils_client(make_eutils_client: Callable[..., EutilsClient]) -> EutilsClient:
    """An EutilsClient pointed at ``fake_eutils`` with the fast test settings."""
    return make_eutils_client()
