"""smartvote: one election data layer for Smart Voting, forensics and civic observation.

The small public API (names load on first use, so that ``import smartvote`` stays cheap)::

    import smartvote
    (tables,) = smartvote.read_path(Path("2021.csv.zip"))      # any supported source
    with smartvote.Store() as store: store.add_election(tables) # the results store
    arrays = smartvote.station_arrays(stations, votes, choices) # one contest as arrays
    smartvote.integer_test(arrays), smartvote.shpilkin_estimate(arrays)
    smartvote.summarize(...), smartvote.simulate_election(...)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> (module, attribute).
_API = {
    "read_path": ("smartvote.data.loader", "read_path"),
    "read_paths": ("smartvote.data.loader", "read_paths"),
    "Store": ("smartvote.data.store", "Store"),
    "ElectionTables": ("smartvote.model", "ElectionTables"),
    "summarize": ("smartvote.summary", "summarize"),
    "station_arrays": ("smartvote.forensics.inputs", "station_arrays"),
    "integer_test": ("smartvote.forensics.integer", "integer_test"),
    "shpilkin_estimate": ("smartvote.forensics.shpilkin", "estimate"),
    "simulate_election": ("smartvote.synthetic", "simulate_election"),
}
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'smartvote' has no attribute {name!r}")
    module, attribute = _API[name]
    return getattr(importlib.import_module(module), attribute)
