"""Who the client says it is: a static bearer token locally, a Google-signed ID token on Cloud.

On Google Cloud, Bailiff's api function accepts ID tokens whose audience is its own URL; the
credentials come from the environment (a service account on Cloud Run or GKE, or
``GOOGLE_APPLICATION_CREDENTIALS``). The token is fetched once and refreshed shortly before it
expires, never per request.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Protocol

import httpx

#: Refresh this long before the token's expiry, so a request never leaves with a dying token.
_REFRESH_MARGIN_SECONDS = 300


class IdTokenCredentials(Protocol):
    """What google-auth's ID-token credentials offer that this module uses."""

    token: str | None
    expiry: datetime | None

    def refresh(self, request: object) -> None: ...


class StaticTokenAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` with a token from ``BAILIFF_TOKENS`` or ``dev-tokens.json``."""

    def __init__(self, token: str) -> None:
        if not token.strip():
            raise ValueError("an empty bearer token")
        self._header = f"Bearer {token.strip()}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def _google_credentials(audience: str) -> tuple[IdTokenCredentials, object]:
    # Imported here: only Cloud deployments need google-auth's transport.
    import google.auth.transport.requests
    import google.oauth2.id_token

    request = google.auth.transport.requests.Request()
    credentials: IdTokenCredentials = google.oauth2.id_token.fetch_id_token_credentials(audience, request=request)  # type: ignore[no-untyped-call]
    return credentials, request


class GoogleIdTokenAuth(httpx.Auth):
    """A Google-signed ID token for ``audience`` (the api function's URL), cached until near expiry.

    ``credentials_factory`` exists for tests and unusual environments; by default google-auth
    finds the credentials the environment provides.
    """

    def __init__(
        self,
        audience: str,
        *,
        credentials_factory: Callable[[str], tuple[IdTokenCredentials, object]] = _google_credentials,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.audience = audience
        self._factory = credentials_factory
        self._clock = clock
        self._lock = threading.Lock()
        self._credentials: IdTokenCredentials | None = None
        self._request: object = None

    def _expires_soon(self, credentials: IdTokenCredentials) -> bool:
        expiry = credentials.expiry
        if credentials.token is None or expiry is None:
            return True
        # google-auth keeps expiries as naive UTC datetimes.
        aware = expiry if expiry.tzinfo is not None else expiry.replace(tzinfo=timezone.utc)
        return aware.timestamp() - self._clock() < _REFRESH_MARGIN_SECONDS

    def token(self) -> str:
        """A valid ID token, refreshed when it expires within five minutes."""
        with self._lock:
            if self._credentials is None:
                self._credentials, self._request = self._factory(self.audience)
            if self._expires_soon(self._credentials):
                self._credentials.refresh(self._request)
            token = self._credentials.token
            if not token:
                raise RuntimeError(f"google-auth returned no ID token for {self.audience}")
            return token

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        import anyio.to_thread

        token = await anyio.to_thread.run_sync(self.token)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request
