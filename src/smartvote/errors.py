"""Domain errors. The core raises these; the CLI turns them into one-line messages."""

from __future__ import annotations


class SmartvoteError(Exception):
    """Base of every error smartvote reports to its users."""


class InputError(SmartvoteError):
    """A file that cannot be imported: names the file, the row and the column.

    Rows are counted as data rows from 1 (the header is row 0), so that a user can
    find the row in a spreadsheet that shows the header on line 1 and row N on line N+1.
    """

    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None) -> None:
        self.file, self.row, self.column, self.message = file, row, column, message
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")


class UnknownElectionError(SmartvoteError):
    """An election id that is neither in the store nor in the catalogue."""


class DownloadError(SmartvoteError):
    """A download that failed, was interrupted or did not match its checksum."""
