"""Serving the dashboard to a classroom: offline, silent, with an asset cache nobody can delete.

Solara 1.58.2 as shipped does three things a classroom server should not:

* it reports usage to Mixpanel (and looks up the server's public IP) at start-up;
* ``solara run`` asks the Python package index for a newer Solara first;
* its asset proxy (``solara.server.cdn_helper.get_path``, behind the
  ``/_solara/cdn`` route) runs ``shutil.rmtree`` on any cached *directory* a
  request names, so one GET of ``/_solara/cdn/@widgetti/solara-vuetify-app@10.1.1/dist``
  from any web page on the machine deletes the dashboard's JavaScript; offline
  it never renders again. On a miss it also fetches from the public CDN with no
  timeout and writes the answer into the cache.

:func:`server_command` and :func:`server_environment` start ``solara run``
with the update check and telemetry off; :func:`harden_solara` (called by
``sim/app.py`` when the server loads it, so ``solara run sim/app.py`` is
covered too) turns telemetry off in the running server and replaces the
proxy's lookup by :func:`cached_asset_path`, which serves the installed cache
read-only: a regular file inside the cache, or 404.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "SERVER_ENVIRONMENT",
    "cached_asset_path",
    "harden_solara",
    "server_command",
    "server_environment",
]

#: Environment of the server process: Solara's settings read it at import,
#: before any of our code runs (``solara.server.settings.Telemetry``).
SERVER_ENVIRONMENT = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}


def server_command(app: Path, host: str, port: int) -> list[str]:
    """The ``solara run`` command line that serves ``app``.

    ``--no-check-version`` because the version check runs in ``solara run``
    itself, before the app is loaded, so the app cannot turn it off.
    """
    return [sys.executable, "-m", "solara", "run", str(app), "--host", host,
            "--port", str(port), "--production", "--no-open", "--no-check-version"]  # fmt: skip


def server_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with telemetry turned off."""
    return {**(os.environ if base is None else base), **SERVER_ENVIRONMENT}


def cached_asset_path(base_cache_dir: Path, path: str) -> Path:
    """The cached asset for a ``/_solara/cdn/<path>`` request, read-only.

    A drop-in for ``solara.server.cdn_helper.get_path`` (solara-server 1.58.2)
    that never deletes, writes or fetches: the dashboard's assets are installed
    with ``solara-assets``, and a missing one is a 404, not a network request.

    Parameters
    ----------
    base_cache_dir : Path
        The asset cache (``solara.server.settings.assets.proxy_cache_dir``).
    path : str
        The request path under ``/_solara/cdn/``.

    Returns
    -------
    Path
        A regular file inside ``base_cache_dir``.

    Raises
    ------
    FileNotFoundError
        For a directory, a path leaving the cache, or a missing file (Solara's
        route answers 404).
    """
    base = Path(os.path.normpath(base_cache_dir))
    parts = path.replace("\\", "/").split("/")
    # Upstream's rule: a bare package name means its main script.
    store = Path(path) / "__main.js" if len(parts) == 1 else Path(path)
    candidate = Path(os.path.normpath(base / store))
    # normpath, as upstream's path_is_child_of: no symlink resolution, since
    # editable installs may symlink packages into the cache.
    if base not in candidate.parents or not candidate.is_file():
        raise FileNotFoundError(f"no cached asset {path!r}")
    return candidate


def harden_solara() -> None:
    """Telemetry off and a read-only asset proxy in this (server) process.

    Idempotent. Patches ``solara.server.cdn_helper.get_path`` and the name the
    Starlette server imported from it (``solara.server.starlette.get_path``,
    looked up on every request by ``StaticCdn.lookup_path``) if that module is
    loaded; a later import of it picks up the patched ``cdn_helper`` function.
    """
    import solara.server.cdn_helper as cdn_helper
    import solara.server.settings as settings

    settings.telemetry.mixpanel_enable = False
    cdn_helper.get_path = cached_asset_path
    # Any: we set a name the module has but ModuleType does not declare.
    starlette: Any = sys.modules.get("solara.server.starlette")
    if starlette is not None:
        starlette.get_path = cached_asset_path
