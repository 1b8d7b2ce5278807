"""Routes for patients' devices: link with an enrolment code, upload sessions, list their own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from holdtrack.library import Library
from holdtrack.library.accounts import Accounts
from holdtrack.library.accounts_model import AccountError, LockedOut
from holdtrack.library.scoped import ScopedLibrary
from holdtrack.server.deps import accounts, address, device_patient, library
from holdtrack.server.uploads import store_upload

router = APIRouter()


class LinkRequest(BaseModel):
    """A device asking to be linked with an enrolment code."""

    code: str
    device_name: str = "device"


@router.get("/health")
def health(request: Request) -> dict[str, str]:
    """That the server runs, and which clinic it is."""
    return {"status": "ok", "clinic": request.app.state.clinic}


@router.post("/link", status_code=201)
def link(body: LinkRequest, request: Request, acc: Accounts = Depends(accounts)) -> dict[str, str]:
    """Spend an enrolment code for a device token (shown once, kept only as a hash)."""
    try:
        token, patient = acc.link(body.code, body.device_name, address(request))
    except LockedOut as exc:
        raise HTTPException(429, str(exc)) from exc
    except AccountError as exc:
        raise HTTPException(400, str(exc)) from exc
    return {"token": token, "patient_id": patient, "clinic": request.app.state.clinic}


@router.post("/sessions")
async def upload(
    request: Request,
    patient: str = Depends(device_patient),
    lib: Library = Depends(library),
    acc: Accounts = Depends(accounts),
) -> JSONResponse:
    """Store one session of the device's patient: 201 new, 200 already there, 4xx refused."""
    status, body = await store_upload(request, lib, patient)
    if status < 300:
        acc.audit("device", "upload", patient, str(body.get("session_id", "")))
        body["clinic"] = request.app.state.clinic
    return JSONResponse(body, status_code=status)


@router.get("/me/sessions")
def my_sessions(
    patient: str = Depends(device_patient), lib: Library = Depends(library)
) -> list[dict[str, Any]]:
    """The device's patient's own sessions (and nobody else's)."""
    return [session_json(r) for r in ScopedLibrary(lib, {patient}).sessions(patient)]


def session_json(r: Any) -> dict[str, Any]:
    """A session as the API lists it."""
    return {
        "session_id": r.id,
        "patient_id": r.patient_id,
        "start_utc": r.start_utc.isoformat(),
        "duration_s": r.duration_s,
        "n_holds": r.n_holds,
        "adherent_holds": r.adherent_holds,
        "hold_target_s": r.hold_target_s,
        "error": r.error,
    }
