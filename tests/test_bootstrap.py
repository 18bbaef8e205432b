"""scripts/bootstrap.sh: the embedded default installs without the MySQL driver (no compiler, no
root); the test and production paths install the `mysql` extra. Run against a stand-in venv whose
pip records what it was asked to install, as a user who is not root."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _stand_in(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def checkout(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", tmp_path / "scripts" / "bootstrap.sh")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    _stand_in(venv_bin / "python", "exit 0")
    _stand_in(venv_bin / "pip", f'echo "pip $*" >> {tmp_path}/calls')
    tools = tmp_path / "tools"
    tools.mkdir()
    _stand_in(tools / "id", "echo 1000")  # not root: apt must never run
    _stand_in(tools / "pkg-config", "exit 1")  # no MariaDB headers
    _stand_in(tools / "apt-get", f'echo "apt-get $*" >> {tmp_path}/calls')
    return tmp_path


def bootstrap(checkout: Path, *args: str) -> tuple[subprocess.CompletedProcess, str]:
    env = {**os.environ, "PATH": f"{checkout / 'tools'}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", str(checkout / "scripts" / "bootstrap.sh"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    calls = (checkout / "calls").read_text() if (checkout / "calls").exists() else ""
    return result, calls


def test_the_embedded_default_installs_the_base_without_the_mysql_driver(checkout):
    result, calls = bootstrap(checkout)
    assert result.returncode == 0, result.stderr
    assert "install -q --disable-pip-version-check -e .\n" in calls
    assert "mysql" not in calls and "apt-get" not in calls
    assert "libmariadb" not in result.stderr


@pytest.mark.parametrize(("flag", "extras"), [("--test", ".[test,mysql]"), ("--mysql", ".[mysql]")])
def test_test_and_production_paths_install_the_mysql_extra(checkout, flag, extras):
    result, calls = bootstrap(checkout, flag)
    assert result.returncode == 0, result.stderr
    assert f"-e {extras}\n" in calls
    assert "apt-get" not in calls  # not root: it says what is missing instead
    assert "libmariadb-dev" in result.stderr


def test_the_base_dependencies_leave_out_the_compiled_driver():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.startswith("mysqlclient")]
    assert [d for d in project["optional-dependencies"]["mysql"] if d.startswith("mysqlclient")]
