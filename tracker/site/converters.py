"""The URL's parameters, checked before any view runs: an id the database could not hold, or a segment with a
control character in it (a NUL), matches no route, so the answer is "Not found", the same on every database."""
from flask import Flask
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter, ValidationError

from tracker.fields import INT_MAX

PRINTABLE = r"[^/\x00-\x1f\x7f]"  # one character of a path segment: no slash, no control character


class DatabaseId(IntegerConverter):
    """`<int:…>`: an id from 0 to the largest an INTEGER column holds (2**31 - 1)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(INT_MAX)):  # no int() of a thousand digits either
            raise ValidationError()
        return super().to_python(value)


class Segment(UnicodeConverter):
    """`<name>`: one path segment of printable characters."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", PRINTABLE)


class Path(PathConverter):
    """`<path:…>`: segments of printable characters."""

    regex = PRINTABLE + r"[^\x00-\x1f\x7f]*?"
    part_isolating = False


def register(app: Flask) -> None:
    """Every rule's parameters use these; call before any blueprint adds its rules."""
    app.url_map.converters.update(int=DatabaseId, default=Segment, string=Segment, path=Path)
