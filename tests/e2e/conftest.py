"""Browser fixtures: the session's app served on a free port, Debian's Chromium driven by Playwright,
a fresh browser context per test, the demo partnership seeded per test, and helpers that act as a user."""
import datetime
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import event, select
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tracker import clock
from tracker.agreements.models import Agreement
from tracker.demo import data as demo_data
from tracker.extensions import db
from tracker.orgs.models import Organisation

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"

expect.set_options(timeout=5_000)


# ---- the app, served for real ----------------------------------------------------------------

def _commit_without_waiting_for_disk(dbapi_connection, _record):
    """Test databases need not survive a power cut: skip the fsync on commit (durability only;
    locking and isolation are unchanged). The demo seed commits ~30 times per test."""
    cursor = dbapi_connection.cursor()
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()
    else:
        cursor.execute("SET synchronous_commit TO off")
        cursor.close()
        dbapi_connection.commit()


@pytest.fixture(scope="session")
def fast_commits(app):
    with app.app_context():
        engine = db.engine
        event.listen(engine, "connect", _commit_without_waiting_for_disk)
        engine.dispose()  # pooled connections reconnect with the setting
    yield
    with app.app_context():
        event.remove(engine, "connect", _commit_without_waiting_for_disk)
        engine.dispose()


@pytest.fixture(scope="session")
def live_server(app, fast_commits):
    """The session's app on 127.0.0.1 and a free port, in a daemon thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


# ---- the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium is missing: the browser tests need Debian's Chromium at {CHROMIUM} "
            "(apt-get install chromium). They never download a browser.",
            pytrace=False,
        )
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:  # a broken install must fail, not skip
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}", pytrace=False)
        yield browser
        browser.close()


@dataclass
class Problems:
    """What went wrong in the browser while a test ran; checked when the test ends."""

    server_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


def _context(browser, live_server, problems: Problems, **options):
    context = browser.new_context(base_url=live_server, **{"locale": "en-US", **options})  # a browser in English

    def on_response(response):
        if response.status >= 500:
            problems.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    context.on("response", on_response)
    context.set_default_timeout(10_000)  # a missing element fails in seconds, not the default 30
    return context


@pytest.fixture
def problems():
    return Problems()


@pytest.fixture
def new_page(browser, live_server, problems):
    """new_page(**context_options) -> a Page in a fresh context (own cookies); all closed after the test.

    The test fails if the server answered 5xx or a page raised a JavaScript error.
    """
    contexts = []

    def make(**options) -> Page:
        context = _context(browser, live_server, problems, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
        page.on("console", lambda message: "Content Security Policy" in message.text
                and problems.page_errors.append(f"CSP violation: {message.text}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems.server_errors, f"server errors: {problems.server_errors}"
    assert not problems.page_errors, f"JavaScript errors: {problems.page_errors}"


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


# ---- the demo partnership --------------------------------------------------------------------

@dataclass
class Demo:
    agreements: dict[str, int]  # title -> id
    orgs: dict[str, int]  # name -> id


MOU = "Student Library Card Partnership MOU"
CLASS_VISITS = "Lincoln Elementary Class Visits"
DATA_SHARING = "Student Data-Sharing Agreement"
JOINT_USE = "Jefferson Middle Joint-Use Library Space"

# email -> (name shown in the header, role label shown beside it)
DEMO_ACCOUNTS = {
    "admin@demo.test": ("Alex Admin", "Admin"),
    "director@demo.test": ("Dana Director", "Administrator"),
    "superintendent@demo.test": ("Sam Superintendent", "Administrator"),
    "staff@demo.test": ("Stacy Youth Services", "Library staff"),
    "librarian@demo.test": ("Lee Librarian", "School librarian"),
    "viewer@demo.test": ("Val Viewer", "Viewer"),
}


@pytest.fixture
def demo(app, fast_commits) -> Demo:
    """The demo partnership (tables are emptied after every test, so it is seeded per test)."""
    with app.app_context():
        demo_data.seed(PASSWORD, clock.today())
        db.session.commit()
        agreements = dict(db.session.execute(select(Agreement.title, Agreement.id)).all())
        orgs = dict(db.session.execute(select(Organisation.name, Organisation.id)).all())
    return Demo(agreements=agreements, orgs=orgs)


def demo_today() -> datetime.date:
    """The demo's day, which the app checks a date typed by a demo person against: its organisations are in
    California, so between midnight in New York (the tests' zone) and midnight there it is still yesterday."""
    return datetime.datetime.now(ZoneInfo(demo_data.TIME_ZONE)).date()


# ---- acting as a user ------------------------------------------------------------------------

def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would, and wait for the dashboard."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


@pytest.fixture
def signed_in(new_page, demo):
    """signed_in(email, **context_options) -> a Page signed in as that demo account."""

    def make(email: str, **options) -> Page:
        page = new_page(**options)
        sign_in(page, email)
        return page

    return make


def mark_document(page: Page) -> None:
    """Set a marker that only survives while the document is not reloaded."""
    page.evaluate("window.__marker = 1")


def still_same_document(page: Page) -> bool:
    return page.evaluate("window.__marker === 1")


# ---- accessibility ---------------------------------------------------------------------------

def axe_violations(page: Page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the page as it is now; the violations of the given impacts."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through DevTools rather than as a <script>: the app's Content-Security-Policy
        # (rightly) refuses inline scripts.
        page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in impacts]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"        {summary[:400]}")
    return "\n".join(lines)
