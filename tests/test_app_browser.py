"""The dashboard end to end: served on localhost, driven in Debian's chromium by Playwright."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: .ci/run should have installed it")
        pytest.skip("Debian's chromium is not installed here (apt-get install chromium)")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "app", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the app starts solara as a child: stop the whole group
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
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def _images(page) -> list[bytes]:
    """Pixels of the drawn figures (matplotlib PNGs shown as <img>), as screenshots."""
    figures = page.locator("img").filter(has_not_text="x")  # every <img>
    shots = []
    for k in range(figures.count()):
        img = figures.nth(k)
        if img.evaluate("e => e.naturalWidth") > 300:  # figures, not icons
            shots.append(img.screenshot())
    return shots


def _step(page, times: int, start: int) -> None:
    step = page.get_by_role("button", name="Step")
    for k in range(times):
        step.click()
        page.get_by_text(f"Year: {start + k}").wait_for(timeout=30_000)


def test_dashboard_steps_draws_and_responds_to_a_lever(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1100})
        page.goto(server)
        page.get_by_text("Year: not started").wait_for(timeout=60_000)

        _step(page, 5, 1993)  # iss_era starts in 1993
        page.wait_for_timeout(500)
        before = _images(page)
        assert len(before) >= 2, "network and time series drawn"

        # Move the treaty lever with the keyboard, apply it with Reset, run again.
        treaty = page.locator(".v-input", has_text="Treaty").locator("[role=slider]").first
        treaty.focus()
        for _ in range(12):
            treaty.press("ArrowRight")
        page.get_by_role("button", name="Reset").click()
        page.get_by_text("Year: not started").wait_for(timeout=30_000)
        _step(page, 5, 1993)
        page.wait_for_timeout(500)
        after = _images(page)
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        browser.close()
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    assert after != before, "the treaty lever changed what is plotted"
