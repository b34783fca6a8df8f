"""Field helpers shared by every domain's forms."""
from wtforms import SelectField


def optional_int(value):
    """Coerce a select's value to int, with "" meaning none."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a real id: the service reports it as unknown


class IdSelectField(SelectField):
    """A select of database ids; the service, not the field, says whether the id exists."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", optional_int)
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


def form_data(form, fields) -> dict:
    return {name: getattr(form, name).data for name in fields if hasattr(form, name)}


def strip(value):
    return value.strip() if isinstance(value, str) else value
