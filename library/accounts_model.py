"""What the clinic's accounts keep: the tables, and the people and devices read from them."""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT UNIQUE NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'therapist')),
    password_hash TEXT NOT NULL,
    created REAL NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS patients (
    patient_id TEXT PRIMARY KEY,
    therapist_id INTEGER NOT NULL REFERENCES users (id),
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS enrolments (
    code_hash TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (patient_id),
    created REAL NOT NULL,
    expires REAL NOT NULL,
    used REAL
);
CREATE TABLE IF NOT EXISTS devices (
    id INTEGER PRIMARY KEY,
    token_hash TEXT UNIQUE NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (patient_id),
    name TEXT NOT NULL,
    created REAL NOT NULL,
    revoked REAL
);
CREATE TABLE IF NOT EXISTS logins (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    last_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failures_key ON failures (key, at);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    patient_id TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


class AccountError(ValueError):
    """A request the accounts refuse; str() is one line for the person."""


class LockedOut(AccountError):
    """Too many failed attempts from this name or address; try again later."""


@dataclass(frozen=True)
class User:
    """A clinic account."""

    id: int
    username: str
    role: str  # "admin" or "therapist"


@dataclass(frozen=True)
class Device:
    """A patient's linked machine."""

    id: int
    patient_id: str
    name: str
    created: float
    revoked: float | None
