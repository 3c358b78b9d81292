"""Read delimited text and zipped CSV into all-text tables, failing with the file's name."""

from __future__ import annotations

import csv
import io
import sys
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from smartvote import settings
from smartvote.errors import InputError


def prefer_system_allocator() -> None:
    """Give pyarrow the system allocator (glibc's malloc) on Linux, unless the user chose one.

    pyarrow's default, mimalloc 3, backs its arenas with transparent huge pages; where the
    kernel makes such pages on request (``madvise``, the usual default), faulting them in cost
    a federal import 0.2-0.75 s of system time here, varying from run to run, against
    0.1-0.2 s with glibc's malloc (2016: median CPU time 0.83 s against 0.50 s; the smallest
    file, 2024, 0.35 s against 0.39 s; docs/architecture.md). pyarrow documents the switch:
    https://arrow.apache.org/docs/cpp/env_vars.html#envvar-ARROW_DEFAULT_MEMORY_POOL
    """
    if sys.platform == "linux" and settings.arrow_memory_pool() is None:
        pa.set_memory_pool(pa.system_memory_pool())


prefer_system_allocator()


def read_text_table(data: bytes, file: str) -> pd.DataFrame:
    """All columns as text (empty cells null), so that counts are parsed by :mod:`counts`.

    pyarrow's multithreaded reader keeps a federal election (~35 MB of CSV) well under a second.
    A file it cannot read is re-read with Python's csv module to name the physical line at
    fault; the first line hints at a wrong delimiter or encoding.
    """
    end = data.find(b"\n")
    first_line = data[: end if end >= 0 else len(data)]
    if not first_line.strip():
        raise InputError(file, "empty file: no header line", row=0)
    try:
        header = next(csv.reader(io.StringIO(first_line.decode("utf-8-sig"))))
    except UnicodeDecodeError as exc:
        raise InputError(
            file, f"not UTF-8 text ({exc.reason} at byte {exc.start}){_encoding_hint(data)}", row=0
        ) from exc
    if len(header) == 1 and (hint := _delimiter_hint(header[0])):
        raise InputError(file, f"only one column found: {hint}", row=0)
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise InputError(file, "column appears twice in the header", row=0, column=dup)
    try:
        table = _arrow_read(data, header)
    except pa.ArrowInvalid as exc:
        if "straddling" not in str(exc):  # a cell larger than Arrow's read block: one block then
            raise _located_error(data, file, len(header), exc) from exc
        try:
            table = _arrow_read(data, header, block_size=len(data) + 1)
        except pa.ArrowInvalid as again:
            raise _located_error(data, file, len(header), again) from again
    except UnicodeDecodeError as exc:
        raise _located_error(data, file, len(header), exc) from exc
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)  # zero-copy: counts are parsed in Arrow
    frame.columns = [c.lstrip("\ufeff") for c in frame.columns]
    return frame


def _arrow_read(data: bytes, header: list[str], block_size: int | None = None) -> pa.Table:
    options = pacsv.ReadOptions(encoding="utf-8", **({"block_size": block_size} if block_size else {}))
    return pacsv.read_csv(
        io.BytesIO(data),
        read_options=options,
        convert_options=pacsv.ConvertOptions(
            column_types={h: pa.string() for h in header},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )


def _delimiter_hint(header: str) -> str:
    for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
        if sep in header:
            return f"the header seems separated by {name}; save the file with commas as separators"
    return ""


def _encoding_hint(data: bytes) -> str:
    """A hint when the bytes read as Windows Cyrillic, the usual encoding of such files."""
    try:
        sample = data[:4096].decode("cp1251")
    except UnicodeDecodeError:
        return ""
    cyrillic = sum("а" <= ch.lower() <= "я" for ch in sample)
    return "; it looks like Windows Cyrillic (cp1251): save it as UTF-8" if cyrillic else ""


def _located_error(data: bytes, file: str, columns: int, exc: Exception) -> InputError:
    """The first line Python's csv module finds at fault, as one error with its line number."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return InputError(file, f"not UTF-8 text at line {line}{_encoding_hint(data)}", row=line - 1)
    text = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for fields in reader:
            if reader.line_num > 1 and len(fields) != columns and fields:
                line = reader.line_num
                return InputError(
                    file, f"{len(fields)} fields, the header has {columns} (line {line})", row=line - 1
                )
    except csv.Error as error:
        line = reader.line_num
        return InputError(file, f"malformed CSV: {error} (line {line})", row=line - 1)
    if text.count('"') % 2:
        line = reader.line_num
        return InputError(file, f"malformed CSV: a quote is never closed (line {line})", row=line - 1)
    return InputError(file, f"malformed CSV: {str(exc).splitlines()[0]}")


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
