"""The ways a service refuses: invalid input, a stale copy, or an emailed link that cannot be used."""


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


class LinkRefused(Exception):
    """Why an emailed link cannot be used, in its holder's words (the subclass's PROBLEMS, by state). `gone`: the
    link existed (used, withdrawn, expired) rather than never."""

    PROBLEMS: dict = {}

    def __init__(self, state: str):
        self.state = state
        self.gone = state != "missing"
        super().__init__(state)

    @property
    def message(self) -> str:
        return str(self.PROBLEMS[self.state])


def apply_errors(form, exc: Invalid) -> None:
    """Put a service's messages next to the form fields they concern."""
    for name, messages in exc.errors.items():
        field = getattr(form, name, None) if name else None
        if field is not None:
            field.errors = list(field.errors) + messages
        else:
            form.form_errors.extend(messages)
