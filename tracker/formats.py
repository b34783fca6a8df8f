"""Dates, times, numbers and money as the reader's language writes them in the deployment's country (Babel): in the
United States, "December 3, 2026", "$1,234.50" and "54.4%" in English; "3 de diciembre de 2026", "$1,234.50" and
"5:38 p.m." in Spanish (es_US). The locale is the request's language (or the one given: an email's, a document's)
with the `COUNTRY` setting, or the language alone where Babel knows no such pair."""
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale, dates, localedata, numbers
from flask import current_app
from flask_babel import get_locale


@lru_cache(maxsize=32)
def _regional(language: str, country: str) -> Locale:
    """Parsed once per language and country: a page formats many dates."""
    paired = f"{Locale.parse(language).language}_{country}"
    return Locale.parse(paired) if country and localedata.exists(paired) else Locale.parse(language)


def regional(language=None) -> Locale:
    """The locale numbers and dates are written in, for `language` (default: the request's)."""
    return _regional(str(language or get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]),
                     current_app.config["COUNTRY"])


def long_date(day: date | datetime, language=None) -> str:
    return dates.format_date(day, "long", locale=regional(language))


def short_date(day: date | datetime, language=None) -> str:
    return dates.format_date(day, "medium", locale=regional(language))


def clock_time(local: datetime, language=None) -> str:
    """5:38 PM; 5:38 p.m."""
    return dates.format_time(local, "short", tzinfo=local.tzinfo, locale=regional(language))


def moment(local: datetime, language=None) -> str:
    """A time already in its zone: its date, its hour and minute, and the zone's abbreviation."""
    where = regional(language)
    pattern = dates.get_datetime_format("medium", locale=where)
    text = pattern.replace("{1}", short_date(local, where)).replace("{0}", clock_time(local, where))
    return f"{text} {local.strftime('%Z')}".rstrip()


def number(value, language=None) -> str:
    return numbers.format_decimal(value, locale=regional(language))


def percent(value, language=None) -> str:
    """54.4 (a percentage) -> "54.4%"; None -> "—"."""
    if value is None:
        return "—"
    return numbers.format_percent(Decimal(str(round(value, 1))) / 100, locale=regional(language),
                                  decimal_quantization=False)


def money(cents: int | None, language=None) -> str:
    """An amount in cents: "$1,234.50", "-$12.50"."""
    if cents is None:
        return ""
    return numbers.format_currency(Decimal(cents) / 100, current_app.config["CURRENCY"], locale=regional(language))
