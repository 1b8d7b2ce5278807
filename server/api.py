"""The clinic's HTTP API: patients' devices link and upload; therapists read their own patients.

Every route that reads patient data reads through a library scoped to the token's owner
(``deps.reader``); a patient or session outside that scope answers 404, as if it did not exist.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from holdtrack.library import Library
from holdtrack.library.accounts import Accounts
from holdtrack.server import routes_devices, routes_staff

API = "/api/v1"


def create_api(root: Path, clinic_name: str = "the clinic") -> FastAPI:
    """The API over the library (and its accounts) at ``root``."""
    app = FastAPI(title="holdtrack clinic", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.library = Library(root)
    app.state.accounts = Accounts(root)
    app.state.clinic = clinic_name
    app.include_router(routes_devices.router, prefix=API)
    app.include_router(routes_staff.router, prefix=API)
    return app
