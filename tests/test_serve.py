"""Serving the dashboard: a read-only asset cache, no telemetry, no update check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.serve import (
    SERVER_ENVIRONMENT,
    cached_asset_path,
    harden_solara,
    server_command,
    server_environment,
)

APP = Path(__file__).parents[1] / "sim" / "app.py"

#: Requests that name a directory, leave the cache or miss: upstream deletes
#: the first three and fetches the others from the public CDN.
HOSTILE = [
    "@widgetti/solara-vuetify-app@10.1.1/dist",
    "@widgetti/solara-vuetify-app@10.1.1/dist/",
    "@widgetti/solara-vuetify-app@10.1.1",
    "@widgetti/solara-vuetify-app@10.1.1/dist/../dist",
    "@widgetti/../../cdn",
    "../../../etc/passwd",
    "@widgetti/solara-vuetify-app@10.1.1/dist/missing.js",
    "@widgetti",
    "",
]


@pytest.fixture
def cache(tmp_path) -> Path:
    """A small asset cache laid out as solara-assets installs it."""
    dist = tmp_path / "cdn" / "@widgetti" / "solara-vuetify-app@10.1.1" / "dist"
    dist.mkdir(parents=True)
    (dist / "main8.css").write_text("body {}")
    (tmp_path / "cdn" / "requirejs@2.3.6").mkdir()
    (tmp_path / "cdn" / "requirejs@2.3.6" / "__main.js").write_text("define()")
    (tmp_path / "secret").write_text("outside the cache")
    return tmp_path / "cdn"


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_cached_files_are_found_and_bare_names_mean_main(cache):
    css = cache / "@widgetti/solara-vuetify-app@10.1.1/dist/main8.css"
    assert cached_asset_path(cache, "@widgetti/solara-vuetify-app@10.1.1/dist/main8.css") == css
    assert cached_asset_path(cache, "requirejs@2.3.6") == cache / "requirejs@2.3.6/__main.js"


@pytest.mark.parametrize("path", HOSTILE)
def test_no_request_deletes_leaves_or_fetches(cache, path):
    before = _tree(cache.parent)
    with pytest.raises(FileNotFoundError):
        cached_asset_path(cache, path)
    assert _tree(cache.parent) == before


def test_solaras_cdn_route_uses_the_read_only_lookup(cache, monkeypatch):
    import solara.server.settings as settings
    from solara.server.starlette import StaticCdn

    harden_solara()
    monkeypatch.setattr(settings.assets, "proxy_cache_dir", cache)
    route = StaticCdn(directory=cache)
    before = _tree(cache.parent)
    for path in HOSTILE:
        assert route.lookup_path(path) == ("", None), path  # Starlette answers 404
    assert _tree(cache.parent) == before
    found, stat = route.lookup_path("@widgetti/solara-vuetify-app@10.1.1/dist/main8.css")
    assert Path(found).read_text() == "body {}" and stat.st_size == 7


def _python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    return done.stdout.strip()


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SOLARA_TELEMETRY")}


@pytest.mark.slow
def test_the_server_environment_turns_telemetry_off_before_solara_reads_it():
    code = "import solara.server.settings as s; print(s.telemetry.mixpanel_enable)"
    assert _python(code, _clean_environment()) == "True"  # Solara's default
    assert _python(code, server_environment(_clean_environment())) == "False"
    assert server_environment({"PATH": "/bin"}) == {"PATH": "/bin", **SERVER_ENVIRONMENT}


@pytest.mark.slow
def test_loading_the_app_like_solara_run_turns_telemetry_off_and_guards_the_cache():
    # ``solara run sim/app.py`` imports its server first, then runs the file as __main__.
    code = (
        "import runpy, solara.server.starlette as st, solara.server.settings as s;"
        f"runpy.run_path({str(APP)!r}, run_name='__main__');"
        "print(s.telemetry.mixpanel_enable, st.get_path.__module__)"
    )
    assert _python(code, _clean_environment()) == "False sim.serve"


def test_the_server_command_skips_the_version_check_and_solara_accepts_it():
    from solara.__main__ import run

    cmd = server_command(APP, "localhost", 8765)
    assert cmd[:4] == [sys.executable, "-m", "solara", "run"]
    params = run.make_context("run", cmd[4:]).params
    assert params["check_version"] is False
    assert params["production"] and not params["open"] and params["port"] == 8765
