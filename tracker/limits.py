"""Rate limits: every limit of the app is set here, on Flask-Limiter (`tracker.extensions.limiter`).

Counts live in Redis when REDIS_URL is set (shared by every worker and machine), otherwise in each
worker's memory (each worker then counts on its own). A limit answers 429 "Too many attempts. Try again
in N seconds." with Retry-After (`tracker/site/errors.py`); nothing here ever sleeps or holds a worker.

Two kinds of limit:

- `page_limit(name)`: a decorator for a public page, at most so many requests per address in a
  window, named in `PAGES` with its setting (e.g. `RATE_LIMIT_VERIFY = "30 per minute"`):

      @bp.route("/verify", methods=["GET", "POST"])
      @page_limit("verify")
      @public
      def verify(): ...

- `Slowdown`: failures slow the next attempt down. The first few failures are free; after each further
  one the next attempt waits, twice as long each time, up to a longest wait. A right answer after the
  wait goes through, so nobody is ever locked out. `SIGN_IN` is counted per account and per address:

      with SIGN_IN.attempt(account=email, address=ip) as attempt:   # raises TooManyAttempts while waiting
          ... attempt.failed() or attempt.succeeded()
"""
import hashlib
import hmac
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, request
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from tracker.extensions import limiter

# ---- public pages ------------------------------------------------------------------------------

# A named limit -> the setting that holds it, in Flask-Limiter's notation ("30 per minute", "5/hour;20/day").
PAGES = {
    "verify": "RATE_LIMIT_VERIFY",                  # /verify: look up or upload a signed PDF
    "signing-link": "RATE_LIMIT_SIGNING_LINK",      # /sign/<token>: an outside signer's emailed link
    "password-reset": "RATE_LIMIT_PASSWORD_RESET",  # asking for a password-reset email, per address
    "account-link": "RATE_LIMIT_SIGNING_LINK",      # /password/<token>: an emailed invitation or reset link
    "password-reset-account": "RATE_LIMIT_PASSWORD_RESET_ACCOUNT",  # ... per email address typed
    "family-code": "RATE_LIMIT_FAMILY_CODE",        # a family entering a code
    "partner-link": "RATE_LIMIT_PARTNER_LINK",      # /partner/<token>: a partner's emailed link, per address
    "partner-link-sender": "RATE_LIMIT_PARTNER_LINK_SENDER",        # partner links sent, per sender's email
    "partner-link-recipient": "RATE_LIMIT_PARTNER_LINK_RECIPIENT",  # ... per recipient's email
    "language": "RATE_LIMIT_LANGUAGE",              # POST /language: anyone's language switch
}


def by_address() -> str:
    """The client's address (the real one behind PROXY_COUNT proxies)."""
    return get_remote_address() or "unknown"


def by_email_typed() -> str:
    """The email address a form was sent with (lower case): a count per mailbox, whoever asks. The storage holds a
    keyed digest of it, never the address."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    if not email:
        return by_address()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), f"email:{email}".encode(), hashlib.sha256).hexdigest()[:32]


def keyed(value: str, kind: str = "email") -> str:
    """A count's key for an email address (lower case), as a keyed digest: the storage never holds the address."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), f"{kind}:{value.strip().lower()[:254]}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def page_limit(name: str, key: Callable[[], str] = by_address, methods: list[str] | None = None):
    """Decorate a view with the named limit; every view wearing the same name shares one count per key."""
    setting = PAGES[name]
    return limiter.shared_limit(lambda: current_app.config[setting], scope=name, key_func=key, methods=methods)


# ---- failures that slow down -------------------------------------------------------------------

class TooManyAttempts(TooManyRequests):
    """429 with the seconds to wait (also sent as Retry-After)."""

    def __init__(self, seconds: int):
        super().__init__(retry_after=seconds)
        self.seconds = seconds


def seconds_to_wait(error: Exception) -> int | None:
    """How long the client must wait after a 429 from this module: a slowdown or a page limit."""
    if isinstance(error, TooManyAttempts):
        return error.seconds
    if isinstance(error, RateLimitExceeded) and limiter.current_limit is not None:
        return max(1, math.ceil(limiter.current_limit.reset_at - time.time()))
    return None


@dataclass(frozen=True)
class Slowdown:
    """Failures per key (e.g. account, address) slow the next attempt down, never lock it.

    Settings, by `settings` prefix P: P_FREE_FAILURES_PER_<KIND> (failures that cost nothing),
    P_FIRST_WAIT_SECONDS (the wait after the first failure past them), P_LONGEST_WAIT_SECONDS (the cap),
    P_FAILURES_KEPT_MINUTES (how long a failure counts). `cleared_by_success` names the kinds whose
    failures a success wipes (the account: its owner proved who she is; not the address, which
    an attacker with an account of his own could otherwise wipe).
    """

    name: str
    settings: str
    kinds: tuple[str, ...]
    cleared_by_success: tuple[str, ...] = field(default=())

    def attempt(self, **values: str) -> "Attempt":
        """Start an attempt, or raise TooManyAttempts with the longest wait of its keys.

        Past the free failures an attempt takes the key's turn, which lasts the wait its failure would
        cost: concurrent attempts cannot slip in beside it, and a failure leaves the wait in place.
        """
        try:
            return self._attempt(values)
        except _unreachable() as error:
            _log_unreachable(self.name, error)
            return Attempt(self, [], [])

    def _attempt(self, values: dict[str, str]) -> "Attempt":
        # A key without a value (no client address, e.g. a misconfigured proxy) is not counted: it would be everyone's.
        counts = [_Count(self, kind, values[kind]) for kind in self.kinds if values.get(kind)]
        taken, waits = [], []
        for count in counts:
            failures = count.failures()
            if failures < count.free:
                continue
            if count.take_turn(count.wait_after(failures + 1)):
                taken.append(count)
            else:
                waits.append(count.seconds_left())
        if waits:
            for count in taken:
                count.release_turn()
            raise TooManyAttempts(max(waits))
        return Attempt(self, counts, taken)


