"""Headless Debian Chromium driven by Playwright, as the page tests use it.

Playwright's sync API runs an event loop in the test's thread, and Django refuses database
calls beside one: tests read and change the database outside a `chromium_page()` block, or
from another thread (`off_loop`).
"""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from django.db import connections
from playwright.sync_api import Page, Response, ViewportSize, sync_playwright

from tests.processes import ROOT

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "var" / "screenshots"  # git-ignored; look at them after a run
WALL = ViewportSize(width=1920, height=1080)
TABLET = ViewportSize(width=800, height=1280)
T = TypeVar("T")


@contextmanager
def chromium_page(
    viewport: ViewportSize = WALL, locale: str = "en-US"
) -> Iterator[tuple[Page, list[str]]]:
    """A page and the failures seen on it: script errors, console errors, refused requests
    to our own server and any request that tried to leave it (a control room has no CDN).
    `locale` is the browser's language (Accept-Language), which a signed-out page follows."""
    failures: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport=viewport, locale=locale)
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda e: failures.append(f"script error: {e}"))
            page.on(
                "console",
                lambda m: (
                    failures.append(f"console {m.type}: {m.text}") if m.type == "error" else None
                ),
            )
            page.on("response", lambda r: failures.extend(_refused(r)))
            page.on(
                "request",
                lambda r: (
                    failures.append(f"left the server: {r.url}")
                    if not r.url.startswith(
                        ("http://localhost", "http://127.0.0.1", "data:", "blob:")
                    )
                    else None
                ),
            )
            yield page, failures
        finally:
            browser.close()


def _refused(response: Response) -> list[str]:
    if response.status >= 400:
        return [f"{response.status} {response.request.method} {response.url}"]
    return []


def sign_in(page: Page, base: str, username: str, path: str) -> None:
    """Open `path`, sign in on the login form it sends us to, and land back on it."""
    page.goto(f"{base}{path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{path}")


def off_loop(work: Callable[[], T]) -> T:
    """Run database work from a test that has a browser open (another thread, own connection)."""

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
