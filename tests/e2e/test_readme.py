"""Every curl example in the README works as printed against `make run`'s server."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.e2e.conftest import Server

README = Path(__file__).resolve().parents[2] / "README.md"
# The tokens `make run` sets.
MAKE_RUN_TOKENS = "dev-editor-token:dev:editor,dev-reader-token:guest:reader"


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
    "format=ndjson": '{"story"',
}


def test_readme_curl_examples(server: Server) -> None:
    server.start("--seed", tokens=MAKE_RUN_TOKENS)
    outputs = {}
    for command in curl_examples():
        stdout = run(command, server.url).stdout
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
