"""Long work on many documents, run as jobs: one draft MOU per school of a district, and the signed
PDFs of a set of agreements as one zip."""
import io
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.agreements import service as agreements
from tracker.agreements.models import Agreement, Party
from tracker.audit.service import Actor
from tracker.auth.models import User
from tracker.auth.permissions import WHOLE
from tracker.documents import history, pdf, service
from tracker.documents.models import Document, DocumentVersion, VersionClause
from tracker.extensions import db
from tracker.jobs import service as jobs
from tracker.jobs.models import Job
from tracker.orgs.models import LIBRARY_KINDS, Organisation
from tracker.orgs.tree import descendants_and_self
from tracker.printing import safe_filename
from tracker.scope.agreements import visible
from tracker.scope.users import Scope
from tracker.validation import Invalid


# ---- starting the jobs -----------------------------------------------------------------------

def templates_for(scope: Scope) -> list[Agreement]:
    """What a district's drafts can be copied from: the agreements with an MOU that the user sees whole."""
    with_mou = visible(select(Agreement).where(Agreement.id.in_(select(Document.agreement_id))), scope, WHOLE)
    return list(db.session.scalars(with_mou.order_by(Agreement.title)))


def districts() -> list[Organisation]:
    """Any district: the new agreements keep the template's library party; `start_district_drafts` refuses a
    district whose drafts the user could not see (neither the library nor the district is theirs)."""
    return list(db.session.scalars(select(Organisation).where(Organisation.kind == "district").order_by(Organisation.name)))


def start_district_drafts(user_id: int, scope: Scope, template_id: int | None, district_id: int | None) -> Job:
    """One draft MOU per school of the district, copied from the template, as a job; `Invalid` for a template
    or district the user may not use."""
    if template_id not in {a.id for a in templates_for(scope)}:
        raise Invalid({"template_id": _("Choose an agreement that has an MOU.")})
    if district_id not in {o.id for o in districts()}:
        raise Invalid({"district_id": _("Choose a school district.")})
    if not results_visible(template_id, district_id, scope.own):
        raise Invalid({"district_id": _("The new MOUs would be between this template's library and that district's "
                                        "schools, neither of which you work for. Choose one of your districts.")})
    return jobs.start("documents.bulk", _("Draft MOUs for every school"), "tracker.documents.bulk:generate_for_district",
                      {"template_id": template_id, "district_id": district_id, "user_id": user_id}, user_id)


def start_signed_zip(user_id: int, scope: Scope, organisation_id: int | None) -> Job:
    """The signed PDFs of the agreements the user sees (of one organisation and those below it, when given), as a job."""
    query = visible(select(Agreement.id), scope)
    if organisation_id is not None:
        below = descendants_and_self([organisation_id])
        query = query.where(Agreement.id.in_(select(Party.agreement_id).where(Party.organisation_id.in_(below))))
    ids = list(db.session.scalars(query))
    return jobs.start("documents.zip", _("Signed MOUs as one zip"), "tracker.documents.bulk:zip_signed",
                      {"agreement_ids": ids}, user_id)


# ---- the jobs --------------------------------------------------------------------------------

def results_visible(template_id: int, district_id: int, own: frozenset[int] | None) -> bool:
    """Would the drafts (the template's library with each school of the district) be the user's to edit
    (`own`: the user's organisations and those below; None: an admin's, everything)?"""
    if own is None:
        return True
    template = db.session.get(Agreement, template_id)
    libraries = {p.organisation_id for p in template.parties if p.organisation.kind in LIBRARY_KINDS}
    return bool(libraries & own) or district_id in own


COPIED = ("kind", "purpose", "term_kind", "effective_date", "end_date", "renewal", "renewal_months", "notice_days",
          "modification_window_start", "modification_window_end", "collaboration_level", "manager_id")


def _actor(user_id: int) -> Actor:
    user = db.session.get(User, user_id)
    return Actor(user_id=user.id, label=f"{user.name} <{user.email}>", ip="", user_agent="background job")


def generate_for_district(job_id: int, template_id: int, district_id: int, user_id: int) -> dict:
    """For each school of the district without one yet: an agreement like the template, with a draft MOU
    whose clauses and terms are those of the template's latest version."""
    actor = _actor(user_id)
    template = db.session.get(Agreement, template_id)
    district = db.session.get(Organisation, district_id)
    source = service.latest(service.documents_of(template.id)[0])
    library = next(p for p in template.parties if p.organisation.kind in LIBRARY_KINDS)
    schools = [o for o in district.children if o.kind == "school"]
    created = skipped = 0
    for done, school in enumerate(schools, start=1):
        title = f"{template.title} — {school.name}"[:200]
        exists = db.session.execute(select(Agreement.id).where(Agreement.title == title)).scalar()
        if exists:
            skipped += 1
        else:
            agreement = agreements.create(actor, {f: getattr(template, f) for f in COPIED} | {"title": title}, [
                {"organisation_id": library.organisation_id, "role": library.role, "contributes": library.contributes,
                 "receives": library.receives},
                {"organisation_id": school.id, "role": "partner"},
            ])
            document = service.create_document(actor, agreement, title, clause_ids=[])
            version = document.versions[0]
            version.terms = dict(source.terms or {})
            version.signing_order = source.signing_order
            document.approvals_needed = source.document.approvals_needed
            version.clauses = [VersionClause(clause_id=c.clause_id, position=c.position, category=c.category,
                                             title=c.title, body=c.body) for c in source.clauses]
            history.record(actor, "document.copied_from_template", version, {"template": [None, template.title]})
            db.session.commit()
            created += 1
        jobs.progress(job_id, done, len(schools), school.name)
    return {"created": created, "skipped": skipped, "url": f"/agreements?org={district.id}",
            "link_text": f"{created} draft MOUs created, {skipped} already there: see the agreements"}


def export_path(job_id: int) -> Path:
    return Path(current_app.instance_path) / "exports" / f"signed-mous-{job_id}.zip"


def sealed_versions(agreement_ids: list[int]) -> list[DocumentVersion]:
    return list(db.session.execute(
        select(DocumentVersion).join(Document, DocumentVersion.document_id == Document.id)
        .where(Document.agreement_id.in_(agreement_ids), DocumentVersion.pdf_sha256.is_not(None))
        .order_by(Document.agreement_id, Document.id, DocumentVersion.number)
    ).scalars())


def zip_signed(job_id: int, agreement_ids: list[int]) -> dict:
    versions = sealed_versions(agreement_ids)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        names = set()
        for done, version in enumerate(versions, start=1):
            name = safe_filename(pdf.filename(version))  # no "/", "\\" or ".." an unzip tool could follow
            while name in names:
                name = "_" + name
            names.add(name)
            archive.writestr(name, version.pdf)
            jobs.progress(job_id, done, len(versions), name)
    path = export_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return {"count": len(versions), "url": f"/documents/exports/{job_id}",
            "link_text": f"Download {len(versions)} signed PDFs (zip)"}
