"""Words, not codes: every page each demo role reaches, walked link by link over the demo data, reads as words.
No snake_case code of ours, no Python repr of a list or dict, no template source reaches a person."""
import re
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from tests.conftest import PASSWORD, Session
from tracker import clock
from tracker.demo import data as demo_data
from tracker.extensions import db

ROLES = ("admin", "director", "superintendent", "staff", "librarian", "viewer")
PER_SHAPE = 2  # pages visited per endpoint and non-id arguments (a second agreement's page reads like the first's)
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
REPR = re.compile(r"[{\[]'")
SKIP_PATHS = ("/static/", "/logout")
NOT_WALKED = {  # GET routes no link of the demo leads a signed-in person to; their words are tested where they are used
    "auth.login", "site.healthz",  # signed in: the sign-in page sends you on; a probe for load balancers
    "calendar.feed", "public_documents.sign",  # secret addresses handed out in a text field or an email
    "agreements.section", "cards.old_drive_address",  # a section alone (htmx asks for it after a swap); an old address
    "documents.download_export", "jobs.show",  # exist once someone starts a job
    "documents.sign", "documents.edit_clause",  # the demo has no draft and no version waiting for its users to sign
    "orgs.edit_contact",  # the walk opens the first organisations' pages only (PER_SHAPE), which have no contacts
    "auth.forgot_password", "auth.set_password",  # signed out: from the sign-in page; a secret emailed address
    "auth.sso_start", "auth.sso_callback",  # the demo configures no single sign-on provider
    "public_documents.copy", "public_documents.revocation_list",  # a signer's secret link; read by PDF validators
    "orgs.logo",  # the demo's organisations have no logo
    "partners.page", "partners.thanks",  # a partner's secret emailed link and where it leads (tests/test_partners.py)
    "families.start", "families.arrive",  # a family's page, from the letter home (tests/test_families.py reads it)
    "letters.download",  # exists once someone prints letters (tests/test_family_letters.py)
}
UNCHECKED = re.compile(
    r"^/clauses"  # the clause library shows clause text as its authors write it, variables between {{ }} (issue 12's)
    r"|^/agreements/\d+/letters/"  # so does a letter's wording, in the same clause language
)


class Reading(HTMLParser):
    """What a person reads on a page (text, labels read aloud, placeholders), and where its links lead.

    Left out: scripts, styles, form fields' own values and <code> (text a person types or a machine reads, such as
    the clause language's variable names). History lists are read: they are sentences (tracker/audit/sentences.py)."""

    QUIET = {"script", "style", "textarea", "template", "code"}
    SPOKEN = ("title", "aria-label", "placeholder", "alt")
    LINKS = ("href", "hx-get", "action")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.links = [], []
        self._quiet: list[list] = []  # [tag, depth] of the element being left out

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in self.VOID:
            if self._quiet and self._quiet[-1][0] == tag:
                self._quiet[-1][1] += 1
            elif not self._quiet and tag in self.QUIET:
                self._quiet.append([tag, 1])
        if not self._quiet:
            self.text += [attrs[a] for a in self.SPOKEN if attrs.get(a)]
        if tag == "form" and (attrs.get("method") or "get").lower() != "get":
            return
        self.links += [attrs[a] for a in self.LINKS if attrs.get(a)]

    def handle_endtag(self, tag):
        if self._quiet and self._quiet[-1][0] == tag:
            self._quiet[-1][1] -= 1
            if not self._quiet[-1][1]:
                self._quiet.pop()

    def handle_data(self, data):
        if not self._quiet:
            self.text.append(data)


def problems_in(text: str) -> list[str]:
    found = [f"code {m.group(0)!r}" for m in SNAKE.finditer(text)]
    found += [f"repr {text[max(m.start() - 30, 0):m.end() + 30]!r}" for m in REPR.finditer(text)]
    found += [f"template source {text[max(m.start() - 30, 0):m.end() + 30]!r}" for m in re.finditer(r"\{\{|\{%", text)]
    return found


