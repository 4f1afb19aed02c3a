"""An installed Newsline (the Docker image installs the wheel, not the checkout) finds its seed,
its explorer and its documentation pages' assets; the wheel builds without a packaging warning."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_NOT_SOURCE = (".git", ".venv", "build", ".newsline", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis")


def test_the_wheel_carries_the_seed_and_installed_code_finds_it(tmp_path: Path) -> None:
    wheels, site, source = tmp_path / "wheels", tmp_path / "site", tmp_path / "source"
    # A copy of the sources, without a build/ left by an earlier build that could hide a missing file.
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = subprocess.run(
        [*pip, "wheel", "--no-deps", "-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    printed = build.stdout + build.stderr
    # setuptools warns when a directory of the code is left out of `packages` (it would not ship).
    assert "absent from the `packages` configuration" not in printed, printed
    assert "would be ignored" not in printed, printed
    (wheel,) = wheels.glob("newsline-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
        metadata = next(name for name in shipped if name.endswith(".dist-info/METADATA"))
        requires = archive.read(metadata).decode()
    desk = ROOT / "api" / "explorer"
    explorer = {f"api/explorer/{file.relative_to(desk)}" for file in desk.rglob("*") if file.is_file()}
    assert {
        "api/explorer/index.html",
        "api/explorer/desk.js",
        "api/explorer/vendor/vis-timeline-graph2d.min.js",
    } <= explorer
    assert explorer <= shipped
    # Swagger UI's and ReDoc's assets are not copied in: they come with this dependency.
    assert "Requires-Dist: fastapi-offline" in requires
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True, timeout=120)
    probe = (
        "import json, newsline, entrypoints.seeding as s, api.routes.explorer as e;"
        "print(json.dumps([newsline.__file__, str(s.DEFAULT_SEED_FILE), s.occurrence_count(), str(e.FILES)]))"
    )
    # Run from elsewhere with the installed copy first on the path, so the checkout is not what answers.
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    module, seed_file, count, explorer_files = json.loads(result.stdout)
    assert Path(module).is_relative_to(site)
    assert Path(explorer_files).is_relative_to(site) and (Path(explorer_files) / "index.html").is_file()
    assert Path(seed_file).is_relative_to(site)
    expected = json.loads((ROOT / "seeds" / "occurrences.json").read_text(encoding="utf-8"))
    assert count == len(expected["occurrences"]) > 0
