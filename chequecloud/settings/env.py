"""The one place settings read the environment from (STYLE 13)."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A developer may keep overrides in a git-ignored .env; the environment always wins.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("CHEQUECLOUD_VAR_DIR", default=str(BASE_DIR / "var")))


def local_fernet_key(name: str) -> str:
    """A Fernet key (32 url-safe base64 bytes) generated into var/ on first use."""
    return local_secret(name, nbytes=32, fernet=True)


def local_secret(name: str, *, nbytes: int = 50, fernet: bool = False) -> str:
    """A secret generated into var/ on first use, for the embedded default only.

    Production settings never call this: there every secret comes from the environment.
    """
    path = VAR_DIR / "secrets" / name
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() if fernet else secrets.token_urlsafe(nbytes)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(value)
    tmp.chmod(0o600)
    tmp.replace(path)
    return value