def walk(app, session: Session, per_shape: int = PER_SHAPE, pages: dict | None = None) -> tuple[dict[str, list[str]], set[str]]:
    """Breadth first from the dashboard along every same-site GET link; returns problems per URL and endpoints seen.
    `pages`, when given, gets each HTML page's source by URL."""
    adapter = app.url_map.bind("localhost")
    queue, seen, shapes, endpoints, problems = ["/"], set(), {}, set(), {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        parts = urlsplit(url)
        try:
            endpoint, args = adapter.match(parts.path, method="GET")
        except HTTPException:
            continue
        shape = (endpoint, tuple(sorted((k, v) for k, v in args.items() if not isinstance(v, int))),
                 tuple(sorted(k for k in re.findall(r"([^&=?]+)=", parts.query))))
        shapes[shape] = shapes.get(shape, 0) + 1
        if shapes[shape] > per_shape:
            continue
        response = session.get(url)
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append(urlsplit(response.headers["Location"])._replace(scheme="", netloc="").geturl())
            continue
        if response.status_code != 200:
            continue
        endpoints.add(endpoint)
        kind = response.mimetype
        if kind == "text/html":
            reading = Reading()
            reading.feed(response.get_data(as_text=True))
            if pages is not None:
                pages[url] = response.get_data(as_text=True)
            text = " ".join(reading.text)
            for link in reading.links:
                link = urldefrag(link)[0]
                if link.startswith("/") and not link.startswith(SKIP_PATHS):
                    queue.append(link)
        elif kind in ("text/csv", "text/calendar", "text/plain"):
            text = response.get_data(as_text=True)
        else:
            continue  # PDFs and spreadsheets are read by their own tests
        if UNCHECKED.search(parts.path):
            continue
        found = problems_in(text)
        if found:
            problems[url] = sorted(set(found))[:8]
    return problems, endpoints


@pytest.fixture
def demo(app):
    demo_data.seed(PASSWORD, clock.today())
    db.session.commit()


def test_every_page_of_every_role_reads_as_words(app, demo, subtests):
    reached = set()
    for role in ROLES:
        with subtests.test(role=role):
            problems, endpoints = walk(app, Session(app.test_client(), f"{role}@demo.test"))
            reached |= endpoints
            assert not problems, "\n".join(f"{url}: {', '.join(found)}" for url, found in problems.items())

    get_routes = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"}
    assert get_routes - reached <= NOT_WALKED, sorted(get_routes - reached - NOT_WALKED)


# ---- the sentences the walk cannot judge --------------------------------------------------------

def test_counts_agree_with_their_nouns(world, login):
    from datetime import date as day

    from tests.card_fixtures import SETUP, import_roster, set_up_cards, users_csv
    from tracker.cards import optouts

    set_up_cards(world)
    import_roster(world, users_csv([("n-1", "sch-north", "Ann", "Lee", "03", "1001")]))
    optouts.record(SETUP, world.agreements["own"].id, ["1001"], day(2026, 9, 2), "", None)
    page = login(world.emails["library_staff"]).get(f"/agreements/{world.agreements['own'].id}/roster").get_data(as_text=True)
    assert "1 student on the roster" in page and "1 opt-out recorded." in page
    assert "1 opt-outs" not in page and "1 students" not in page


@pytest.mark.parametrize("capacity, asked", [("signs", "You are asked to sign the document"),
                                             ("attests", "You are asked to attest the document"),
                                             ("form", "You are asked to approve as to form the document")])
def test_an_invitation_asks_in_the_right_grammar(app, capacity, asked):
    from types import SimpleNamespace

    from flask import render_template

    from tracker.documents.models import Signatory

    signatory = Signatory(name="Olive Outside", capacity=capacity)
    version = SimpleNamespace(document=SimpleNamespace(title="Card MOU", agreement=SimpleNamespace(title="Lakeside")),
                              label="Original")
    with app.test_request_context():
        text = render_template("documents/mail/invitation.txt", signatory=signatory, version=version, link="x", days=14,
                               reminder=False)
    assert asked in text


def test_a_key_dates_label_is_said_once(world, login):
    from datetime import timedelta

    from tracker import clock
    from tracker.milestones.models import Milestone

    own = world.agreements["own"]
    db.session.add(Milestone(agreement_id=own.id, title="Forms home", due_date=clock.today() + timedelta(days=5)))
    db.session.commit()
    page = login(world.emails["library_staff"]).get(f"/agreements/{own.id}/key-dates").get_data(as_text=True)
    assert page.count("Milestone due") == 1 and "Milestone due: Forms home" in page
