"""Real-browser tests: the Debian Chromium driven by Playwright (async), against a real
server started in-process with the integration harness.

The browser is launched once per run and every test gets fresh contexts (cookies,
storage) from it. All tests here share the session's event loop, because the browser
lives there. No browser is ever downloaded: Chromium comes from apt (see .ci/browser).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.integration.conftest import _make_backend, migrated_postgres, settings_for
from tests.integration.harness import Backend, Harness, running_server
from tests.services import services_required

playwright_api = pytest.importorskip("playwright.async_api")
axe_module = pytest.importorskip("axe_playwright_python.async_playwright")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
COOKIE_NAME = "dialoog_session"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run this folder's tests in the session loop, where the shared browser lives."""
    marker = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(marker, append=False)


@pytest.fixture(scope="session")
def postgres_test_url() -> Iterator[str]:
    """This folder's own migrated Postgres database (the integration suite has another)."""
    with migrated_postgres(f"dialoog_browser_{os.getpid()}") as url:
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    """One headless Chromium for the whole run."""
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - once per run, before any I/O matters
        message = f"{CHROMIUM} is missing: apt-get install chromium (see .ci/browser)"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    async with playwright_api.async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@dataclass
class Site:
    """A running server with a bootstrapped dialogue, and browser helpers against it."""

    harness: Harness
    browser: Any
    contexts: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return self.harness.base

    @property
    def slug(self) -> str:
        return self.harness.slug

    @property
    def theme_url(self) -> str:
        return f"{self.base}/#/d/{self.slug}/thema/{self.harness.theme_id}"

    async def context(self, token: str | None = None, **options: Any) -> Any:
        """A fresh browser context, logged in when a session token is given."""
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "nl-NL")
        options.setdefault("timezone_id", "Europe/Amsterdam")
        context = await self.browser.new_context(**options)
        context.set_default_timeout(8000)
        if token:
            await context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": self.base}])
        self.contexts.append(context)
        return context

    async def page(self, token: str | None = None, **options: Any) -> Any:
        """A page in a fresh context; uncaught page errors fail the test at teardown."""
        context = await self.context(token, **options)
        page = await context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        return page

    async def connected(self, page: Any) -> None:
        """Wait until the page's connection indicator honestly says it is connected."""
        await playwright_api.expect(page.locator("#conn")).to_have_text("Verbonden")

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


async def check_accessibility(page: Any, name: str, rules: list[str] | None = None) -> None:
    """axe-core on the page as it is now: no WCAG 2.1 A/AA violation (or of `rules` only)."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(axe_module.Axe().axe_script)  # once per document, not per run
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_TAGS}
    options = {"runOnly": only, "resultTypes": ["violations"]}
    response = await page.evaluate("options => axe.run(document, options)", options)
    results = axe_module.AxeResults(response)
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


async def audit(page: Any, name: str, shots: bool = True) -> None:
    """axe in light and dark (dark: the colour rules, the only ones a scheme changes),
    with a screenshot of each."""
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        rules = None if scheme == "light" else ["color-contrast", "link-in-text-block"]
        await check_accessibility(page, f"{name}-{scheme}", rules)
        if shots:
            await screenshot(page, f"{name}-{scheme}")
    await page.emulate_media(color_scheme="light")


async def screenshot(page: Any, name: str, full_page: bool = True) -> Path:
    """Save a screenshot to artifacts/screenshots/NAME.png (not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


async def _serve(browser: Any, backend: Backend) -> AsyncIterator[Site]:
    settings = settings_for(backend)
    async with running_server(settings) as base, Harness(base, settings) as harness:
        await harness.bootstrap()
        site = Site(harness, browser)
        try:
            yield site
        finally:
            await site.close()
        assert site.errors == [], site.errors


@pytest.fixture
def embedded(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """The embedded backend (SQLite, in-process broker), fresh per test."""
    return _make_backend("embedded", request, tmp_path)


@pytest.fixture(params=["embedded", "services"])
def any_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Both backends: embedded, and Postgres + Redis."""
    return _make_backend(request.param, request, tmp_path)


@pytest_asyncio.fixture(loop_scope="session")
async def site(browser: Any, embedded: Backend) -> AsyncIterator[Site]:
    """A server on the embedded backend with an admin, a dialogue (Verrijken open), a theme."""
    async for running in _serve(browser, embedded):
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def live_site(browser: Any, any_backend: Backend) -> AsyncIterator[Site]:
    """The same on each backend."""
    async for running in _serve(browser, any_backend):
        yield running
