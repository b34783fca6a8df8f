"""A frozen (signed) version cannot change, whatever path the change takes through the ORM.

Per-object hooks refuse inserts, updates and deletes of a frozen version, its clauses, approvals
and signatories, reading the frozen mark from the database (so a stale object cannot slip by);
bulk UPDATE/DELETE statements are refused when they would touch a frozen version's rows.
"""
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tracker.documents.models import Approval, DocumentVersion, Signatory, VersionClause


class FrozenVersion(PermissionError):
    """Raised for any attempt to change a signed, frozen version."""


CHILDREN = (VersionClause, Approval, Signatory)


def _frozen(connection, version_id) -> bool:
    if version_id is None:
        return False
    return connection.execute(
        select(DocumentVersion.frozen_at).where(DocumentVersion.id == version_id)
    ).scalar() is not None


@event.listens_for(DocumentVersion, "before_update")
@event.listens_for(DocumentVersion, "before_delete")
def _refuse_version_change(mapper, connection, target):
    if _frozen(connection, target.id):
        raise FrozenVersion(f"version {target.id} is signed and frozen")


def _refuse_child_change(mapper, connection, target):
    if _frozen(connection, target.version_id):
        raise FrozenVersion(f"version {target.version_id} is signed and frozen")


for _model in CHILDREN:
    for _hook in ("before_insert", "before_update", "before_delete"):
        event.listen(_model, _hook, _refuse_child_change)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state):
    if not (state.is_update or state.is_delete):
        return
    model = next((m.class_ for m in state.all_mappers if m.class_ in (DocumentVersion, *CHILDREN)), None)
    if model is None:
        return
    where = state.statement.whereclause
    if model is DocumentVersion:
        query = select(func.count()).select_from(DocumentVersion)
    else:
        query = select(func.count()).select_from(model).join(DocumentVersion, model.version_id == DocumentVersion.id)
    query = query.where(DocumentVersion.frozen_at.is_not(None))
    if where is not None:
        query = query.where(where)
    if state.session.execute(query).scalar():
        raise FrozenVersion("the statement would change a signed, frozen version")
