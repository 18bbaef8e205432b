"""The Swagger UI at /api/docs/ works offline: every asset it references is served by this app."""

from __future__ import annotations

import re

from django.core.management import call_command
from django.test import Client, override_settings


def test_docs_page_references_only_local_assets_and_each_is_served(tmp_path):
    # Collected and served by whitenoise as in production (run.sh and the Dockerfile collect).
    with override_settings(STATIC_ROOT=tmp_path):
        call_command("collectstatic", "--noinput", "-v0")
        client = Client()
        page = client.get("/api/docs/")
        assert page.status_code == 200
        html = page.content.decode()
        assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
        assets += re.findall(r"""["']([^"']+\.(?:js|css|png))["']""", html)
        assert not [a for a in assets if "//" in a], "docs page loads assets from another host"
        scripts = {a for a in assets if a.startswith("/static/") and a.endswith(".js")}
        assert any("swagger-ui-bundle" in a for a in scripts)
        for asset in {a for a in assets if a.startswith("/static/")}:
            response = client.get(asset)
            assert response.status_code == 200, asset
            assert b"".join(response.streaming_content)
