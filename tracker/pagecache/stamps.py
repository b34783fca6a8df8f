"""Change stamps: a counter per agreement, one for any agreement, and one for everything else.

Every write that goes through the database session is seen here, whoever makes it (a form, a lifecycle move, an
import, a command, a job), so no service has to remember to say what it changed:

- an object the session flushes (new, changed or deleted) moves the stamp of the agreement it belongs to: the
  agreement itself, anything with an `agreement_id`, or what its many-to-one relations lead to (a drive's count, a
  version's signatory); an audit row, the stamp of the agreement it is about;
- an `UPDATE`/`DELETE`/`INSERT` statement run through the session moves the agreement named in its execution
  options (`.execution_options(agreement_id=...)`), and everything otherwise;
- anything else that changes (an organisation, a user, the clause library) moves the stamp of everything.

Tables no cached page shows (sessions, jobs, the audit chain's head, emailed links, reminder bookkeeping) move
nothing. The stamps move in Redis once the transaction has committed: a page read before that keys what it read
under the old stamp, which no one asks for again. A rolled-back transaction's stamps move with the next commit,
which costs a page a new render and never shows a stale one.
"""
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from tracker.pagecache import store

EVERYTHING = "world"  # the stamp of what belongs to no agreement
ANY_AGREEMENT = "any"  # moves with every agreement's: the agreements list shows them all
QUIET_TABLES = frozenset({"user_session", "job", "audit_head", "account_link", "reminder_sent", "reminder_setting",
                          "calendar_feed", "signup_domain"})
DEPTH = 4  # many-to-one steps from an object to its agreement (a signing link: signatory, version, document)

AGREEMENT = "agreement:"


def agreement_stamp(agreement_id: int) -> str:
    return f"{AGREEMENT}{agreement_id}"


def _agreement_of(obj, depth: int = 0):
    table = getattr(obj, "__tablename__", None)
    if table == "agreement":
        return obj.id
    found = getattr(obj, "agreement_id", None)
    if found is not None or depth >= DEPTH:
        return found
    for relation in inspect(obj).mapper.relationships:
        if relation.direction.name != "MANYTOONE":
            continue
        parent = getattr(obj, relation.key)
        if parent is not None:
            found = _agreement_of(parent, depth + 1)
            if found is not None:
                return found
    return None


def _stamps_of(obj) -> set[str]:
    table = getattr(obj, "__tablename__", "")
    if table in QUIET_TABLES:
        return set()
    if table == "audit_event":
        return {agreement_stamp(int(obj.entity_id))} if obj.entity_type == "agreement" and obj.entity_id.isdigit() else set()
    agreement_id = _agreement_of(obj)
    return {agreement_stamp(agreement_id)} if agreement_id is not None else {EVERYTHING}


def _pending(session: Session) -> set[str]:
    return session.info.setdefault("pagecache_stamps", set())


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    changed = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    with session.no_autoflush:
        for obj in [*session.new, *changed, *session.deleted]:
            _pending(session).update(_stamps_of(obj))


@event.listens_for(Session, "do_orm_execute")
def _statement(state) -> None:
    statement = state.statement
    if state.is_select:
        return
    if isinstance(statement, TextClause):
        if not statement.text.lstrip().upper().startswith(("SELECT", "WITH")):
            _pending(state.session).add(EVERYTHING)
        return
    table = getattr(getattr(statement, "table", None), "name", None)
    if table in QUIET_TABLES:
        return
    agreement_id = state.execution_options.get("agreement_id")
    _pending(state.session).add(agreement_stamp(agreement_id) if agreement_id is not None else EVERYTHING)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    moved = session.info.pop("pagecache_stamps", None)
    if moved:
        if any(s.startswith(AGREEMENT) for s in moved):
            moved.add(ANY_AGREEMENT)
        store.moved(moved)
