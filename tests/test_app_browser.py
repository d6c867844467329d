"""The dashboard end to end: served on localhost, driven in Debian's chromium by Playwright.

The server runs as ``spacecoop app`` would in a classroom, with two changes that
let the tests watch it: its asset cache is a hard-linked copy (a request that
deleted assets would delete only the copy), and its HTTP(S) proxy is a trap on
localhost that records any request the server tries to send out.
"""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1600, "height": 1100}

pytestmark = pytest.mark.slow


@dataclass
class Server:
    url: str
    port: int
    cache: Path
    pid: int
    outbound: list[str] = field(default_factory=list)  # first lines sent to the trap


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proxy_trap(outbound: list[str]) -> int:
    """A listener posing as an HTTP proxy: it records each request line and hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(2)
                try:
                    outbound.append(conn.recv(200).decode("latin-1").split("\r\n")[0])
                except OSError:
                    outbound.append("(connection, no request line)")

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def _cache_copy(dest: Path) -> Path:
    import solara.server.settings as settings

    source = settings.assets.proxy_cache_dir
    shutil.copytree(source, dest, copy_function=os.link)  # hard links: fast, same bytes
    return dest


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: .ci/run should have installed it")
        pytest.skip("Debian's chromium is not installed here (apt-get install chromium)")
    port = _free_port()
    outbound: list[str] = []
    trap = f"http://127.0.0.1:{_proxy_trap(outbound)}"
    cache = _cache_copy(tmp_path_factory.mktemp("assets") / "cdn")
    env = {k: v for k, v in os.environ.items() if k.lower() not in {"no_proxy", "all_proxy"}}
    env.update(http_proxy=trap, https_proxy=trap, HTTP_PROXY=trap, HTTPS_PROXY=trap,
               SOLARA_ASSETS_PROXY_CACHE_DIR=str(cache))  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "app", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # stop whatever the app starts with its group
    )
    url = f"http://localhost:{port}/"
    deadline = time.time() + 90
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                os.killpg(proc.pid, signal.SIGTERM)
                pytest.fail("the dashboard did not start")
            time.sleep(0.5)
    yield Server(url=url, port=port, cache=cache, pid=proc.pid, outbound=outbound)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def _session(browser, server: Server, offsite: list[str]):
    """A new browser session (its own cookies) on the dashboard, offline but for localhost."""
    context = browser.new_context(viewport=VIEWPORT)

    def local_only(route) -> None:
        if route.request.url.startswith(("http://localhost:", "ws://localhost:")):
            route.continue_()
        else:
            offsite.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    page.goto(server.url)
    page.get_by_text("Year: not started").wait_for(timeout=60_000)
    return page


#: SHA-256 of each drawn figure: the PNG bytes matplotlib sent, behind the <img>'s blob URL.
_DIGESTS = """async () => {
  const figures = [...document.images].filter(e => e.complete && e.naturalWidth > 300);
  const digest = async e => {
    const bytes = await (await fetch(e.src)).arrayBuffer();
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return [...hash].map(x => x.toString(16).padStart(2, "0")).join("");
  };
  return Promise.all(figures.map(digest));
}"""


def _figures(page) -> list[str]:
    """The network and time-series figures as drawn, once both are there and settled."""
    last, deadline = None, time.time() + 30
    while time.time() < deadline:
        now = page.evaluate(_DIGESTS)
        if len(now) >= 2 and now == last:
            return now
        last = now
        page.wait_for_timeout(300)
    raise AssertionError(f"the figures did not settle: {last}")


def _year(page) -> str:
    return page.get_by_text("Year:").first.inner_text()


def _step(page, times: int, start: int) -> None:
    step = page.get_by_role("button", name="Step")
    for k in range(times):
        step.click()
        page.get_by_text(f"Year: {start + k}").wait_for(timeout=30_000)


def _slider(page, label: str):
    return page.locator(".v-input", has_text=label).locator("[role=slider]").first


def test_two_sessions_step_reset_and_stop_apart(server, browser, tmp_path):
    offsite: list[str] = []
    a, b = _session(browser, server, offsite), _session(browser, server, offsite)
    b_fresh = _figures(b)

    _step(a, 5, 1993)  # iss_era runs 1993-2020
    a_drawn = _figures(a)
    assert len(a_drawn) >= 2, "network and time series drawn"
    assert _year(b) == "Year: not started" and _figures(b) == b_fresh

    _step(b, 2, 1993)
    b_drawn = _figures(b)
    assert _year(a) == "Year: 1997" and _figures(a) == a_drawn

    # A moves the treaty lever, applies it with Reset and runs again; B is untouched.
    treaty = _slider(a, "Treaty")
    treaty.focus()
    for _ in range(12):
        treaty.press("ArrowRight")
    a.get_by_role("button", name="Reset").click()
    a.get_by_text("Year: not started").wait_for(timeout=30_000)
    assert _year(b) == "Year: 1994" and _figures(b) == b_drawn
    _step(a, 5, 1993)
    assert _figures(a) != a_drawn, "the treaty lever changed what is plotted"

    # B asks for 100 years in one Step: the run stops at 2020 and says so.
    interval = _slider(b, "Render Interval")
    interval.focus()
    interval.press("End")
    b.get_by_role("button", name="Step").click()
    b.get_by_text("Year: 2020, the last year of this scenario").wait_for(timeout=60_000)
    b.wait_for_timeout(500)
    assert b.get_by_role("button", name="Step").is_disabled()
    assert _year(a) == "Year: 1997"
    b.screenshot(path=str(tmp_path / "session_b.png"), full_page=True)

    # Play stops there too, and Reset starts B again.
    b.get_by_role("button", name="Reset").click()
    b.get_by_text("Year: not started").wait_for(timeout=30_000)
    b.get_by_role("button", name="▶").click()
    b.get_by_text("Year: 2020, the last year of this scenario").wait_for(timeout=60_000)
    b.wait_for_timeout(1500)  # a few play intervals: nothing moves
    assert _year(b).startswith("Year: 2020,") and _year(a) == "Year: 1997"
    assert b.get_by_role("button", name="Step").is_disabled()

    a.screenshot(path=str(tmp_path / "session_a.png"), full_page=True)
    assert min((tmp_path / f"session_{s}.png").stat().st_size for s in "ab") > 10_000
    assert offsite == [], "the page asked for something beyond localhost"
    assert server.outbound == [], "the server tried to reach the network"


def _tree(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


#: What one hostile page could send: a cached directory, with a slash, through
#: "..", percent-encoded, a bare package and a file that is not there.
HOSTILE = [
    "@widgetti/solara-vuetify-app@10.1.1/dist",
    "@widgetti/solara-vuetify-app@10.1.1/dist/",
    "@widgetti/solara-vuetify-app@10.1.1",
    "@widgetti/x/../solara-vuetify-app@10.1.1/dist",
    "@widgetti/solara-vuetify-app@10.1.1/%2e%2e/solara-vuetify-app@10.1.1/dist",
    "@widgetti/../../cdn",
    "@widgetti",
    "@widgetti/solara-vuetify-app@10.1.1/dist/missing.js",
]


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("localhost", port, timeout=30)
    conn.request("GET", path)  # sent as written: no client-side normalisation of ".."
    status = conn.getresponse().status
    conn.close()
    return status


def test_hostile_asset_requests_leave_the_cache_and_the_page_intact(server, browser):
    before = _tree(server.cache)
    assert len(before) > 1000
    for path in HOSTILE:
        assert _get(server.port, f"/_solara/cdn/{path}") == 404, path
    assert _tree(server.cache) == before
    css = "/_solara/cdn/@widgetti/solara-vuetify-app@10.1.1/dist/main8.css"
    assert _get(server.port, css) == 200

    offsite: list[str] = []
    page = _session(browser, server, offsite)  # renders, offline, after the attack
    _step(page, 1, 1993)
    assert len(_figures(page)) >= 2
    assert offsite == [] and server.outbound == []


def test_the_app_command_becomes_the_server_with_telemetry_off(server):
    # exec, not a child: stopping the command stops the server, whatever the signal.
    proc = Path(f"/proc/{server.pid}")
    argv = (proc / "cmdline").read_bytes().split(b"\0")
    assert b"solara" in argv and b"--no-check-version" in argv
    assert b"SOLARA_TELEMETRY_MIXPANEL_ENABLE=False" in (proc / "environ").read_bytes().split(b"\0")
    children = [(t / "children").read_text().split() for t in (proc / "task").iterdir()]
    assert not any(children), "the server started a process of its own"
