"""Routes for therapists and the administrator: log in, read their own patients, enrol, revoke,
manage therapists and assignments, read the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from holdtrack.library.accounts import Accounts
from holdtrack.library.accounts_model import AccountError, LockedOut, User
from holdtrack.library.exports import hold_rows
from holdtrack.library.scoped import ScopedLibrary
from holdtrack.server.deps import (
    accounts,
    address,
    admin,
    bearer,
    reader,
    staff,
    therapist,
    unauthorised,
)
from holdtrack.server.routes_devices import session_json

router = APIRouter()


class LoginRequest(BaseModel):
    """A therapist or administrator logging in."""

    username: str
    password: str


class EnrolRequest(BaseModel):
    """A therapist enrolling a patient."""

    patient_id: str


class AccountRequest(BaseModel):
    """The administrator adding a therapist, or naming one for a patient."""

    username: str
    password: str = ""


@router.post("/login")
def login(body: LoginRequest, request: Request, acc: Accounts = Depends(accounts)) -> dict:
    """A login token for a right password; locked out after repeated failures."""
    try:
        user, token = acc.login(body.username, body.password, address(request))
    except LockedOut as exc:
        raise HTTPException(429, str(exc)) from exc
    except AccountError as exc:
        raise unauthorised(str(exc)) from exc
    return {"token": token, "role": user.role}


@router.post("/logout", status_code=204)
def logout(request: Request, _: User = Depends(staff), acc: Accounts = Depends(accounts)) -> None:
    """End this login."""
    acc.logout(bearer(request) or "")


@router.get("/patients")
def patients(r: ScopedLibrary = Depends(reader)) -> list[dict[str, Any]]:
    """The therapist's own patients."""
    return [{"patient_id": p, "sessions": len(r.sessions(p))} for p in r.patients()]


@router.get("/patients/{patient_id}/sessions")
def patient_sessions(
    patient_id: str,
    r: ScopedLibrary = Depends(reader),
    user: User = Depends(therapist),
    acc: Accounts = Depends(accounts),
) -> list[dict[str, Any]]:
    """One of the therapist's patients' sessions (404 for anyone else's)."""
    if patient_id not in r.patients():
        raise HTTPException(404, "no such patient")
    acc.audit(user.username, "list sessions", patient_id)
    return [session_json(s) for s in r.sessions(patient_id)]


def _scoped_session(r: ScopedLibrary, session_id: str) -> tuple[Any, dict[str, Any]]:
    """A session and its analysis, or 404 when it is not the reader's."""
    try:
        return r.session(session_id), r.analysis(session_id)
    except KeyError:
        raise HTTPException(404, "no such session") from None


@router.get("/sessions/{session_id}")
def session(
    session_id: str,
    r: ScopedLibrary = Depends(reader),
    user: User = Depends(therapist),
    acc: Accounts = Depends(accounts),
) -> dict[str, Any]:
    """A session and its analysis (the therapist's patients only)."""
    row, result = _scoped_session(r, session_id)
    acc.audit(user.username, "view session", row.patient_id, session_id)
    return {**session_json(row), "analysis": result}


@router.get("/sessions/{session_id}/holds.csv")
def holds_csv(
    session_id: str,
    r: ScopedLibrary = Depends(reader),
    user: User = Depends(therapist),
    acc: Accounts = Depends(accounts),
) -> PlainTextResponse:
    """The per-hold table of a session as CSV (the therapist's patients only)."""
    row, result = _scoped_session(r, session_id)
    acc.audit(user.username, "export holds", row.patient_id, session_id)
    text = hold_rows(result).to_csv(index=False) if "holds" in result else ""
    return PlainTextResponse(text, media_type="text/csv")


@router.post("/patients", status_code=201)
def enrol(
    body: EnrolRequest, user: User = Depends(therapist), acc: Accounts = Depends(accounts)
) -> dict[str, Any]:
    """Enrol a patient: a one-time code for their device."""
    try:
        code, expires = acc.enrol(body.patient_id, user)
    except (AccountError, ValueError) as exc:
        raise HTTPException(400, str(exc)) from exc
    return {"patient_id": body.patient_id, "code": code, "expires": expires}


@router.get("/devices")
def devices(user: User = Depends(staff), acc: Accounts = Depends(accounts)) -> list[dict]:
    """Linked devices: of the therapist's patients, or all for the administrator."""
    scope = None if user.role == "admin" else acc.patients_of(user)
    return [vars(d) for d in acc.devices(scope)]


@router.post("/devices/{device_id}/revoke", status_code=204)
def revoke(device_id: int, user: User = Depends(staff), acc: Accounts = Depends(accounts)) -> None:
    """Make a device's token useless at once."""
    if not acc.revoke(device_id, user):
        raise HTTPException(404, "no such device")


@router.post("/therapists", status_code=201)
def add_therapist(
    body: AccountRequest, user: User = Depends(admin), acc: Accounts = Depends(accounts)
) -> dict[str, str]:
    """Add a therapist account."""
    try:
        acc.add_user(body.username, body.password, "therapist")
    except (AccountError, ValueError) as exc:
        raise HTTPException(400, str(exc)) from exc
    acc.audit(user.username, "add therapist", None, body.username)
    return {"username": body.username}


@router.put("/patients/{patient_id}/therapist", status_code=204)
def reassign(
    patient_id: str,
    body: AccountRequest,
    user: User = Depends(admin),
    acc: Accounts = Depends(accounts),
) -> None:
    """Give a patient another therapist."""
    try:
        acc.assign(patient_id, body.username)
    except (AccountError, ValueError) as exc:
        raise HTTPException(400, str(exc)) from exc
    acc.audit(user.username, "reassign", patient_id, f"to {body.username}")


@router.get("/audit")
def audit(_: User = Depends(admin), acc: Accounts = Depends(accounts)) -> list[dict[str, Any]]:
    """The audit log, newest first."""
    return acc.audit_log()