class Attempt:
    """One attempt under a slowdown; say how it went, or leaving it (an error) gives back its turns."""

    def __init__(self, slowdown: Slowdown, counts: list["_Count"], taken: list["_Count"]):
        self._slowdown, self._counts, self._taken, self._done = slowdown, counts, taken, False

    def failed(self) -> None:
        self._done = True
        for count in self._counts:
            self._safely(count.add_failure)

    def succeeded(self) -> None:
        self._done = True
        for count in self._counts:
            if count.kind in self._slowdown.cleared_by_success:
                self._safely(count.clear)
            elif count in self._taken:
                self._safely(count.release_turn)

    def __enter__(self) -> "Attempt":
        return self

    def __exit__(self, *exc) -> None:
        if not self._done:
            for count in self._taken:
                self._safely(count.release_turn)

    def _safely(self, change) -> None:
        try:
            change()
        except _unreachable() as error:
            _log_unreachable(self._slowdown.name, error)


def _unreachable() -> tuple[type[Exception], ...]:
    """What the storage raises when it cannot be reached (Redis down or too slow); memory always can be."""
    if isinstance(limiter.storage, MemoryStorage):
        return ()
    errors = limiter.storage.base_exceptions
    return errors if isinstance(errors, tuple) else (errors,)


def _log_unreachable(name: str, error: Exception) -> None:
    """Fail open, like the page limits (RATELIMIT_SWALLOW_ERRORS): without its counts the app still
    signs people in (the password is still checked and failures audited), and says so loudly."""
    current_app.logger.error("Rate-limit storage unreachable, %s not slowed down: %s", name, error)


class _Count:
    """The failures of one key in the last P_FAILURES_KEPT_MINUTES (a moving window of the limiter's storage)
    and its turn (a counter that expires when the wait is over)."""

    def __init__(self, slowdown: Slowdown, kind: str, value: str):
        config = current_app.config
        prefix = slowdown.settings
        self.kind = kind
        self.free = int(config[f"{prefix}_FREE_FAILURES_PER_{kind.upper()}"])
        self.first_wait = int(config[f"{prefix}_FIRST_WAIT_SECONDS"])
        self.longest_wait = int(config[f"{prefix}_LONGEST_WAIT_SECONDS"])
        kept = int(float(config[f"{prefix}_FAILURES_KEPT_MINUTES"]) * 60)
        # Enough room to reach the longest wait; more failures than that change nothing.
        self.window = RateLimitItemPerSecond(self.free + 32, max(kept, 1), namespace="SLOWDOWN")
        # No addresses or emails in the storage: a keyed digest (unguessable without SECRET_KEY) names the key.
        digest = hmac.new(config["SECRET_KEY"].encode(), f"{slowdown.name}:{kind}:{value.strip().lower()}".encode(),
                          hashlib.sha256).hexdigest()[:32]
        self.ids = (config.get("RATELIMIT_KEY_PREFIX", ""), slowdown.name, kind, digest)
        self.turn_key = "/".join(("SLOWDOWN-TURN", *self.ids))
        self.storage = limiter.storage
        self.counter = MovingWindowRateLimiter(self.storage)

    def failures(self) -> int:
        return self.window.amount - self.counter.get_window_stats(self.window, *self.ids).remaining

    def wait_after(self, failures: int) -> int:
        """Seconds the next attempt waits after this many failures: nothing for the free ones,
        then the first wait, doubling each time, never more than the longest wait."""
        if failures <= self.free:
            return 0
        return min(self.first_wait * 2 ** min(failures - self.free - 1, 32), self.longest_wait)

    def take_turn(self, seconds: int) -> bool:
        return self.storage.incr(self.turn_key, max(seconds, 1)) == 1

    def release_turn(self) -> None:
        self.storage.clear(self.turn_key)

    def seconds_left(self) -> int:
        return max(1, math.ceil(self.storage.get_expiry(self.turn_key) - time.time()))

    def add_failure(self) -> None:
        self.counter.hit(self.window, *self.ids)

    def clear(self) -> None:
        self.counter.clear(self.window, *self.ids)
        self.release_turn()


# Sign-in: per account (the email typed, known or not, so the answer never tells which exist)
# and per address. Settings LOGIN_*.
SIGN_IN = Slowdown("sign-in", settings="LOGIN", kinds=("account", "address"), cleared_by_success=("account",))
