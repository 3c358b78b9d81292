"""Protocol forms as data (lines, labels, control relations) and the grammar of their relations.

This package sits in the model layer: it imports nothing of smartvote, so that ``model.py``
can draw the importer's irregularity flags from the same forms the observer service checks.
"""

from smartvote.protocols.forms import (
    CheckResult,
    Form,
    form,
    forms,
    implausible_flags,
    importer_flags,
    join_names,
    protocol_flags,
)
from smartvote.protocols.grammar import GrammarError, Relation, parse

__all__ = [
    "CheckResult",
    "Form",
    "GrammarError",
    "Relation",
    "form",
    "forms",
    "implausible_flags",
    "importer_flags",
    "join_names",
    "parse",
    "protocol_flags",
]
