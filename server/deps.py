"""Who is asking: the library, accounts and clinic of this server, and the reader of a request.

Every route gets them from here, so every read of patient data is scoped by the token that
came with the request.
"""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request

from holdtrack.library import Library
from holdtrack.library.accounts import Accounts
from holdtrack.library.accounts_model import User
from holdtrack.library.scoped import ScopedLibrary


def library(request: Request) -> Library:
    """This server's session library."""
    return request.app.state.library


def accounts(request: Request) -> Accounts:
    """This server's accounts."""
    return request.app.state.accounts


def address(request: Request) -> str:
    """The caller's address (for counting failed attempts)."""
    return request.client.host if request.client else ""


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def unauthorised(detail: str) -> HTTPException:
    """401 with the header that says how to authenticate."""
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def device_patient(request: Request, acc: Accounts = Depends(accounts)) -> str:
    """The patient whose device sent this request (401 for no, a wrong or a revoked token)."""
    patient = acc.device_patient(bearer(request))
    if patient is None:
        raise unauthorised("no valid device token (link this machine again)")
    return patient


def staff(request: Request, acc: Accounts = Depends(accounts)) -> User:
    """The logged-in therapist or administrator (401 when the login is missing or ended)."""
    user = acc.session_user(bearer(request))
    if user is None:
        raise unauthorised("log in first")
    return user


def therapist(user: User = Depends(staff)) -> User:
    """A logged-in therapist (403 for the administrator, who reads no patient data)."""
    if user.role != "therapist":
        raise HTTPException(403, "for therapists")
    return user


def admin(user: User = Depends(staff)) -> User:
    """The logged-in administrator."""
    if user.role != "admin":
        raise HTTPException(403, "for the administrator")
    return user


def reader(
    user: User = Depends(therapist),
    lib: Library = Depends(library),
    acc: Accounts = Depends(accounts),
) -> ScopedLibrary:
    """The library as this therapist may read it: their patients only."""
    return ScopedLibrary(lib, acc.patients_of(user))
