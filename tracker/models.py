"""Every domain's tables, imported in one place for migrations and the app factory."""
from tracker.agreements.models import Agreement, Goal, Party  # noqa: F401
from tracker.audit.models import AuditEvent, AuditHead  # noqa: F401
from tracker.auth.models import AccountLink, SignupDomain, User, UserSession, membership  # noqa: F401
from tracker.orgs.models import Contact, Organisation  # noqa: F401
from tracker.partners.models import PartnerLink, ProposedChange, ProposedItem  # noqa: F401
from tracker.jobs.models import Job  # noqa: F401
from tracker.cards.models import (  # noqa: F401
    CardDrive, CardProgramme, ColumnMapping, DataSharingSpec, DriveCount, OptOut, RosterImport, Student,
)
from tracker.families.models import FamilyCode, FamilyLetter  # noqa: F401
from tracker.outcomes.models import ActivityMapping, ActivityReport, CardActivity  # noqa: F401
from tracker.resources.models import ResourceShare  # noqa: F401
from tracker.milestones.models import Communication, Milestone  # noqa: F401
from tracker.health.models import SurveyAnswer, SurveyRound  # noqa: F401
from tracker.calendar.models import CalendarFeed, ReminderSent, ReminderSetting  # noqa: F401
from tracker.clauses.models import Clause  # noqa: F401
from tracker.documents.models import Approval, Document, DocumentVersion, Signatory, SigningLink, VersionClause  # noqa: F401
from tracker.documents import freezing  # noqa: F401,E402  (the ORM hooks that keep signed versions frozen)
