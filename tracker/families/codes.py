"""Family codes: a short code per student's letter home, with 60 random bits, typed by a family on /family.

A code is 12 characters of Crockford's base 32 (no I, L, O or U, so nothing reads two ways), shown in three
groups: "7KQ2-XM9D-4TRB". It is worked out from the code's random seed with the app's secret key, so the
database alone never yields a code, and a letter printed again carries the same one. A family's typing is
forgiving: case, spaces, dashes, and O/I/L for 0/1/1 do not matter.

Changing SECRET_KEY changes every code: letters already home stop working and must be printed again.
"""
import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, func, insert, select

from tracker import outward
from tracker.cards import privacy
from tracker.extensions import db
from tracker.families.models import FamilyCode

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12  # 12 characters of 5 bits: 60 random bits
READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def code_of(seed: str) -> str:
    """The code a seed stands for (12 characters, no dashes)."""
    key = current_app.config["SECRET_KEY"].encode()
    number = int.from_bytes(hmac.new(key, f"family-code:{seed}".encode(), hashlib.sha256).digest()[:8], "big")
    number >>= 64 - 5 * LENGTH
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(LENGTH)))


def shown(code: str) -> str:
    """The code as printed: three groups of four."""
    return "-".join(code[i:i + 4] for i in range(0, LENGTH, 4))


def typed(text: str | None) -> str | None:
    """What a family typed, as a code (None: it cannot be one)."""
    code = "".join((text or "").upper().split()).replace("-", "").translate(READS_AS)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def digest(code: str) -> str:
    return hashlib.sha256(f"family-code:{code}".encode()).hexdigest()


def issue(drive_id: int, agreement_id: int, student_ids: list[int]) -> dict[int, FamilyCode]:
    """The live code of each student for this drive, making one for those who have none (the caller commits)."""
    live = _live(drive_id, student_ids)
    missing = [s for s in student_ids if s not in live]
    if missing:
        rows = []
        for student_id in missing:
            seed = secrets.token_hex(16)
            rows.append({"agreement_id": agreement_id, "drive_id": drive_id, "student_id": student_id, "seed": seed,
                         "digest": digest(code_of(seed)), "created_at": datetime.utcnow(), "answer": "",
                         "answer_language": ""})
        db.session.execute(insert(FamilyCode).execution_options(agreement_id=agreement_id), rows)
        live.update(_live(drive_id, missing))
    return live


def _live(drive_id: int, student_ids: list[int]) -> dict[int, FamilyCode]:
    found: dict[int, FamilyCode] = {}
    for start in range(0, len(student_ids), 1000):
        chunk = student_ids[start:start + 1000]
        found.update({c.student_id: c for c in db.session.scalars(select(FamilyCode).where(
            FamilyCode.drive_id == drive_id, FamilyCode.student_id.in_(chunk), FamilyCode.revoked_at.is_(None)))})
    return found


def page_link(code: str) -> str:
    """The family page for this code, as printed on the letter and in its QR code."""
    return outward.link("families.arrive", code=shown(code))


def held(agreement_id: int) -> int:
    """How many codes (with their answers) an agreement's students have: the privacy purge's count."""
    return db.session.scalar(select(func.count(FamilyCode.id)).where(FamilyCode.agreement_id == agreement_id)) or 0


def destroy(agreement_id: int) -> None:
    """The privacy purge: every code of the agreement goes with its students (so no letter answers any more)."""
    db.session.execute(delete(FamilyCode).where(FamilyCode.agreement_id == agreement_id)
                       .execution_options(agreement_id=agreement_id))


privacy.add_held(privacy.Held("family_codes", "family_codes_deleted", held, destroy))
