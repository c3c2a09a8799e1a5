"""Schemathesis against the live server's own OpenAPI document: every operation, bounded examples.

Each operation gets generated requests (valid and invalid parameters and bodies) sent with an admin's API
key; the responses must be no server error, documented status codes, JSON of the documented schema, and
invalid input must be refused.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from svodka.web.app import create_app
from svodka.web.server import running
from test_web_support import WebEnv, build_store

schemathesis = pytest.importorskip("schemathesis")

EXAMPLES = 12  # per operation: ~20 operations stay well within the suite's time budget


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    """A server of its own: generated DELETE and PATCH requests change its channels."""
    env = build_store(tmp_path_factory.mktemp("openapi") / "api.db")
    with running(create_app(env.store)) as base:
        env.base = base
        yield env
    env.store.close()


@pytest.mark.slow
def test_the_api_keeps_its_openapi_document(api: WebEnv) -> None:
    schema = schemathesis.openapi.from_url(api.base + "/api/openapi.json")
    key = api.keys["admin"]

    @schema.auth()
    class AdminKey:
        """The admin's API key, as a bearer token; schemathesis also tries without it and with a bad one."""

        def get(self, case, context) -> str:  # type: ignore[no-untyped-def]
            return key

        def set(self, case, data, context) -> None:  # type: ignore[no-untyped-def]
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(base_url=api.base)

        try:
            check()
        except (Exception, BaseExceptionGroup) as e:  # collect every operation's failure, report them all
            failures.append(f"{operation.label}: {str(e)[:1500]}")
    assert operations >= 17
    assert not failures, "\n\n".join(failures)
