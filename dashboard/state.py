"""What every page shares: the library and accounts of this server, who is reading, the audit.

In local mode everyone at this machine reads the whole library; in clinic mode a logged-in
therapist reads through a library scoped to their patients, and every view of a patient's data
is written to the audit log.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

from holdtrack.dashboard.plain import plain
from holdtrack.library import Library, default_library_dir, import_sample_set
from holdtrack.library.accounts import Accounts
from holdtrack.library.accounts_model import User
from holdtrack.library.clinic_settings import ClinicSettings, read_settings, zone_names
from holdtrack.sensing.session import read_session


def clinic_mode() -> bool:
    """Whether this dashboard serves a clinic (login required) rather than one person."""
    return os.environ.get("HOLDTRACK_CLINIC") == "1"


def library_root() -> str:
    """The library folder this server was started on."""
    return os.environ.get("HOLDTRACK_LIBRARY") or str(default_library_dir())


@st.cache_resource(max_entries=4)
def session_samples(path: str) -> pd.DataFrame:
    """A session's samples, read once per server (files in the library never change)."""
    return read_session(path).data


@st.cache_resource
def open_library(root: str) -> Library:
    """The library for this server (samples imported into an empty one)."""
    lib = Library(Path(root))
    if not lib.patients() and not clinic_mode():
        import_sample_set(lib)
    lib.refresh()
    return lib


@st.cache_resource
def open_accounts(root: str) -> Accounts:
    """The clinic's accounts beside the library."""
    return Accounts(Path(root))


def current_user() -> User | None:
    """The logged-in account (clinic mode), checked against the accounts on every run."""
    if not clinic_mode():
        return None
    token = st.session_state.get("login_token")
    return open_accounts(library_root()).session_user(token)


def audit_once(action: str, patient_id: str | None, detail: str = "") -> None:
    """Write a view or export to the audit log (clinic mode), once per thing viewed."""
    user = current_user()
    if user is None:
        return
    key = (action, patient_id, detail)
    if st.session_state.get("_last_audit") == key:
        return
    st.session_state["_last_audit"] = key
    open_accounts(library_root()).audit(user.username, action, patient_id, detail)


def opened_person(title: str, action: str) -> str | None:
    """The person a page is about, with the page's heading (``title`` and their name) and its
    audit entry; None, said on the page, when there is nobody yet."""
    patient = st.session_state.get("patient")
    if patient is None:
        st.info("No people yet.")
        return None
    st.header(f"{title}: {plain(patient)}")
    audit_once(action, patient)
    return str(patient)


def clinic_settings() -> ClinicSettings:
    """The clinic's settings, with its time zone made definite: the one set for the clinic, else
    the browser's, else this machine's."""
    settings = read_settings(Path(library_root()))
    if settings.time_zone:
        return settings
    browser = getattr(st.context, "timezone", None) or ""
    return replace(settings, time_zone=browser) if browser in zone_names() else settings
