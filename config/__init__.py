"""Settings per environment. Every secret and URL comes from the environment.

`load(name)` returns the settings class for "development", "testing" or "production";
the name comes from TRACKER_ENV when the app factory is given none.
"""
import os
from pathlib import Path
from urllib.parse import urlsplit

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def _languages(directory: Path = TRANSLATIONS) -> list[str]:
    """English (the strings' own language), then each catalogue under translations/ (tracker/languages.py)."""
    codes = sorted(p.parent.parent.name for p in directory.glob("*/LC_MESSAGES/messages.po"))
    return ["en", *(c for c in codes if c != "en")]

DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SSO_DEFAULTS = {  # key -> (kind, issuer, label)
    "google": ("google", "https://accounts.google.com", "Google"),
    "microsoft": ("entra", "https://login.microsoftonline.com/organizations/v2.0", "Microsoft"),
}


def _sso_providers() -> dict[str, dict]:
    """SSO_PROVIDERS="google,microsoft,district" and SSO_<KEY>_* settings -> {key: settings} (sso.Provider)."""
    found = {}
    for key in (k.strip().lower() for k in os.environ.get("SSO_PROVIDERS", "").split(",") if k.strip()):
        prefix = f"SSO_{key.upper()}_"
        kind, issuer, label = SSO_DEFAULTS.get(key, ("oidc", "", key.title()))
        found[key] = {
            "kind": os.environ.get(prefix + "KIND", kind),
            "issuer": os.environ.get(prefix + "ISSUER", issuer),
            "label": os.environ.get(prefix + "LABEL", label),
            "client_id": os.environ.get(prefix + "CLIENT_ID", ""),
            "client_secret": os.environ.get(prefix + "CLIENT_SECRET", ""),
            "tenants": tuple(t.strip() for t in os.environ.get(prefix + "TENANTS", "").split(",") if t.strip()),
        }
    return found


