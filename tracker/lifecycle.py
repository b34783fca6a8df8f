"""The one shape of a lifecycle: statuses with their labels, and the table of transitions between them.

Each domain declares its tables in its own `workflow.py` (tracker/documents/workflow.py: MOU versions and
signatories; tracker/cards/workflow.py: card drives and roster imports). A service changes a status only
through `Lifecycle.move`, which refuses any step the table does not have with an `Invalid` in the user's
words; templates and queries use the workflow's named constants and sets, never the raw strings.
"""
from dataclasses import dataclass

from flask_babel import gettext as _

from tracker.validation import Invalid


@dataclass(frozen=True)
class Transition:
    name: str  # what a service asks for ("submit", "sign"); one name may leave several statuses
    source: str
    target: str
    label: object  # lazily translated
    permission: str = ""  # a step a person takes: what it needs (agreements); "" for one the app takes itself


class Lifecycle:
    """`statuses`: code -> lazy label, in the order a person reads them. `refusals`: why a step is refused,
    by transition name or (name, status); a message may quote `%(status)s` (the current status, in words).
    Without one, the refusal says where the current status can go. `field`: the form field errors attach to."""

    def __init__(self, statuses: dict, transitions: list[Transition], refusals: dict | None = None, field: str = ""):
        unknown = {s for t in transitions for s in (t.source, t.target)} - set(statuses)
        if unknown:
            raise ValueError(f"transitions name unknown statuses: {sorted(unknown)}")
        self.statuses = statuses
        self.transitions = list(transitions)
        self.refusals = refusals or {}
        self.field = field

    def label(self, status: str) -> str:
        return str(self.statuses.get(status, status))

    def find(self, status: str, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.source == status and t.name == name), None)

    def allows(self, status: str, name: str) -> bool:
        return self.find(status, name) is not None

    def available(self, status: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == status]

    def bulk(self, name: str) -> tuple[frozenset[str], str]:
        """The statuses a transition leaves and the one it reaches, for a bulk UPDATE of many rows."""
        steps = [t for t in self.transitions if t.name == name]
        (target,) = {t.target for t in steps}
        return frozenset(t.source for t in steps), target

    def refusal(self, status: str, name: str) -> str:
        message = self.refusals.get((name, status), self.refusals.get(name))
        if message is None:
            return self.path_hint(status)
        return str(message) % {"status": self.label(status).lower()}

    def path_hint(self, status: str) -> str:
        """Where a status can go from here, in the user's words."""
        targets = {t.target for t in self.available(status)} - {status}
        if not targets:
            return _("Nothing can change once it is %(status)s.", status=self.label(status).lower())
        names = ", ".join(self.label(s) for s in self.statuses if s in targets)
        return _("From %(status)s it can only move to: %(names)s.", status=self.label(status), names=names)

    def check(self, obj, name: str) -> Transition:
        """The step `name` from the object's status, or `Invalid` saying why not (nothing changes)."""
        step = self.find(obj.status, name)
        if step is None:
            raise Invalid({self.field: self.refusal(obj.status, name)})
        return step

    def move(self, obj, name: str) -> Transition:
        step = self.check(obj, name)
        obj.status = step.target
        return step

    def check_to(self, obj, target: str) -> Transition | None:
        """Where a form names the status wanted rather than the step: the step there (None: no change),
        or `Invalid` saying where it can go (nothing changes)."""
        if obj.status == target:
            return None
        step = next((t for t in self.available(obj.status) if t.target == target), None)
        if step is None:
            raise Invalid({self.field: self.path_hint(obj.status)})
        return step

    def move_to(self, obj, target: str) -> Transition | None:
        step = self.check_to(obj, target)
        obj.status = target
        return step
