"""Every curl example in the README works as printed against `make run`'s server."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import Server

README = Path(__file__).resolve().parents[2] / "README.md"
# The tokens `make run` sets.
MAKE_RUN_TOKENS = "dev-editor-token:dev:editor,dev-reader-token:guest:reader,dev-admin-token:dev-admin:admin"


def curl_examples() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.DOTALL)
    # A command runs from a line starting with "curl" to the next such line.
    return [
        command.strip()
        for block in blocks
        for command in re.split(r"^(?=curl )", block, flags=re.MULTILINE)
        if command.startswith("curl ")
    ]


def test_the_readme_has_curl_examples() -> None:
    assert len(curl_examples()) >= 10


def run(command: str, url: str) -> subprocess.CompletedProcess[str]:
    runnable = command.replace("http://127.0.0.1:8000", url)
    if "/events/stream" in command:  # a stream never ends: read it for a few seconds
        result = subprocess.run(["timeout", "3", "bash", "-c", runnable], capture_output=True, text=True)
        assert result.returncode == 124, f"{command}\n{result.stderr}"
        return result
    result = subprocess.run(["bash", "-c", runnable], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"
    return result


# What the examples that do not answer JSON print first.
NOT_JSON = {
    "/events/stream": "id: ",
    "format=csv": "event_id_cnty,",
    "text/calendar": "BEGIN:VCALENDAR",
    "/metrics": "# HELP ",
    "format=ndjson": '{"by": "seed", "story": {',
}


def stream_sample() -> tuple[str, str]:
    """The README's event stream example and the sample output printed under it."""
    found = re.search(
        r"```sh\n(curl [^\n]*/events/stream[^\n]*)\n```\s*```text\n(.*?)```", README.read_text(), re.DOTALL
    )
    assert found, "the README shows the event stream's output under its example"
    return found.group(1), found.group(2)


def sse_events(text: str) -> list[tuple[int, str, str]]:
    """Each event's id, type and the start of its occurrence id (`` for a story event)."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        ids = re.findall(r"^id: (\d+)$", block, re.MULTILINE)
        if ids:
            data = re.search(r'"type":"(\w+)"', block)
            occurrence = re.search(r'"occurrence_id":"([0-9a-f]{8})', block)
            assert data, block
            events.append((int(ids[0]), data.group(1), occurrence.group(1) if occurrence else ""))
    return events


def test_the_prose_names_the_report_time_the_example_reads() -> None:
    text = README.read_text()
    prose = re.search(r"as it stood at (\d\d:\d\d) UTC on\s+19 May 2014", text)
    example = re.search(r"timeline\?as_of=2014-05-19T(\d\d:\d\d)Z", text)
    assert prose and example and prose.group(1) == example.group(1)


def test_readme_curl_examples(server: Server) -> None:
    server.start("--seed", tokens=MAKE_RUN_TOKENS)
    outputs = {}
    streamed = ""
    for command in curl_examples():
        stdout = run(command, server.url).stdout
        if "/events/stream" in command:
            streamed = stdout
        expected = [start for marker, start in NOT_JSON.items() if marker in command]
        if expected:
            assert stdout.startswith(expected[0]), f"{command}\n{stdout[:300]}"
        else:
            outputs[command] = json.loads(stdout)
    as_of = next(out for cmd, out in outputs.items() if "as_of=2014-05-19T13:00Z" in cmd)
    assert as_of["figures"] == {"killed": 1, "injured": 4}
    stale = next(out for cmd, out in outputs.items() if "If-Match" in cmd)
    assert stale["status"] == 412
    history = next(out for cmd, out in outputs.items() if cmd.endswith("/history"))
    assert [r["version"] for r in history["revisions"]] == [1, 3, 2]
    for cmd, out in outputs.items():
        if "q=kindergarten" in cmd or "changes?" in cmd or "kind=order_issued" in cmd:
            assert out.get("items") or out.get("added"), cmd
    # The stream's sample output is what the seeded server sends first.
    command, sample = stream_sample()
    assert command in curl_examples()
    shown = sse_events(sample)
    assert len(shown) >= 2 and sse_events(streamed)[: len(shown)] == shown
    # Public positions skip the idempotency keys' bookkeeping events, as the README says.
    assert "the seeded log runs 1, 3, 5, …" in " ".join(README.read_text().split())
    events = next(out for cmd, out in outputs.items() if "/v1/events?after=0" in cmd)
    assert [event["position"] for event in events["items"]] == [1, 3]
    # "As it stood before NATO and the US had answered the Kremlin": the Kremlin's order, no denial yet.
    as_of = re.search(r"as_of=(2014-05-19T\d\d:\d\dZ)&kind=order_issued", README.read_text())
    assert as_of
    story = f"{server.url}/v1/stories/russian-troops-ukraine-border/timeline"
    then = httpx.get(story, params={"as_of": as_of.group(1), "limit": 1000}, timeout=30).json()["items"]
    later = httpx.get(story, params={"limit": 1000}, timeout=30).json()["items"]
    assert "order_issued" in {item["kind"] for item in then}

    def answers(items: list[dict[str, Any]]) -> list[str]:
        """What NATO or the US said on 19 May."""
        return [
            item["title"]
            for item in items
            if item["reported_at"] >= "2014-05-19"
            and {actor["name"] for actor in item["actors"]} & {"NATO", "United States"}
        ]

    assert answers(then) == [] and answers(later) != []
