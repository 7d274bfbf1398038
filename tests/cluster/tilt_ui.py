"""The Tilt web UI in the machine's headless Chromium, driven by Playwright (no download)."""

import shutil
from pathlib import Path

from harness.prerequisites import missing

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling home, which a closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    missing("no Chromium: install Debian's `chromium` package (apt-get install chromium)")
    raise AssertionError("unreachable")


def check_ui(api_port: int, resources: list[str], buttons: list[str], click: str) -> None:
    """Every resource is listed, each button has its trigger; clicking `click`'s starts it."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{api_port}/overview")
            for name in resources:
                expect(_row(page, name)).to_be_visible(timeout=60_000)
            for name in buttons:
                expect(_trigger(page, name)).to_be_visible()
            _trigger(page, click).click()
            expect(_row(page, click).get_by_text("Updating")).to_be_visible(timeout=30_000)
        finally:
            browser.close()


def screenshot(api_port: int, path: Path) -> None:
    """The overview page as a PNG (the README shows it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{api_port}/overview")
            page.get_by_text("fastapi-service", exact=True).first.wait_for(timeout=60_000)
            page.wait_for_timeout(1000)
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path))
        finally:
            browser.close()


def _row(page, resource: str):
    """The overview table's row of a resource."""
    return page.locator("tr", has=page.get_by_text(resource, exact=True)).first


def _trigger(page, resource: str):
    """The trigger button in a resource's row (its aria-label starts "Trigger update")."""
    return _row(page, resource).locator("button[aria-label^='Trigger update']")
