"""Where Bailiff is and how to authenticate, read once from the environment.

- ``BAILIFF_URL``: the API's base URL (default ``http://127.0.0.1:8080``, what ``npm start`` serves).
- ``BAILIFF_TOKEN``: a static bearer token (locally: one from ``.bailiff/dev-tokens.json``).
- Without a token, on a non-loopback URL: a Google ID token for ``BAILIFF_AUDIENCE``
  (default: the URL itself, which is what the deployed api function expects).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from .auth import GoogleIdTokenAuth, StaticTokenAuth

DEFAULT_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class BailiffSettings:
    url: str
    token: str | None = None
    audience: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BailiffSettings:
        source = os.environ if env is None else env
        url = (source.get("BAILIFF_URL") or DEFAULT_URL).strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"BAILIFF_URL must be an http(s) URL, not {url!r}")
        token = (source.get("BAILIFF_TOKEN") or "").strip() or None
        audience = (source.get("BAILIFF_AUDIENCE") or "").strip() or None
        return cls(url=url, token=token, audience=audience)

    def auth(self) -> httpx.Auth:
        """A static token when one is set; a Google ID token for remote URLs; else a clear error."""
        if self.token:
            return StaticTokenAuth(self.token)
        if _is_loopback(self.url):
            raise ValueError(
                "BAILIFF_TOKEN is not set: a local Bailiff takes a static token "
                "(npm start prints them and keeps them in .bailiff/dev-tokens.json)"
            )
        return GoogleIdTokenAuth(self.audience or self.url)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
