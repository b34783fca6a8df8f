"""No input breaks it: hostile values in every path parameter, query parameter and form field of every route of the
URL map, sent as each role, never end in a 500 (nor in an exception the test client would turn into one).

Nothing here is a hand-kept list of routes or fields. The routes are the app's URL map (filled in by
tests/routes.py, as for the permission matrix). The fields are found by asking the app: each route is requested
once, as the admin, and every form the view builds (through the one form flow or as a list's query form) is
recorded with its fields, their types, choices and shown values, together with every query or form name the
view reads from the request. Hypothesis then draws, with a fixed seed (derandomize), the role, the path values
(the real ones, other organisations' ids, ids too large for any column, text with control characters) and a
value for each field: what the form showed, one of its choices, or something hostile (NUL and other control
characters, huge and negative numbers, inf/nan/1e400, over-long text, invalid UTF-8, wrong types).

Jobs a request starts are recorded but not run (their runner's thread would use the test's connection); running
them is tests/test_jobs.py's and the documents tests' business.
"""
import io
import os
import re
import time
from collections import defaultdict
from types import SimpleNamespace
from urllib.parse import quote_from_bytes

import pytest
from flask import has_request_context, request
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import BooleanField, DateField, EmailField, FileField, FormField, IntegerField, SelectFieldBase
from wtforms.form import BaseForm

from tracker.auth.permissions import ADMIN, ROLES, Relation
from tracker.forms import fields_of
from tests.routes import all_routes, url_for

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))  # per route and role
BUDGET_SECONDS = 180  # per database, from the first route to the last: CPU seconds of this process, so that others'
# tests on a shared machine do not fail it (an idle two-core machine takes about as long in wall time)
_started: list[float] = []

HOSTILE_INTS = ["0", "-1", "-2147483649", "2147483647", "2147483648", "9223372036854775808", str(2**70), "9" * 400,
                "1e400", "inf", "-inf", "nan", "1.5", "0x10", " 7 ", "٣"]
HOSTILE_TEXT = ["", " ", "\x00", "a\x00b", "Fuzzed\x00text", "\x00" * 300, "Fuzzed\x07text", "Fuzzed\x1ftext", "\x01\x1b[31m\x7f", "\t\n\r", "\u202eevil", "\ud7ff\ufffd\ufeff", "😀" * 50,
                "x" * 301, "y" * 5001, "'; DROP TABLE agreement; --", "<script>alert(1)</script>", "{{ 7*7 }}",
                "=HYPERLINK(\"x\")", "../../etc/passwd", "None", "null", "[]", "true"]
HOSTILE_BYTES = [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"%00", b"\x00" * 3]  # invalid UTF-8 and raw NULs
HOSTILE_DATES = ["0000-00-00", "9999-12-31", "10000-01-01", "2027-02-30", "-2027-01-01", "2027-1-1"]
HOSTILE_PATH = ["0", "2147483648", str(2**70), "9" * 50, "%00", "%01", "..", "x" * 300, "%ff", "%C3%28"]

ROUTES = [r for r in all_routes(__import__("tracker").create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))]


# ---- what each route reads: found by asking the app ------------------------------------------------------------

class Found:
    """For one endpoint: the form fields its views built (name -> (type, choices, shown value)) and the names read
    from the query string and the form body."""

    def __init__(self):
        self.fields: dict[str, tuple[type, list[str], str]] = {}
        self.read: set[str] = set()
        self.forms: list = []  # built during the probe; read once the view has set their choices

    def learn(self) -> None:
        for form in self.forms:
            for field in fields_of(form):
                if field.type == "CSRFTokenField" or isinstance(field, FormField):
                    continue
                choices = []
                if isinstance(field, SelectFieldBase) and getattr(field, "choices", None) is not None:
                    choices = [str(value) for value, *_rest in field.iter_choices()]
                shown = field._value() if hasattr(field, "_value") else field.data
                if isinstance(shown, (list, tuple)):  # a multiple choice: its first value
                    shown = shown[0] if shown else ""
                self.fields[field.name] = (type(field), choices, "" if shown is None else str(shown))
        self.forms.clear()


