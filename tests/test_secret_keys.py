"""Outside DEBUG the server refuses the development keys that are in git (anyone could sign a
staff token with them). Each case imports the settings in a fresh interpreter, as a server would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV_KEY = "dev-only-insecure-key-change-me-in-production"


def start_settings(**overrides: str) -> subprocess.CompletedProcess:
    dropped = {"SECRET_KEY", "JWT_SIGNING_KEY", "DEBUG"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(overrides, DJANGO_SETTINGS_MODULE="settings.base")
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "keys",
    [
        {},
        {"SECRET_KEY": DEV_KEY},
        {"SECRET_KEY": "a-real-production-secret", "JWT_SIGNING_KEY": DEV_KEY},
        {"JWT_SIGNING_KEY": "a-real-jwt-key"},
        {"SECRET_KEY": "change-me-in-production", "JWT_SIGNING_KEY": "a-real-jwt-key"},
        {"SECRET_KEY": "a-real-production-secret", "JWT_SIGNING_KEY": "REPLACE_ME-another-value"},
    ],
    ids=[
        "both-unset",
        "secret-is-dev-default",
        "jwt-is-dev-default",
        "secret-unset",
        "secret-is-a-compose-placeholder",
        "jwt-is-a-k8s-placeholder",
    ],
)
def test_without_debug_the_dev_keys_refuse_to_start(keys):
    result = start_settings(DEBUG="false", **keys)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr and "JWT_SIGNING_KEY" in result.stderr


def test_without_debug_real_keys_start():
    result = start_settings(DEBUG="false", SECRET_KEY="a-real-production-secret")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_with_debug_the_dev_keys_start():
    result = start_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
