"""Strict JSON for every ``--json`` output and ``report.json``.

Python's :func:`json.dumps` writes ``NaN`` and ``Infinity``, which RFC 8259 does not allow and
strict parsers (JavaScript's ``JSON.parse``, ``jq``) reject. A ratio that cannot be computed
(no stations, no ballots) is ``null`` here, and a top-level ``null_note`` lists where and why;
NumPy and pandas scalars become plain numbers, dates ISO strings.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Why a number was written as ``null``.
NULL_NOTE = "null: not computable from these data (e.g. too few stations, or a count not reported)"


def strict(value: Any, path: str = "$", nulls: list[str] | None = None) -> Any:
    """``value`` as plain JSON types; each non-finite number becomes ``None`` and its path is
    appended to ``nulls``."""
    nulls = [] if nulls is None else nulls
    if isinstance(value, Mapping):
        return {str(k): strict(v, f"{path}.{k}", nulls) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [strict(v, f"{path}[{i}]", nulls) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if (isinstance(value, float) and not math.isfinite(value)) or value is pd.NA or value is pd.NaT:
        nulls.append(path)
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def dumps(value: Any, indent: int | None = 2) -> str:
    """Strict JSON text of ``value`` (UTF-8 characters kept); see the module docstring."""
    nulls: list[str] = []
    clean = strict(value, nulls=nulls)
    if nulls and isinstance(clean, dict):
        clean["null_note"] = f"{NULL_NOTE}: {', '.join(nulls)}"
    return json.dumps(clean, ensure_ascii=False, indent=indent, allow_nan=False)
