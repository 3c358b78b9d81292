"""Read delimited text and zipped CSV into all-text tables, failing with the file's name."""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from smartvote.errors import InputError


def read_text_table(data: bytes, file: str) -> pd.DataFrame:
    """All columns as text (empty cells null), so that counts are parsed by :mod:`counts`.

    pyarrow's multithreaded reader keeps a federal election (~35 MB of CSV) well under a second.
    """
    try:
        end = data.find(b"\n")
        first_line = data[: end if end >= 0 else len(data)]
        header = next(csv.reader(io.StringIO(first_line.decode("utf-8-sig"))))
    except (UnicodeDecodeError, StopIteration) as exc:
        raise InputError(file, f"not a UTF-8 CSV file with a header ({exc})", row=0) from exc
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise InputError(file, "column appears twice in the header", row=0, column=dup)
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(encoding="utf-8"),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InputError(file, f"malformed CSV: {exc}") from exc
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)  # zero-copy: counts are parsed in Arrow
    frame.columns = [c.lstrip("\ufeff") for c in frame.columns]
    return frame


def read_zipped_csv(path: Path) -> tuple[str, pd.DataFrame]:
    """The single CSV inside a dataset zip, as (member name, all-text table)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
            if len(members) != 1:
                raise InputError(str(path), f"expected one CSV file in the zip, found {members}")
            data = archive.read(members[0])
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise InputError(str(path), f"not a readable zip file ({exc})") from exc
    except (OSError, RuntimeError, zlib.error) as exc:  # damaged members fail mid-read
        raise InputError(str(path), f"zip file is damaged or truncated ({exc})") from exc
    return members[0], read_text_table(data, f"{path}:{members[0]}")


def read_table_file(path: Path) -> pd.DataFrame:
    """A CSV (all text) or Parquet file of the generic format."""
    if path.suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except (OSError, pa.ArrowException) as exc:
            raise InputError(str(path), f"not a readable Parquet file ({exc})") from exc
    return read_text_table(path.read_bytes(), str(path))
