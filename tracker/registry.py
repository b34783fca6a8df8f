"""The one shape of "parts other packages add": dashboard panels, report sections, profile sections."""


class Registry(list):
    """An ordered list of parts, each with a `key`. Packages add theirs at import time, from their own
    package; adding the same key twice keeps the first."""

    def add(self, part, before: str | None = None) -> None:
        keys = [p.key for p in self]
        if part.key in keys:
            return
        self.insert(keys.index(before) if before in keys else len(self), part)
