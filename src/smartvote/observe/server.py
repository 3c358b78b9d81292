"""Run the service under uvicorn: ``python -m smartvote.observe.server HOST PORT WORKERS PROXY ALLOW``.

``smartvote observe serve`` checks the database, sweeps the photo folder and then replaces
itself with this module, so that uvicorn's worker processes (started by ``spawn``, which
re-imports the parent's main module) import only this small module, not the whole CLI.
Settings reach the workers through the environment (:mod:`smartvote.observe.settings`).
"""

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


def run(host: str, port: int, workers: int, proxy_headers: bool, forwarded_allow_ips: str) -> None:
    """uvicorn with the access log off (its default line carries the client's address)."""
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
