"""Sessions added through the dashboard's sidebar: imported one by one, each told its fate."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import streamlit as st

from holdtrack.dashboard.plain import plain
from holdtrack.library import ImportRejected
from holdtrack.library.scoped import NotYours


def import_uploads(
    lib: Any, uploads: list[Any], patient: str | None, start_utc: datetime | None = None
) -> None:
    """Import uploaded files one by one; a bad file gets a message and stops nothing else."""
    for up in uploads:
        with tempfile.TemporaryDirectory() as tmp:
            # A fixed name: the uploaded name is only shown, never used as a path.
            path = Path(tmp) / ("upload" + Path(up.name).suffix.lower()[:10])
            path.write_bytes(up.getvalue())
            try:
                done = lib.import_file(
                    path, patient_id=patient, original_name=up.name, start_utc=start_utc
                )
            except (ImportRejected, NotYours) as exc:
                st.sidebar.error(plain(str(exc)))
            else:
                if done.duplicate:
                    st.sidebar.info(
                        plain(f"{up.name} is already in the library ({done.patient_id})")
                    )
                else:
                    st.sidebar.success(plain(f"Imported {up.name}"))
