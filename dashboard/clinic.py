"""Clinic mode: logging in and out, enrolling patients and their devices, and the
administrator's pages (therapists, who treats whom, the audit log)."""

from __future__ import annotations

import io
import os
from datetime import datetime

import pandas as pd
import segno
import streamlit as st

from holdtrack.dashboard.plain import plain
from holdtrack.dashboard.state import audit_once, library_root, open_accounts
from holdtrack.library.accounts_model import AccountError, User
from holdtrack.library.credentials import IDLE_TIMEOUT_S


def client_address() -> str:
    """The browser's address as the server sees it (for counting failed logins)."""
    return str(getattr(st.context, "ip_address", None) or "")


def login_page() -> None:
    """The login form; a failed or locked-out attempt says so and nothing more."""
    st.title("holdtrack clinic")
    if st.session_state.pop("login_ended", False):
        st.info(f"You were logged out after {IDLE_TIMEOUT_S / 60:.0f} minutes without activity.")
    with st.form("login"):
        username = st.text_input("User name", key="login_name")
        password = st.text_input("Password", type="password", key="login_password")
        if st.form_submit_button("Log in"):
            try:
                _, token = open_accounts(library_root()).login(username, password, client_address())
            except AccountError as exc:
                st.error(str(exc))
            else:
                st.session_state["login_token"] = token
                st.rerun()


def logout_button(user: User) -> None:
    """Who is logged in, and the way out."""
    st.sidebar.caption(f"Logged in as {plain(user.username)} ({user.role})")
    if st.sidebar.button("Log out", key="logout"):
        open_accounts(library_root()).logout(st.session_state.pop("login_token", ""))
        st.session_state.clear()
        st.rerun()


def api_url() -> str:
    """The address patients link their machines to."""
    return os.environ.get("HOLDTRACK_API_URL", "https://clinic.example")


def patients_page(user: User) -> None:
    """A therapist's patients: enrol one (a code as text and QR), and their linked devices."""
    acc = open_accounts(library_root())
    st.header("Patients and devices")
    with st.form("enrol"):
        patient = st.text_input("Enrol a patient: their id", key="enrol_patient")
        if st.form_submit_button("Make an enrolment code"):
            try:
                code, expires = acc.enrol(patient, user)
            except (AccountError, ValueError) as exc:
                st.error(plain(str(exc)))
            else:
                _show_code(code, expires)
    devices = acc.devices(acc.patients_of(user))
    if not devices:
        st.info("No linked devices yet.")
    for d in devices:
        c1, c2 = st.columns([4, 1])
        state = "revoked" if d.revoked else "active"
        c1.write(f"{plain(d.patient_id)} · {plain(d.name)} · linked {_when(d.created)} · {state}")
        if not d.revoked and c2.button("Revoke", key=f"revoke_{d.id}"):
            acc.revoke(d.id, user)
            st.rerun()


def _show_code(code: str, expires: float) -> None:
    """An enrolment code as text and QR code, with the command the patient types."""
    command = f"holdtrack link {api_url()} {code}"
    st.success(f"Enrolment code: {code} (valid until {_when(expires)}, once)")
    st.code(command, language=None)
    buf = io.BytesIO()
    segno.make(command, error="m").save(buf, kind="png", scale=6)
    st.image(buf.getvalue(), caption="The same, to scan", width=240)


def _when(t: float) -> str:
    """A moment in the server's local time."""
    return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


def therapists_page(user: User) -> None:
    """The administrator adds and disables therapist accounts."""
    acc = open_accounts(library_root())
    st.header("Therapists")
    with st.form("add_therapist"):
        name = st.text_input("New therapist's user name", key="new_therapist")
        password = st.text_input("Their first password", type="password", key="new_password")
        if st.form_submit_button("Add"):
            try:
                acc.add_user(name, password, "therapist")
            except (AccountError, ValueError) as exc:
                st.error(plain(str(exc)))
            else:
                acc.audit(user.username, "add therapist", None, name)
                st.success(f"Added {plain(name)}")
    for t in [u for u in acc.users() if u.role == "therapist"]:
        c1, c2 = st.columns([4, 1])
        c1.write(plain(t.username))
        if c2.button("Disable", key=f"disable_{t.id}"):
            acc.set_disabled(t.username)
            acc.audit(user.username, "disable therapist", None, t.username)
            st.rerun()


def assignments_page(user: User) -> None:
    """The administrator sees who treats whom and reassigns a patient."""
    acc = open_accounts(library_root())
    st.header("Who treats whom")
    table = pd.DataFrame(
        [{"patient": p, "therapist": t} for p, t in acc.all_patients().items()],
        columns=["patient", "therapist"],
    )
    st.dataframe(table, hide_index=True, width="stretch")
    therapists = [u.username for u in acc.users() if u.role == "therapist"]
    if table.empty or not therapists:
        return
    with st.form("reassign"):
        patient = st.selectbox("Patient", list(table["patient"]), key="reassign_patient")
        to = st.selectbox("New therapist", therapists, key="reassign_to")
        if st.form_submit_button("Reassign"):
            acc.assign(patient, to)
            acc.audit(user.username, "reassign", patient, f"to {to}")
            st.success(f"{plain(patient)} is now {plain(to)}'s patient")


def audit_page(user: User) -> None:
    """The administrator reads the audit log: who viewed or exported whose data, and when."""
    acc = open_accounts(library_root())
    st.header("Audit log")
    rows = acc.audit_log()
    table = pd.DataFrame(rows, columns=["id", "at", "actor", "action", "patient_id", "detail"])
    table["at"] = [_when(t) for t in table["at"]]
    st.dataframe(table, hide_index=True, width="stretch")
    audit_once("read audit log", None)