class Base:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite in instance/
    # Checking each connection before use costs a round trip per request; recycling old ones is enough
    # unless something between the app and the database drops idle connections (then set it to 1).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": _env_bool("DATABASE_PRE_PING", False), "pool_recycle": 1800}
    # The address people reach the app at; every outward link (mail, calendar, PDF, QR code) starts with it.
    # Unset: the address the app is served at (development only: production refuses to start without it).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or None
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))  # proxies in front that set X-Forwarded-*
    REDIS_URL = os.environ.get("REDIS_URL")  # set: jobs go to RQ workers; unset: they run in the web process
    # Rendered agreement pages and lists kept in Redis until something they show changes (tracker/pagecache);
    # unset (and no REDIS_URL): every page is rendered on every request. PAGE_CACHE_URL="" turns it off.
    PAGE_CACHE_URL = os.environ.get("PAGE_CACHE_URL", os.environ.get("REDIS_URL"))
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))  # how long a kept page may stay unread
    JOB_TIMEOUT = int(os.environ.get("JOB_TIMEOUT", "3600"))  # seconds an RQ job may run

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "tracker@localhost")
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")  # "console": write mail to the log instead
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "30"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # Sessions are rows (tracker/auth/sessions.py); the cookie holds a random token only.
    SESSION_IDLE_HOURS = int(os.environ.get("SESSION_IDLE_HOURS", "12"))  # signed in, not kept: ends this long after last seen
    REMEMBER_DAYS = int(os.environ.get("REMEMBER_DAYS", "30"))  # "keep me signed in": ends this long after last seen
    SESSION_TOUCH_MINUTES = 5  # "last seen" is written at most this often
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    COUNTRY = os.environ.get("COUNTRY", "US")  # with the reader's language, how dates and numbers are written (es_US)
    CURRENCY = os.environ.get("CURRENCY", "USD")  # amounts of resources (ISO 4217), written as the reader's language does
    BABEL_TRANSLATION_DIRECTORIES = str(TRANSLATIONS)
    LANGUAGES = _languages()  # English, then one per catalogue: adding a language is adding its folder
    DEFAULT_TIME_ZONE = os.environ.get("DEFAULT_TIME_ZONE", "America/New_York")

    # Rate limits (tracker/limits.py, Flask-Limiter): counts in Redis when REDIS_URL is set, else in each worker.
    RATELIMIT_KEY_PREFIX = "tracker"
    RATELIMIT_STORAGE_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2}  # a stuck Redis never holds a worker
    RATELIMIT_SWALLOW_ERRORS = True  # Redis unreachable: limits let requests through (and log it) rather than fail them
    # Sign-in slows down, never locks: per account and per address, the free failures cost nothing; after each
    # further one the next attempt waits, from the first wait doubling up to the longest. Failures count this long.
    LOGIN_FREE_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FREE_FAILURES_PER_ACCOUNT", "3"))
    LOGIN_FREE_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FREE_FAILURES_PER_ADDRESS", "20"))
    LOGIN_FIRST_WAIT_SECONDS = int(os.environ.get("LOGIN_FIRST_WAIT_SECONDS", "5"))
    LOGIN_LONGEST_WAIT_SECONDS = int(os.environ.get("LOGIN_LONGEST_WAIT_SECONDS", "300"))
    LOGIN_FAILURES_KEPT_MINUTES = int(os.environ.get("LOGIN_FAILURES_KEPT_MINUTES", "60"))
    # Public pages: requests per address (tracker.limits.page_limit), in Flask-Limiter's notation.
    RATE_LIMIT_VERIFY = os.environ.get("RATE_LIMIT_VERIFY", "30 per minute")
    RATE_LIMIT_SIGNING_LINK = os.environ.get("RATE_LIMIT_SIGNING_LINK", "30 per minute")
    RATE_LIMIT_PASSWORD_RESET = os.environ.get("RATE_LIMIT_PASSWORD_RESET", "5 per hour")
    # ... and per email address typed, whoever asks: a mailbox is not flooded with reset emails.
    RATE_LIMIT_PASSWORD_RESET_ACCOUNT = os.environ.get("RATE_LIMIT_PASSWORD_RESET_ACCOUNT", "3 per hour")
    RATE_LIMIT_FAMILY_CODE = os.environ.get("RATE_LIMIT_FAMILY_CODE", "20 per minute")
    # A partner's emailed link (/partner/<token>), per address; and partner links sent, per sender and per recipient.
    RATE_LIMIT_PARTNER_LINK = os.environ.get("RATE_LIMIT_PARTNER_LINK", "30 per minute")
    RATE_LIMIT_LANGUAGE = os.environ.get("RATE_LIMIT_LANGUAGE", "30 per minute")  # the footer's language switch
    RATE_LIMIT_PARTNER_LINK_SENDER = os.environ.get("RATE_LIMIT_PARTNER_LINK_SENDER", "30 per hour")
    RATE_LIMIT_PARTNER_LINK_RECIPIENT = os.environ.get("RATE_LIMIT_PARTNER_LINK_RECIPIENT", "3 per day")

    # Emailed account links: an invitation to set a first password, a link to reset a forgotten one.
    INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "7"))
    RESET_LINK_MINUTES = int(os.environ.get("RESET_LINK_MINUTES", "60"))
    # A partner's link to confirm or correct their organisation's details expires after this many days.
    PARTNER_LINK_DAYS = int(os.environ.get("PARTNER_LINK_DAYS", "14"))

    # Single sign-on (tracker/auth/sso.py): SSO_PROVIDERS names the providers, e.g. "google,microsoft"; each has
    # SSO_<KEY>_CLIENT_ID, SSO_<KEY>_CLIENT_SECRET, and optionally SSO_<KEY>_ISSUER, _LABEL, _KIND, _TENANTS.
    SSO_PROVIDERS = _sso_providers()
    SSO_SIGNUP_DOMAINS = frozenset(d.strip().lower() for d in os.environ.get("SSO_SIGNUP_DOMAINS", "").split(",") if d.strip())
    PASSWORD_SIGN_IN = _env_bool("PASSWORD_SIGN_IN", True)  # false: people sign in only with SSO

    PASSWORD_HASH_METHOD = "scrypt"
    PER_PAGE = 25
    REVIEW_AFTER_DAYS = 365

    # MOU documents: signing links, the seal and public verification.
    SIGNING_LINK_DAYS = int(os.environ.get("SIGNING_LINK_DAYS", "14"))  # an emailed signing link expires after
    SIGNED_COPY_DAYS = int(os.environ.get("SIGNED_COPY_DAYS", "30"))  # an outside signer may download their signed copy for
    SEAL_PKCS12_PATH = os.environ.get("SEAL_PKCS12_PATH")  # unset: a CA and seal certificate in instance/seal/
    SEAL_PKCS12_PASSWORD = os.environ.get("SEAL_PKCS12_PASSWORD")
    SEAL_ORGANISATION = os.environ.get("SEAL_ORGANISATION", "Library Partnership Tracker")
    # An RFC 3161 timestamping server: set, seals are PAdES B-T with their validation data embedded (B-LT).
    SEAL_TSA_URL = os.environ.get("SEAL_TSA_URL")
    SEAL_TSA_CA_PATH = os.environ.get("SEAL_TSA_CA_PATH")  # PEM root(s) of the TSA, besides the system's trusted roots
    SEAL_TSA_TIMEOUT = int(os.environ.get("SEAL_TSA_TIMEOUT", "10"))  # seconds to wait for the TSA
    # Seconds between tries when the TSA is down (the signature has landed; the seal waits as a job).
    SEAL_RETRY_DELAYS = [float(s) for s in os.environ.get("SEAL_RETRY_DELAYS", "10,30,60,120,300").split(",") if s]
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "50")) * 1024 * 1024  # any request body, uploads included
    ROSTER_MAX_UNZIPPED_BYTES = int(os.environ.get("ROSTER_MAX_UNZIPPED_MB", "100")) * 1024 * 1024  # per file in a roster zip
    VERIFY_MAX_BYTES = int(os.environ.get("VERIFY_MAX_BYTES", str(20 * 1024 * 1024)))  # largest PDF /verify accepts

    # The audit chain's HMAC key (at least 32 characters); unset: instance/audit/key, created on first use.
    AUDIT_KEY = os.environ.get("AUDIT_KEY")
    AUDIT_RETIRED_KEYS = os.environ.get("AUDIT_RETIRED_KEYS", "")  # former keys, comma-separated: verification only


