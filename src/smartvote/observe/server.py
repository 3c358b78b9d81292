"""Run the service under uvicorn: ``python -m smartvote.observe.server HOST PORT WORKERS PROXY ALLOW``.

``smartvote observe serve`` checks the database, sweeps the photo folder and then replaces
itself with this module, so that uvicorn's worker processes (started by ``spawn``, which
re-imports the parent's main module) import only this small module, not the whole CLI.
Settings reach the workers through the environment (:mod:`smartvote.observe.settings`).
"""

import os
import sys

import uvicorn

#: uvicorn's own logs (start-up, errors) and the service's request lines; no access log.
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO"},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "smartvote.observe": {"handlers": ["stderr"], "level": "INFO"},
    },
}


#: Freed 16 MB image blocks that Pillow keeps for reuse (its block allocator's cache, off by
#: default; read from the environment when the workers import Pillow, so an operator can change
#: it). Cleaning a 6.75 MP photo takes four blocks (the decoded image and its pixel-only copy),
#: and each fresh block is page-faulted in: with the cache, clean() went from 77 to 53 ms of
#: CPU here (December 2026). Eight blocks keep two photos' worth, 128 MB per worker at most.
PHOTO_BLOCKS = 8


def run(host: str, port: int, workers: int, proxy_headers: bool, forwarded_allow_ips: str) -> None:
    """uvicorn with the access log off (its default line carries the client's address)."""
    os.environ.setdefault("PILLOW_BLOCKS_MAX", str(PHOTO_BLOCKS))
    uvicorn.run(
        "smartvote.observe.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        date_header=False,
        log_config=LOG_CONFIG,
    )


if __name__ == "__main__":
    host, port, workers, proxy, allow = sys.argv[1:6]
    run(host, int(port), int(workers), proxy == "1", allow)
