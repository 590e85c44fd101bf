"""One rate limiter per process: every E-utilities client the application makes waits on
the same limiter, so two dialogs (or a count and a fetch) together keep NCBI's rate."""

from __future__ import annotations

import threading

from fake_eutils import FakeEutils

from evidence_tracker.pubmed.eutils import EutilsClient, EutilsConfig, RateLimiters
from evidence_tracker.services import fetch as fetch_service

RATE = 5  # requests per second; small so that two unshared limiters visibly exceed it
PER_CLIENT = 8


def _config(fake: FakeEutils) -> EutilsConfig:
    return EutilsConfig(base_url=fake.base_url, email="tests@example.org",
                        requests_per_second=RATE, timeout=(2.0, 5.0), max_retries=0)


def _count_together(clients: list[EutilsClient]) -> None:
    """Each client sends PER_CLIENT ESearch requests, all clients at the same time."""
    def work(client: EutilsClient) -> None:
        for _ in range(PER_CLIENT):
            client.count("ketamine")

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_limiters_hand_out_one_limiter_per_host_and_rate() -> None:
    limiters = RateLimiters()
    a = limiters.limiter("eutils.ncbi.nlm.nih.gov", 3)
    assert limiters.limiter("EUTILS.ncbi.nlm.nih.gov", 3.0) is a
    assert limiters.limiter("eutils.ncbi.nlm.nih.gov", 10) is not a  # an API key: 10/s
    assert limiters.limiter("127.0.0.1:8080", 3) is not a
    assert RateLimiters().limiter("eutils.ncbi.nlm.nih.gov", 3) is not a  # no global state


def test_clients_made_by_the_app_share_one_limiter_and_keep_the_rate_together(
    fake_eutils: FakeEutils,
) -> None:
    limiters = RateLimiters()
    clients = [fetch_service.make_client(_config(fake_eutils), limiters) for _ in range(2)]
    assert clients[0].limiter is clients[1].limiter
    try:
        _count_together(clients)
    finally:
        for c in clients:
            c.close()
    assert len(fake_eutils.requests) == 2 * PER_CLIENT
    assert fake_eutils.max_in_window(1.0) <= RATE


def test_clients_with_limiters_of_their_own_would_exceed_it(fake_eutils: FakeEutils) -> None:
    """The control: what the shared limiter prevents (each client alone keeps the rate)."""
    clients = [EutilsClient(_config(fake_eutils)) for _ in range(2)]
    assert clients[0].limiter is not clients[1].limiter
    try:
        _count_together(clients)
    finally:
        for c in clients:
            c.close()
    assert fake_eutils.max_in_window(1.0) > RATE
