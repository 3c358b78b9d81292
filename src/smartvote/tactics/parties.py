"""The party identity mapping: every label a source uses for a party -> one canonical party id.

Sources name one party many ways ("КПРФ", "Политическая партия "КОММУНИСТИЧЕСКАЯ ПАРТИЯ
РОССИЙСКОЙ ФЕДЕРАЦИИ"", "Коммунистическая Партия Российской Федерации") and a party changes its
name across elections (A Just Russia became A Just Russia - For Truth in 2021). Comparing a
district's endorsed party with its list result, or a 2016 baseline with 2021, needs one id per
party. The mapping is our own documented data, shipped in the package: ``parties.csv`` (the
canonical parties, with notes on renames, mergers and missing baselines) and
``party_labels.csv`` (label -> party id). See docs/tactics-formats.md.

Labels are compared by :func:`label_key`: case, ``ё``/``е``, quote marks, dash kinds and
spacing do not matter; everything else does, so that a new label fails loudly instead of
being guessed.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

from smartvote.errors import SmartvoteError

INDEPENDENT = "independent"
_QUOTES = re.compile("[\"'«»“”„‘’]")
_DASHES = re.compile(r"\s*[\u2010-\u2015\-]\s*")


class UnknownPartyError(SmartvoteError):
    """A party label that the party identity mapping does not know."""


@dataclass(frozen=True)
class Party:
    party_id: str
    short: str  # for tables and charts
    name: str
    note: str


@dataclass(frozen=True)
class PartyMapping:
    """The canonical parties and the labels that name them."""

    parties: dict[str, Party]
    labels: dict[str, str]  # label_key -> party_id

    def party_id(self, label: object, where: str = "") -> str:
        """The canonical id of ``label``; an empty label (or a null) means a self-nominated candidate.

        Raises :class:`UnknownPartyError` naming ``where`` (file, row) for an unknown label.
        """
        if not isinstance(label, str) or not label.strip():
            return INDEPENDENT
        found = self.labels.get(label_key(label))
        if found is None:
            prefix = f"{where}: " if where else ""
            raise UnknownPartyError(
                f"{prefix}party {label!r} is not in smartvote's party identity mapping: write it as "
                "one of the labels docs/tactics-formats.md lists for its party, or report the new "
                "label to the project"
            )
        return found

    def knows(self, label: str) -> bool:
        return label_key(label) in self.labels


def label_key(label: str) -> str:
    """The comparison key of a label: NFKC, case-folded, ``ё`` -> ``е``, no quotes, one dash style."""
    text = unicodedata.normalize("NFKC", label).casefold().replace("ё", "е")
    text = _DASHES.sub(" - ", _QUOTES.sub("", text))
    return " ".join(text.split())


@functools.cache
def party_mapping() -> PartyMapping:
    """The mapping shipped with smartvote (read once)."""
    folder = resources.files("smartvote.tactics")
    parties_text = folder.joinpath("parties.csv").read_text(encoding="utf-8")
    labels_text = folder.joinpath("party_labels.csv").read_text(encoding="utf-8")
    return parse_mapping(parties_text, labels_text)


def parse_mapping(parties_text: str, labels_text: str) -> PartyMapping:
    """Build a mapping from the two CSV texts; refuse unknown ids and labels mapped twice."""
    parties = {
        row["party_id"]: Party(row["party_id"], row["short"], row["name"], row["note"])
        for row in csv.DictReader(io.StringIO(parties_text))
    }
    labels: dict[str, str] = {}
    for number, row in enumerate(csv.DictReader(io.StringIO(labels_text)), start=1):
        where = f"party_labels.csv, row {number}"
        if row["party_id"] not in parties:
            raise SmartvoteError(f"{where}: unknown party id {row['party_id']!r}")
        key = label_key(row["label"])
        if labels.get(key, row["party_id"]) != row["party_id"]:
            raise SmartvoteError(f"{where}: label {row['label']!r} already maps to {labels[key]!r}")
        labels[key] = row["party_id"]
    return PartyMapping(parties, labels)
