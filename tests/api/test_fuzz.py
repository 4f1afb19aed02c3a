"""The whole API fuzzed from its OpenAPI document with schemathesis, as an editor.

Every operation gets generated requests, valid and invalid; the stateful test
chains them through the links schemathesis infers (a reported occurrence's id
into its amendment, history, relations...). Every answer must be below 500,
conform to the document (status, content type, headers, body schema), and
every error must be application/problem+json.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.generation.stateful.state_machine import APIStateMachine

from tests.conftest import EDITOR
from tests.helpers import API_DOCUMENT

pytestmark = pytest.mark.postgres

# Every operation of the document, read at collection time: new ones are fuzzed too.
OPERATIONS = [
    (method.upper(), path) for path, operations in API_DOCUMENT["paths"].items() for method in operations
]
# Bounded so that the whole file runs in about a minute on two cores.
EXAMPLES_PER_OPERATION = 50
STATEFUL_SCENARIOS = 60
MAX_STATEFUL_SCENARIOS = 240
STATEFUL_STEPS = 8
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def errors_are_problem_json(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx and 5xx answer is application/problem+json with the RFC 9457 members."""
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/problem+json"), (
            f"{case.method} {case.path} answered {response.status_code} as {content_type!r}"
        )
        body = response.json()
        assert body["status"] == response.status_code and body["title"] and body["detail"], body
    return None


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    errors_are_problem_json,
]


@pytest.fixture(scope="module")
def api_schema(client: TestClient) -> Any:
    # The app's lifespan already ran in `client`, so its state holds a wired Newsline.
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation(api_schema: Any, method: str, path: str) -> None:
    @given(case=api_schema[path][method].as_strategy())
    @FUZZ_SETTINGS
    def answers_well(case: Any) -> None:
        case.call_and_validate(headers=EDITOR, checks=CHECKS)

    answers_well()


def test_stateful_sequences(api_schema: Any) -> None:
    calls: list[str] = []
    # Calls on the path of an occurrence that a report earlier in the same scenario answered
    # with: a link followed for real, not a template that a random id happens to fill.
    linked: list[str] = []

    class Sequences(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self.reported: set[str] = set()

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            calls.append(f"{case.method} {case.operation.path}")
            if str(case.path_parameters.get("occurrence_id")) in self.reported:
                linked.append(f"{case.method} {case.formatted_path}")
            return {"headers": EDITOR}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            if (case.method, case.operation.path, response.status_code) == ("POST", "/v1/occurrences", 201):
                self.reported.add(str(response.json()["id"]))

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    assert issubclass(Sequences, APIStateMachine)

    # One scenario per run: the database outlives a scenario, so Hypothesis
    # replaying a sequence within one run would meet a changed world (a slug
    # now taken) and report its strategy as flaky. Scenarios are random, so a
    # run that has not yet followed a link gets more, up to a bound. They must
    # be random even where Hypothesis loads its CI profile (CI=true), which
    # derandomizes: every one-example run would then be the same scenario.
    scenarios = 0
    while scenarios < STATEFUL_SCENARIOS or (not linked and scenarios < MAX_STATEFUL_SCENARIOS):
        Sequences.run(
            settings=settings(
                max_examples=1,
                derandomize=False,
                stateful_step_count=STATEFUL_STEPS,
                deadline=None,
                phases=[Phase.generate],
                database=None,
                suppress_health_check=list(HealthCheck),
            )
        )
        scenarios += 1
    # The sequences reached the operations that need an existing occurrence, with one.
    assert linked, calls
