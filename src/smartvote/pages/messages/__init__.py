"""The translation catalogue of the published pages: one message table per language
(``ru.json``, ``en.json``), the same keys in each, ``{name}`` placeholders filled by
:meth:`Messages.__call__`. Every user-visible string of the site comes from here
(``tests/test_publish.py`` lists any that does not)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

LANGUAGES = ("ru", "en")


@dataclass(frozen=True)
class Messages:
    """The messages of one language."""

    lang: str
    table: dict[str, str]

    def __call__(self, key: str, **values: object) -> str:
        """The message ``key`` with its placeholders filled (a missing key is an error)."""
        return self.table[key].format(**values) if values else self.table[key]

    def party(self, party_id: str, fallback: str) -> str:
        """A party's name in this language, or ``fallback`` (the data's label) if none."""
        return self.table.get(f"party.{party_id}", fallback)


@cache
def messages(lang: str) -> Messages:
    """The catalogue of ``lang`` (one of :data:`LANGUAGES`)."""
    text = resources.files("smartvote.pages.messages").joinpath(f"{lang}.json").read_text(encoding="utf-8")
    return Messages(lang, json.loads(text))
