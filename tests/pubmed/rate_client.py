"""Run as a separate process by test_shared_limiter: one E-utilities client that sends
``count`` ESearch requests. It prints "ready" once its client is made and starts when a
line arrives on its standard input, so that all the processes start together.

    python rate_client.py BASE_URL SHARED_DIR|- LOCKING API_KEY|- COUNT
"""

from __future__ import annotations

import sys
from pathlib import Path

from evidence_tracker.pubmed.eutils import EutilsConfig, RateLimiters
from evidence_tracker.services.fetch import make_client


def main(argv: list[str]) -> int:
    base_url, shared, locking, api_key, count = argv
    limiters = RateLimiters(None if shared == "-" else Path(shared), locking=locking)
    config = EutilsConfig(base_url=base_url, email="tests@example.org",
                          api_key="" if api_key == "-" else api_key, timeout=(2.0, 5.0),
                          max_retries=0)
    with make_client(config, limiters) as client:
        print("ready", flush=True)
        sys.stdin.readline()
        for _ in range(int(count)):
            client.count("ketamine")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
