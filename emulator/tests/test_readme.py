"""The README's examples run as written: the in-process block, and the example test under the plugin."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_the_in_process_example_runs():
    block = next(b for b in BLOCKS if "emu = Emulator()" in b)
    lines = block.splitlines()
    refused = next(i for i, line in enumerate(lines) if "APIError: 403" in line)
    ns: dict = {}
    exec(compile("\n".join(lines[:refused]), "README.md", "exec"), ns)  # noqa: S102
    assert ns["reader"].open_by_key(ns["sh"].id).sheet1.get_all_values() == [["item", "cost"], ["rent", "1200"]]
    import gspread
    import pytest

    with pytest.raises(gspread.exceptions.APIError) as e:
        exec(compile(lines[refused], "README.md", "exec"), ns)  # noqa: S102
    assert e.value.response.status_code == 403


def test_the_example_test_passes_under_the_plugin(tmp_path):
    example = next(b for b in BLOCKS if "def test_" in b)
    (tmp_path / "test_example.py").write_text(example)
    (tmp_path / "pytest.ini").write_text("[pytest]\ngsheets_emulator_validate = true\n")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_example.py"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "1 passed" in r.stdout, r.stdout + r.stderr
