"""Where Bailiff is and how to authenticate, read once from the environment.

- ``BAILIFF_URL``: the API's base URL (default ``http://127.0.0.1:8080``, what ``npm start`` serves).
- ``BAILIFF_TOKEN``: a static bearer token (locally: one from ``.bailiff/dev-tokens.json``).
- Without a token, on an https URL: a Google ID token for ``BAILIFF_AUDIENCE`` (default: the
  URL itself, which is what the deployed api function expects). The same rule as the
  TypeScript client's (``usesGoogleIdToken``); test/corpus/clients.json holds both to it.
"""

from __future__ import annotations

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

    @property
    def uses_google_id_token(self) -> bool:
        """Whether this client proves itself with a Google ID token: without a static token, on an https api only."""
        return not self.token and urlsplit(self.url).scheme == "https"

    def auth(self) -> httpx.Auth:
        """A static token when one is set; a Google ID token for an https api; else a clear error."""
        if self.token:
            return StaticTokenAuth(self.token)
        if self.uses_google_id_token:
            return GoogleIdTokenAuth((self.audience or self.url).rstrip("/"))
        raise ValueError(
            "BAILIFF_TOKEN is not set: a Bailiff served over http takes a static token "
            "(npm start prints them and keeps them in .bailiff/dev-tokens.json)"
        )
