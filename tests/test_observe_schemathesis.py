"""Schemathesis against the service's OpenAPI schema, with a valid token of each role: no
answer is a 5xx, and every answer conforms to the schema (status code, content type, body).
PostgreSQL is the stricter back-end (NUL characters, integer ranges), so the fuzzing runs there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from observe_support import Templates, frame, protocol
from smartvote.observe.app import create_app
from smartvote.observe.settings import Settings
from smartvote.observe.storage import Storage

pytest_plugins = ["observe_fixtures"]


def test_no_5xx_and_every_answer_conforms(templates: Templates, tmp_path: Path) -> None:
    url = templates.fresh("postgresql")
    store = Storage(url, tmp_path / "photos")
    tokens = {"organiser": store.create_election("demo", "Demo", *frame())}
    _, (tokens["observer"],) = store.issue_tokens("demo", "observer", 1)
    _, (tokens["moderator"],) = store.issue_tokens("demo", "moderator", 1)
    organiser = store.authenticate(tokens["organiser"])
    observer = store.authenticate(tokens["observer"])
    assert organiser is not None and observer is not None
    store.set_settings(organiser, {"rate_per_minute": 100_000})
    store.submit(observer, protocol())  # one real submission, so that reads can find something
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(Settings(store.url, store.photo_dir), store)
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 24
    try:
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def fuzz(case: Any) -> None:
                for role in ("observer", "moderator", "organiser"):
                    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[role]}"}, checks=CHECKS)

            fuzz()
    finally:
        store.close()
        templates.reset(url)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
