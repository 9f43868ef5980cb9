"""PostgreSQL SCRAM-SHA-256 password verifiers (RFC 5802 / RFC 7677, the format of `pg_authid.rolpassword`).

A role's password is set from its verifier, never from the password itself: `ALTER ROLE ... PASSWORD '<verifier>'`
stores the verifier as given, and nothing the server logs (`log_statement = ddl` on the managed servers, exported
to the cloud's log service) can be replayed to log in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

ITERATIONS = 4096  # PostgreSQL's default scram_iterations


def scram_sha256_verifier(password: str, salt: bytes, iterations: int = ITERATIONS) -> str:
    """`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, all base64, as PostgreSQL stores it."""
    if len(salt) < 16:
        raise ValueError("a SCRAM salt needs at least 16 bytes")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