FOUND: dict[str, Found] = defaultdict(Found)


class RecordingArgs(ImmutableMultiDict):
    """The request's query string or form, noting each name a view asks for."""

    def _note(self, key):
        if has_request_context() and isinstance(key, str) and request.endpoint:
            FOUND[request.endpoint].read.add(key)

    def get(self, key, *args, **kwargs):
        self._note(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key, *args, **kwargs):
        self._note(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


def _recording_process(original):
    def process(form, *args, **kwargs):
        original(form, *args, **kwargs)
        if has_request_context() and request.endpoint:
            FOUND[request.endpoint].forms.append(form)
    return process


@pytest.fixture
def recording(app, monkeypatch):
    monkeypatch.setattr(app.request_class, "parameter_storage_class", RecordingArgs)
    monkeypatch.setattr(BaseForm, "process", _recording_process(BaseForm.process))
    from tracker.jobs import service as jobs

    class Recorded:  # a job's runner, not started (see the module's docstring)
        def __init__(self, *args, **kwargs):
            pass

        def start(self):
            pass

    # only the jobs module's threads: others (the rate limiter's timers) go on as they are
    monkeypatch.setattr(jobs, "threading", SimpleNamespace(Thread=Recorded))
    yield


# ---- what to send ------------------------------------------------------------------------------------------------

def _text_value():
    return st.one_of(st.sampled_from(HOSTILE_TEXT), st.sampled_from(HOSTILE_TEXT[:8]), st.sampled_from(HOSTILE_INTS),
                     st.sampled_from(HOSTILE_BYTES), st.text(max_size=30))


def _plausible(kind: type, choices: list[str], shown: str) -> str:
    """What a careful person would send: what the form showed, else its first real choice, else a fitting value."""
    if shown and shown != "None":
        return shown
    if [c for c in choices if c]:
        return next(c for c in choices if c)
    if issubclass(kind, IntegerField):
        return "1"
    if issubclass(kind, DateField):
        return "2027-01-15"
    if issubclass(kind, BooleanField):
        return "y"
    if issubclass(kind, EmailField):
        return "fuzz@example.org"
    return "Fuzzed text, long enough"  # passes minimum lengths (a password: 12)


def _hostile(kind: type):
    """Something hostile for a field of this type."""
    if issubclass(kind, IntegerField):
        return st.one_of(st.sampled_from(HOSTILE_INTS), st.integers(-2**80, 2**80).map(str))
    if issubclass(kind, DateField):
        return st.sampled_from(HOSTILE_DATES + HOSTILE_TEXT[:5])
    if issubclass(kind, BooleanField):
        return st.sampled_from(["y", "", "\x00", "false"])
    if issubclass(kind, SelectFieldBase):  # often ids: numbers first
        return st.one_of(st.sampled_from(HOSTILE_INTS), _text_value())
    return _text_value()


def _encode(value) -> bytes:
    return quote_from_bytes(value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")).encode()


def _urlencoded(pairs) -> bytes:
    return b"&".join(_encode(k) + b"=" + _encode(v) for k, v in pairs)


def _users(matrix):
    """Each role, and a visitor: signed-in users at the subject's party, a school librarian at the school below the
    party (whose rows the URLs name), and the admin, three times, as it reaches every route."""
    admin = matrix.users[(ADMIN, "")]
    users = [None] + [matrix.user(role, "agreement", Relation.PARTY) for role in ROLES if role != ADMIN]
    return users + [matrix.user("school_librarian", "agreement", Relation.BELOW), admin, admin, admin]  # the admin reaches most


def _path_with(rule: str, values: dict, hostile: dict) -> str:
    def fill(match):
        name = match.group(2)
        if name in hostile:
            return hostile[name]
        return quote_from_bytes(str(values[name]).encode(), safe="/")
    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule)


def _other_ids(matrix) -> list[str]:
    world = matrix.world
    return [str(world.agreements["other"].id), str(world.orgs["other_school"].id), str(world.orgs["other_library"].id)]


# ---- the fuzz ----------------------------------------------------------------------------------------------------

TOO_LARGE = ("2147483648", str(2**70), "9" * 40)  # for an id: beyond INTEGER, beyond 64 bits, beyond reason


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_input_ends_in_a_500(route, app, matrix, signed_in, recording):
    _started[:] = _started or [time.process_time()]
    assert time.process_time() - _started[0] < BUDGET_SECONDS, "the fuzz went over its time budget: fewer FUZZ_EXAMPLES"
    admin = matrix.users[(ADMIN, "")]
    real = url_for(route, matrix, admin)
    _endpoint, values = app.url_map.bind("localhost").match(real.split("?")[0], method=route.method)
    found = FOUND[route.endpoint]
    probe = signed_in(admin)  # the route once as the admin: which forms and names it reads
    send = probe.client.get if route.method == "GET" else probe.post
    assert send(real).status_code < 500
    if route.method == "POST" and not found.forms:
        probe.get(real)  # the page of a POST form may build it on GET only
    found.learn()
    params = re.findall(r"<(?:\w+:)?(\w+)>", route.rule)
    for number, name in enumerate(params):  # each path parameter once with a value no database holds
        path = _path_with(route.rule, values, {name: TOO_LARGE[(ROUTES.index(route) + number) % len(TOO_LARGE)]})
        assert send(path).status_code < 500, path
    users = _users(matrix)
    sessions = [_visitor(app)] + [signed_in(user) for user in users[1:]]  # the admin's: one session
    others = _other_ids(matrix)
    made = []

    @settings(max_examples=len(users) * EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=False,
              phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as drawn, in budget
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def one_request(data):
        made.append(None)
        user, session = users[(len(made) - 1) % len(users)], sessions[(len(made) - 1) % len(users)]  # each in turn
        hostile = {}
        for name in params:
            if data.draw(st.integers(0, 2), label=f"hostile {name}?") == 2:
                hostile[name] = data.draw(st.sampled_from(HOSTILE_PATH + others), label=name)
        path = _path_with(route.rule, values, hostile)
        names = sorted(found.fields)  # each field as a careful person fills it, but one or two hostile ones
        fields = {name: _plausible(*found.fields[name]) for name in names}
        for _n in range(data.draw(st.integers(1, 3), label="hostile fields") if names else 0):
            name = data.draw(st.sampled_from(names), label="field")
            fields[name] = data.draw(_hostile(found.fields[name][0]), label=name)
        extra = {name: data.draw(_text_value(), label=name) for name in sorted(found.read - set(found.fields))
                 if name != "csrf_token" and data.draw(st.booleans(), label=f"send {name}?")}
        response = _request(route.method, session, path, fields, extra, found)
        assert response.status_code < 500, f"{route.method} {path} as {getattr(user, 'email', 'a visitor')}: {response.status_code}"

    one_request()


def _visitor(app):
    from tests.conftest import Session

    visitor = Session.__new__(Session)
    visitor.client, visitor.email, visitor.token = app.test_client(), None, None
    return visitor


def _request(method: str, session, path: str, fields: dict, extra: dict, found: Found):
    if method == "GET":
        return session.client.get(path + "?" + _urlencoded([*fields.items(), *extra.items()]).decode())
    query = "?" + _urlencoded(extra.items()).decode()
    files = {name: v for name, v in fields.items() if issubclass(found.fields[name][0], FileField)}
    body = [(k, v) for k, v in fields.items() if k not in files] + [("csrf_token", session.token or "")]
    if not files:
        return session.client.post(path + query, data=_urlencoded(body), content_type="application/x-www-form-urlencoded")
    multipart = {k: v.decode("utf-8", "replace") if isinstance(v, bytes) else v for k, v in body}
    for name, value in files.items():
        raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
        multipart[name] = (io.BytesIO(b"sourcedId,grades\n" + raw), "upload.csv")
    return session.client.post(path + query, data=multipart, content_type="multipart/form-data")
