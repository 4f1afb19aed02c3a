"""An installed Newsline (the Docker image installs the wheel, not the checkout) finds its seed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_NOT_SOURCE = (".git", ".venv", "build", ".newsline", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis")


def test_the_wheel_carries_the_seed_and_installed_code_finds_it(tmp_path: Path) -> None:
    wheels, site, source = tmp_path / "wheels", tmp_path / "site", tmp_path / "source"
    # A copy of the sources, without a build/ left by an earlier build that could hide a missing file.
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(source)], check=True, timeout=300)
    (wheel,) = wheels.glob("newsline-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True, timeout=120)
    probe = (
        "import json, newsline, newsline.seeding as s;"
        "print(json.dumps([newsline.__file__, str(s.DEFAULT_SEED_FILE), s.occurrence_count()]))"
    )
    # Run from elsewhere with the installed copy first on the path, so the checkout is not what answers.
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    module, seed_file, count = json.loads(result.stdout)
    assert Path(module).is_relative_to(site)
    assert Path(seed_file).is_relative_to(site)
    expected = json.loads((ROOT / "seeds" / "occurrences.json").read_text(encoding="utf-8"))
    assert count == len(expected["occurrences"]) > 0
