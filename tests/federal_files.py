"""Small crafted files in the format of the public federal dataset, for importer tests."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

REGISTERED = "Число избирателей, внесенных в список избирателей на момент окончания голосования"
RECEIVED = "Число избирательных бюллетеней, полученных участковой избирательной комиссией"
EARLY = "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно"
IN_STATION = "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования"
OUTSIDE = "Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования"
CANCELLED = "Число погашенных избирательных бюллетеней"
PORTABLE = "Число избирательных бюллетеней, содержащихся в переносных ящиках для голосования"
STATIONARY = "Число избирательных бюллетеней, содержащихся в стационарных ящиках для голосования"
INVALID = "Число недействительных избирательных бюллетеней"
VALID = "Число действительных избирательных бюллетеней"
LOST = "Число утраченных избирательных бюллетеней"
UNACCOUNTED = "Число избирательных бюллетеней, не учтенных при получении"
PROTOCOL = [
    REGISTERED,
    RECEIVED,
    EARLY,
    IN_STATION,
    OUTSIDE,
    CANCELLED,
    PORTABLE,
    STATIONARY,
    INVALID,
    VALID,
    LOST,
    UNACCOUNTED,
]
PARTIES = [
    '1. Политическая партия "КОММУНИСТИЧЕСКАЯ ПАРТИЯ РОССИЙСКОЙ ФЕДЕРАЦИИ"',
    '2. Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"',
    '3. Политическая партия "НОВЫЕ ЛЮДИ"',
]
HEADER_2021 = ["level", "region", "oik", "tik", "uik", *PROTOCOL, *PARTIES, "url"]


def station(
    uik: str = "УИК №1",
    registered: int = 1000,
    issued_in: int = 500,
    boxes: int = 500,
    votes: tuple[int, int, int] = (100, 300, 90),
    invalid: int = 10,
    region: str = "Тестовая область",
    oik: str = "ОИК №7",
    tik: str = "Тестовая",
) -> list[object]:
    """One consistent 2021-format row (valid = sum of votes), with the fields tests vary."""
    valid = sum(votes)
    cancelled = max(1200 - issued_in, 0)
    protocol = [registered, 1200, 0, issued_in, 0, cancelled, 0, boxes, invalid, valid, 0, 0]
    return ["ЦИК России", region, oik, tik, uik, *protocol, *votes, "http://example.org"]


def write_csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def write_zip(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """A dataset zip with one CSV named after the zip (``2021.csv.zip`` holds ``2021.csv``)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(path.name.removesuffix(".zip"), write_csv(header, rows))
    return path
