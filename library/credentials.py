"""How the clinic's secrets are made and kept: passwords as argon2id hashes; enrolment codes
and device or login tokens, random and long, as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed by hand
CODE_LENGTH = 12  # 12 of 31 symbols: about 59 bits, tried at most a few times before lock-out
CODE_VALID_S = 72 * 3600.0  # three days to link a device at home
TOKEN_BYTES = 32  # 256-bit device and login tokens
IDLE_TIMEOUT_S = 30 * 60.0  # a therapist's login ends after this long without a request
MAX_FAILURES = 5  # failed logins of one account, or enrolment codes from one address ...
ADDRESS_FAILURES = 20  # failed logins from one address (a clinic shares one) ...
FAILURE_WINDOW_S = 15 * 60.0  # ... within this window lock that name or address this long
MIN_PASSWORD_CHARS = 10
HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


def token_hash(token: str) -> str:
    """How a random code or token is kept: its SHA-256 (it has too much entropy to guess)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_code() -> str:
    """A fresh enrolment code, easy to read aloud and type."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalised_code(text: str) -> str:
    """A code as typed (spaces, dashes, lower case) in its canonical form."""
    return "".join(c for c in text.upper() if c.isalnum())
