"""The whole API fuzzed from its OpenAPI document with schemathesis, as an editor.

Every operation gets generated requests, valid and invalid; the stateful test
chains them through the links schemathesis infers (a reported occurrence's id
into its amendment, history, relations...). Every check schemathesis has runs
(what `st run --checks all` runs): every answer must be below 500 and conform
to the document (status, content type, headers, body schema), a request the
document allows must be accepted and one it forbids refused, and every error
must be application/problem+json.

Two kinds of request are exempt, each for a reason a document cannot change:
an unknown extra header (HTTP says to ignore those), and a valid-looking
request refused by a rule no JSON Schema can state because it relates two
values or consults what is stored (SCHEMA_CANNOT_STATE).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, checks
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.stateful.state_machine import APIStateMachine

from tests.conftest import EDITOR
from tests.helpers import API_DOCUMENT

pytestmark = pytest.mark.postgres

# Every operation of the document, read at collection time: new ones are fuzzed too.
OPERATIONS = [
    (method.upper(), path) for path, operations in API_DOCUMENT["paths"].items() for method in operations
]
# Bounded so that the whole file runs in about two minutes on two cores.
EXAMPLES_PER_OPERATION = 30
# An event stream that answers stays open for seconds (until its keepalive), so fewer of those.
EXAMPLES_PER_STREAM = 8
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


# Refusals of schema-valid requests that the document cannot prevent: (field, message) patterns.
SCHEMA_CANNOT_STATE = [
    ("to", "is before from"),  # two parameters compared
    ("until", "is before since"),
    ("occurred", ".*interval ends before it starts"),
    ("reported_at", "is in the future"),  # the server's clock
    ("reported_at", "is earlier than the occurrence's first report"),  # what is stored
    ("target", "occurrence .* does not exist|an occurrence cannot relate to itself"),
    (r"stories\.\d+", "story .* does not exist"),
    ("kind", ".* is not a kind; see GET /v1/kinds.*"),  # kinds are added at run time
    (r"relations\.\d+(\.target)?", "occurrence .* does not exist|an occurrence cannot relate to itself"),
    (r"(actors\.\d+\.name|places\.\d+)", ".*must contain at least one letter or digit"),  # slugify's letters
]


def _cannot_be_stated(response: Any) -> bool:
    if response.status_code == 412:  # If-Match names another version than the stored one
        return True
    if response.status_code != 422:
        return False
    errors = response.json().get("errors") or [{"field": "", "message": ""}]
    return all(
        any(
            re.fullmatch(field, e["field"]) and re.match(message, e["message"])
            for field, message in SCHEMA_CANNOT_STATE
        )
        for e in errors
    )


def positive_data_acceptance(ctx: Any, response: Any, case: Any) -> bool | None:
    if _cannot_be_stated(response):
        return None
    return checks.positive_data_acceptance(ctx, response, case)


def _only_an_unknown_header(case: Any) -> bool:
    """A negative case whose only violation is a header the operation does not declare."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    negative = {location for location, info in meta.components.items() if info.mode.is_negative}
    parameters = API_DOCUMENT["paths"][case.operation.path][case.method.lower()].get("parameters", [])
    declared = {p["name"].lower() for p in parameters if p["in"] == "header"} | {
        "authorization",
        "content-type",
    }
    return negative == {ParameterLocation.HEADER} and bool(
        {name.lower() for name in case.headers or {}} - declared
    )


def negative_data_rejection(ctx: Any, response: Any, case: Any) -> bool | None:
    if _only_an_unknown_header(case):
        return None
    return checks.negative_data_rejection(ctx, response, case)


load_all_checks()
EXEMPTED = {
    "positive_data_acceptance": positive_data_acceptance,
    "negative_data_rejection": negative_data_rejection,
}
# Every check schemathesis registers (`--checks all`), two of them with the exemptions above.
CHECKS = [EXEMPTED.get(check.__name__, check) for check in CHECKS.get_all()] + [errors_are_problem_json]


@pytest.fixture(scope="module")
def api_schema(client: TestClient) -> Any:
    # The app's lifespan already ran in `client`, so its state holds a wired Newsline.
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


def _takes_input(method: str, path: str) -> bool:
    operation = API_DOCUMENT["paths"][path][method.lower()]
    parameters = [p for p in operation.get("parameters", []) if p["name"].lower() != "authorization"]
    return bool(parameters or operation.get("requestBody"))


# Valid requests for every operation; invalid ones for every operation that takes some input.
CASES = [(m, p, GenerationMode.POSITIVE) for m, p in OPERATIONS] + [
    (m, p, GenerationMode.NEGATIVE) for m, p in OPERATIONS if _takes_input(m, p)
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=[f"{m} {p} {mode}" for m, p, mode in CASES])
def test_every_operation(api_schema: Any, method: str, path: str, mode: GenerationMode) -> None:
    responses = API_DOCUMENT["paths"][path][method.lower()]["responses"]
    streams = "text/event-stream" in responses.get("200", {}).get("content", {})

    @given(case=api_schema[path][method].as_strategy(generation_mode=mode))
    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES_PER_STREAM if streams else EXAMPLES_PER_OPERATION)
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
