from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db

STATUSES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """One piece of long work: what it is, who started it, how far it has got, what it produced."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))  # e.g. "documents.bulk_drafts", "cards.roster_import"
    title: Mapped[str] = mapped_column(String(300))  # shown to the user: "Draft MOUs for 8 schools"
    task: Mapped[str] = mapped_column(String(200))  # "module:function" that does the work
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")  # the current step, or why it failed
    result: Mapped[dict] = mapped_column(JSON, default=dict)  # what the task returned (links, counts)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    language: Mapped[str | None] = mapped_column(String(10))  # its messages speak its starter's language
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0