class Development(Base):
    DEBUG = True
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")


class Testing(Base):
    REDIS_URL = None  # jobs run in threads; the RQ test sets its own
    # Every test runs with the page cache, so any change a page would not show at once fails the test that makes
    # it (the jobs test uses database 15, the rate limits 14).
    PAGE_CACHE_URL = "redis://127.0.0.1:6379/13"
    MAIL_BACKEND = "smtp"  # tests read mail from a real local SMTP server (the `mailbox` fixture)
    MAIL_USERNAME = None
    MAIL_USE_TLS = False
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL")
    WTF_CSRF_ENABLED = True
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast for tests; never in production
    AUDIT_KEY = None  # the key file in the test instance folder, whatever the shell exports
    AUDIT_RETIRED_KEYS = ""
    SSO_PROVIDERS: dict = {}  # tests add the local OIDC provider they start
    SSO_SIGNUP_DOMAINS = frozenset()
    PASSWORD_SIGN_IN = True
    # The permission matrix asks each public page once per role; tests of these limits set their own.
    RATE_LIMIT_PASSWORD_RESET = "50 per hour"
    RATE_LIMIT_PASSWORD_RESET_ACCOUNT = "50 per hour"
    RATE_LIMIT_PARTNER_LINK_RECIPIENT = "50 per day"


class Production(Base):
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = "https"



def check_production(settings) -> None:
    """Refuse to start production with settings that are only fit for a laptop."""
    key = settings.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY or len(key) < 32:
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production"
        )
    refused = public_base_url_refusal(settings.get("PUBLIC_BASE_URL"))
    if refused:
        raise RuntimeError(refused)


def public_base_url_refusal(value: str | None) -> str | None:
    """Why PUBLIC_BASE_URL cannot serve production, or None when it can: a sealed PDF carries it for good."""
    if not value:
        return ("PUBLIC_BASE_URL must be set in production to the address people reach the app at "
                "(e.g. https://tracker.example.org)")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return f"PUBLIC_BASE_URL must be an absolute http(s) URL such as https://tracker.example.org, not {value!r}"
    return None


ENVIRONMENTS = {"development": Development, "testing": Testing, "production": Production}


def load(name: str | None = None) -> type[Base]:
    name = name or os.environ.get("TRACKER_ENV", "development")
    try:
        return ENVIRONMENTS[name]
    except KeyError:
        raise RuntimeError(f"Unknown TRACKER_ENV {name!r}; use one of {sorted(ENVIRONMENTS)}")
