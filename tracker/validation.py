"""The two ways a service refuses a change: invalid input, or a stale copy."""


class Invalid(Exception):
    """Input breaks a rule; `errors` maps a form field (or "" for the whole form) to messages."""

    def __init__(self, errors: dict[str, list[str] | str]):
        self.errors = {k: [v] if isinstance(v, str) else list(v) for k, v in errors.items()}
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items()))


class Conflict(Exception):
    """Someone else saved first; `changes` lists what they changed since this copy was read."""

    def __init__(self, changes: list[dict]):
        self.changes = changes
        super().__init__("stale copy")


def apply_errors(form, exc: Invalid) -> None:
    """Put a service's messages next to the form fields they concern."""
    for name, messages in exc.errors.items():
        field = getattr(form, name, None) if name else None
        if field is not None:
            field.errors = list(field.errors) + messages
        else:
            form.form_errors.extend(messages)
