"""Where a document is read: the time zone and language its PDF is printed in.

Both come from the agreement's library party (its first party that is a library system or a branch; failing that,
its first party) and are fixed on the version when it leaves draft, so a later change to the organisation never
changes what a printed copy says. A draft reads its library party as it is now.
"""
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from tracker import formats, languages
from tracker.orgs.models import LIBRARY_KINDS


@dataclass(frozen=True)
class Locality:
    time_zone: str
    language: str

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def local(self, moment: datetime) -> datetime:
        """A stored time (naive UTC) in this zone."""
        return moment.replace(tzinfo=timezone.utc).astimezone(self.zone)

    def date(self, day: date | datetime) -> str:
        """December 2, 2026; 2 de diciembre de 2026 (in the document's language)."""
        if isinstance(day, datetime):
            day = self.local(day).date()
        return formats.long_date(day, self.language)

    def time(self, moment: datetime) -> str:
        """December 2, 2026, 11:14 AM EST: the date and time where the document is read, with the zone's abbreviation."""
        local = self.local(moment)
        return f"{self.date(local.date())}, {formats.clock_time(local, self.language)} {local.strftime('%Z')}"

    def utc(self, moment: datetime) -> str:
        """2026-12-02 16:14:05 UTC."""
        return moment.strftime("%Y-%m-%d %H:%M:%S") + " UTC"

    @property
    def zone_names(self) -> str:
        """America/New_York (EST/EDT): the zone and the abbreviations it uses in the year."""
        year = datetime.now(timezone.utc).year
        names = dict.fromkeys(datetime(year, month, 1, tzinfo=self.zone).strftime("%Z") for month in (1, 7))
        return f"{self.time_zone} ({'/'.join(names)})"


def library_party(agreement):
    organisations = [p.organisation for p in agreement.parties]
    return next((o for o in organisations if o.kind in LIBRARY_KINDS), organisations[0] if organisations else None)


def current(agreement) -> Locality:
    """The library party's zone and language as they are now (the defaults when the agreement has no party)."""
    party = library_party(agreement)
    zone = party.time_zone if party else current_app.config["DEFAULT_TIME_ZONE"]
    language = languages.known(party.language if party else None) or languages.default()
    return Locality(zone, language)


def fix(version) -> None:
    """The version leaves draft: from here on it is printed in its library party's zone and language of today."""
    found = current(version.document.agreement)
    version.time_zone, version.language = found.time_zone, found.language


def release(version) -> None:
    """Back to draft: the version reads its library party again."""
    version.time_zone = version.language = None


def of(version) -> Locality:
    if version.time_zone and version.language:
        return Locality(version.time_zone, version.language)
    return current(version.document.agreement)
