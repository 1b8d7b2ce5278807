"""Who may see whom, in a clinic: accounts, patients and their therapist, enrolment codes,
linked devices, failed attempts and an append-only audit log (``clinic.sqlite`` in the library).

Passwords are kept only as argon2id hashes; enrolment codes and device tokens, which are
random, only as SHA-256 hashes. Every read of patient data is scoped by
:meth:`Accounts.patients_of`; nothing here hides a widget, it answers who may read what.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from contextlib import AbstractContextManager
from pathlib import Path

from argon2.exceptions import InvalidHashError, VerificationError

from holdtrack.library import sqlite
from holdtrack.library.accounts_model import (
    SCHEMA,
    AccountError,
    Device,
    LockedOut,
    User,
)
from holdtrack.library.credentials import (
    ADDRESS_FAILURES,
    CODE_VALID_S,
    FAILURE_WINDOW_S,
    HASHER,
    IDLE_TIMEOUT_S,
    MAX_FAILURES,
    MIN_PASSWORD_CHARS,
    TOKEN_BYTES,
    new_code,
    normalised_code,
    token_hash,
)
from holdtrack.library.names import clean_name


class Accounts:
    """The clinic's accounts, beside a session library (``ROOT/clinic.sqlite``)."""

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / "clinic.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(SCHEMA)

    def _db(self) -> AbstractContextManager[sqlite3.Connection]:
        return sqlite.connect(self.path)

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return sqlite.transaction(self.path)

    # ------------------------------------------------------------------ people

    def add_user(self, username: str, password: str, role: str = "therapist") -> User:
        """A new admin or therapist account (the password kept as an argon2id hash)."""
        name = clean_name(username, "user name")
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
        if role not in ("admin", "therapist"):
            raise AccountError(f"role must be admin or therapist, not {role!r}")
        try:
            with self._tx() as db:
                cur = db.execute(
                    "INSERT INTO users (username, role, password_hash, created) VALUES (?,?,?,?)",
                    (name, role, HASHER.hash(password), time.time()),
                )
        except sqlite3.IntegrityError:
            raise AccountError(f"there is already an account {name!r}") from None
        return User(int(cur.lastrowid or 0), name, role)

    def users(self) -> list[User]:
        """Every account that is not disabled."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM users WHERE disabled = 0 ORDER BY username")
            return [User(r["id"], r["username"], r["role"]) for r in rows]

    def user(self, username: str) -> User | None:
        """The enabled account of that name."""
        return next((u for u in self.users() if u.username == username), None)

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        """Disable (or enable again) an account; its logins end at once."""
        with self._tx() as db:
            db.execute(
                "UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username)
            )
            db.execute(
                "DELETE FROM logins WHERE user_id IN (SELECT id FROM users WHERE username = ?)",
                (username,),
            )

    def assign(self, patient_id: str, therapist: str) -> None:
        """Make ``therapist`` the patient's therapist (a new patient, or a reassignment)."""
        pid = clean_name(patient_id, "person id")
        user = self.user(therapist)
        if user is None or user.role != "therapist":
            raise AccountError(f"no therapist account {therapist!r}")
        with self._tx() as db:
            db.execute(
                "INSERT INTO patients VALUES (?, ?, ?) ON CONFLICT (patient_id) DO UPDATE "
                "SET therapist_id = excluded.therapist_id",
                (pid, user.id, time.time()),
            )

    def therapist_of(self, patient_id: str) -> str | None:
        """The user name of the patient's therapist."""
        with self._db() as db:
            r = db.execute(
                "SELECT u.username FROM patients p JOIN users u ON u.id = p.therapist_id "
                "WHERE p.patient_id = ?",
                (patient_id,),
            ).fetchone()
        return r[0] if r else None

    def patients_of(self, user: User) -> frozenset[str]:
        """The patients whose data this account may read: a therapist's own; none for admin."""
        if user.role != "therapist":
            return frozenset()
        with self._db() as db:
            rows = db.execute("SELECT patient_id FROM patients WHERE therapist_id = ?", (user.id,))
            return frozenset(r[0] for r in rows)

    def all_patients(self) -> dict[str, str]:
        """Every enrolled patient and their therapist's user name (for the administrator)."""
        with self._db() as db:
            rows = db.execute(
                "SELECT p.patient_id, u.username FROM patients p JOIN users u "
                "ON u.id = p.therapist_id ORDER BY 1"
            )
            return {r[0]: r[1] for r in rows}

    # ------------------------------------------------------------------ logging in

    def login(self, username: str, password: str, address: str = "") -> tuple[User, str]:
        """Check a password; a fresh login token. Locked out after repeated failures from the
        name or the address, whatever the password then."""
        keys = [f"login:{username}"] + ([f"login-from:{address}"] if address else [])
        self._refuse_if_locked(keys[:1])
        self._refuse_if_locked(keys[1:], ADDRESS_FAILURES)
        with self._db() as db:
            r = db.execute(
                "SELECT * FROM users WHERE username = ? AND disabled = 0", (username,)
            ).fetchone()
        ok = False
        try:
            ok = r is not None and HASHER.verify(r["password_hash"], password)
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            self._fail(keys)
            self.audit(username or "?", "login failed", None, address)
            raise AccountError("wrong user name or password")
        user = User(r["id"], r["username"], r["role"])
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self._tx() as db:
            db.execute(
                "INSERT INTO logins VALUES (?, ?, ?)", (token_hash(token), user.id, time.time())
            )
        self.audit(user.username, "login", None, address)
        return user, token

    def session_user(self, token: str | None) -> User | None:
        """The account a login token belongs to, if it has been used within the idle timeout
        (each use restarts the timeout)."""
        if not token:
            return None
        now = time.time()
        with self._tx() as db:
            db.execute("DELETE FROM logins WHERE last_seen < ?", (now - IDLE_TIMEOUT_S,))
            r = db.execute(
                "SELECT u.* FROM logins l JOIN users u ON u.id = l.user_id "
                "WHERE l.token_hash = ? AND u.disabled = 0",
                (token_hash(token),),
            ).fetchone()
            if r is None:
                return None
            db.execute(
                "UPDATE logins SET last_seen = ? WHERE token_hash = ?", (now, token_hash(token))
            )
        return User(r["id"], r["username"], r["role"])

    def logout(self, token: str) -> None:
        """End a login."""
        with self._tx() as db:
            db.execute("DELETE FROM logins WHERE token_hash = ?", (token_hash(token),))

    def _refuse_if_locked(self, keys: list[str], limit: int = MAX_FAILURES) -> None:
        """LockedOut when any key failed ``limit`` times within the window."""
        since = time.time() - FAILURE_WINDOW_S
        with self._db() as db:
            for key in keys:
                n = db.execute(
                    "SELECT COUNT(*) FROM failures WHERE key = ? AND at >= ?", (key, since)
                ).fetchone()[0]
                if n >= limit:
                    minutes = FAILURE_WINDOW_S / 60
                    raise LockedOut(f"too many failed attempts; try again in {minutes:.0f} minutes")

    def _fail(self, keys: list[str]) -> None:
        """Count one failure under each key."""
        now = time.time()
        with self._tx() as db:
            db.executemany("INSERT INTO failures VALUES (?, ?)", [(k, now) for k in keys])
            db.execute("DELETE FROM failures WHERE at < ?", (now - 4 * FAILURE_WINDOW_S,))

    # ------------------------------------------------------------------ enrolment and devices

    def enrol(self, patient_id: str, therapist: User) -> tuple[str, float]:
        """A one-time code (and when it expires) that links one device of this patient, who
        becomes (or stays) the therapist's."""
        if therapist.role != "therapist":
            raise AccountError("only a therapist enrols patients")
        owner = self.therapist_of(clean_name(patient_id, "person id"))
        if owner is not None and owner != therapist.username:
            raise AccountError(f"{patient_id} is another therapist's patient")
        self.assign(patient_id, therapist.username)
        code = new_code()
        expires = time.time() + CODE_VALID_S
        with self._tx() as db:
            db.execute(
                "INSERT INTO enrolments VALUES (?, ?, ?, ?, NULL)",
                (token_hash(code), clean_name(patient_id), time.time(), expires),
            )
        self.audit(therapist.username, "enrol", clean_name(patient_id), "code issued")
        return code, expires

    def link(self, code: str, device_name: str, address: str = "") -> tuple[str, str]:
        """Spend an enrolment code: (device token, patient id). The code works once, before it
        expires; wrong codes count towards a lock-out of the address."""
        keys = [f"enrol-from:{address}"] if address else ["enrol"]
        self._refuse_if_locked(keys)
        now = time.time()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self._tx() as db:
            r = db.execute(
                "SELECT * FROM enrolments WHERE code_hash = ?", (token_hash(normalised_code(code)),)
            ).fetchone()
            valid = r is not None and r["used"] is None and r["expires"] > now
            if valid:
                db.execute(
                    "UPDATE enrolments SET used = ? WHERE code_hash = ?", (now, r["code_hash"])
                )
                db.execute(
                    "INSERT INTO devices (token_hash, patient_id, name, created) VALUES (?,?,?,?)",
                    (token_hash(token), r["patient_id"], device_name[:80] or "device", now),
                )
        if not valid:
            self._fail(keys)
            raise AccountError("this enrolment code is unknown, already used or expired")
        self.audit("device", "link", r["patient_id"], device_name[:80])
        return token, r["patient_id"]

    def device_patient(self, token: str | None) -> str | None:
        """The patient a device token uploads for; None for a missing, wrong or revoked one."""
        if not token:
            return None
        with self._db() as db:
            r = db.execute(
                "SELECT patient_id FROM devices WHERE token_hash = ? AND revoked IS NULL",
                (token_hash(token),),
            ).fetchone()
        return r[0] if r else None

    def devices(self, patient_ids: frozenset[str] | None = None) -> list[Device]:
        """Linked devices, of these patients only when given."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM devices ORDER BY created").fetchall()
        return [
            Device(r["id"], r["patient_id"], r["name"], r["created"], r["revoked"])
            for r in rows
            if patient_ids is None or r["patient_id"] in patient_ids
        ]

    def revoke(self, device_id: int, by: User) -> bool:
        """Make a device's token useless at once; only its patient's therapist or an admin."""
        device = next((d for d in self.devices() if d.id == device_id), None)
        if device is None:
            return False
        if by.role != "admin" and device.patient_id not in self.patients_of(by):
            return False
        with self._tx() as db:
            db.execute("UPDATE devices SET revoked = ? WHERE id = ?", (time.time(), device_id))
        self.audit(by.username, "revoke device", device.patient_id, device.name)
        return True

    # ------------------------------------------------------------------ audit

    def audit(self, actor: str, action: str, patient_id: str | None, detail: str = "") -> None:
        """Append to the audit log: who did what with whose data."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO audit (at, actor, action, patient_id, detail) VALUES (?,?,?,?,?)",
                (time.time(), actor, action, patient_id, detail),
            )

    def audit_log(self, limit: int = 1000) -> list[dict[str, object]]:
        """The newest entries of the audit log."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))
            return [dict(r) for r in rows]
