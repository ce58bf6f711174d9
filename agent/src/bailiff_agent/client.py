"""A typed client for Bailiff's whole HTTP API, synchronous (:class:`BailiffClient`) and
asynchronous (:class:`AsyncBailiffClient`), with the same method names.

Each endpoint is described once as a :class:`_Call` (method, path, query, body, how to read the
answer); the two clients only differ in how they send it. Every error answer becomes the
exception :func:`~bailiff_agent.errors.error_from_response` picks for its code.

    from bailiff_agent import BailiffClient
    client = BailiffClient.from_env()          # BAILIFF_URL, BAILIFF_TOKEN (or a Google ID token)
    view = client.propose("abby-sitgraves", "Sort intake", [{"type": "create_dir", "destination": "Police"}])
    print(client.console_url(view.plan.id))    # where a person approves it
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, Generic, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from .config import BailiffSettings
from .errors import BailiffError, PlanWaitTimeout, ProtocolError, TransportError, error_from_response
from .models import (
    CommandPlanView,
    FileContent,
    FileList,
    Health,
    PlanAudit,
    PlanList,
    PlanStatus,
    PlanView,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

OperationLike = BaseModel | Mapping[str, Any]
WaitUntil = Literal["decided", "finished"]

#: The content endpoint, as the OpenAPI document names it (added by the round-trip work).
CONTENT_ROUTE = ("get", "/cases/{case}/files/content")
#: The shell-commands endpoint (added by the toolkit work).
COMMANDS_ROUTE = ("post", "/plans/from-commands")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)

#: How long :meth:`BailiffClient.wait_for_plan` waits unless told otherwise, and how often it asks:
#: the first poll after 0.25 s, each next interval half again as long, at most 2 s. The same in
#: every surface (the TypeScript client's ``WAIT_DEFAULTS``, the CLI's ``--wait``).
WAIT_TIMEOUT_SECONDS = 300.0
WAIT_FIRST_INTERVAL_SECONDS = 0.25
WAIT_GROWTH = 1.5
WAIT_MAX_INTERVAL_SECONDS = 2.0


def plan_page_url(base_url: str, plan_id: str) -> str:
    """The console page where a person reviews the plan: ``<base>/ui/plans/<id>``, the id encoded
    as one path segment exactly as the TypeScript ``planPageUrl`` does (encodeURIComponent)."""
    return f"{base_url.rstrip('/')}/ui/plans/{quote(plan_id, safe=_URI_COMPONENT_SAFE)}"


#: What encodeURIComponent leaves as it is besides letters, digits and ``_.-``.
_URI_COMPONENT_SAFE = "!~*'()"


@dataclass(frozen=True)
class _Call(Generic[T]):
    """One request to Bailiff and how to read its answer."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: Mapping[str, str] | None = None
    json: Any = None
    follow_redirects: bool = False


def _segment(value: str) -> str:
    return quote(value, safe="")


def _model(model: type[M]) -> Callable[[httpx.Response], M]:
    def parse(response: httpx.Response) -> M:
        return model.model_validate(_json(response))

    return parse


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as error:
        raise ProtocolError(f"{response.request.method} {response.request.url.path} answered {response.status_code} without JSON", status=response.status_code) from error


def _content(path: str) -> Callable[[httpx.Response], FileContent]:
    def parse(response: httpx.Response) -> FileContent:
        etag = response.headers.get("etag")
        generation = etag.removeprefix("W/").strip('"') if etag else None
        return FileContent(path=path, data=response.content, generation=generation, content_type=response.headers.get("content-type"))

    return parse


def _operations(operations: Sequence[OperationLike]) -> list[Any]:
    return [op.model_dump(exclude_none=True) if isinstance(op, BaseModel) else dict(op) for op in operations]


def _query(**values: str | int | bool | None) -> dict[str, str]:
    return {key: (str(value).lower() if isinstance(value, bool) else str(value)) for key, value in values.items() if value is not None}


def _approval_body(plan_hash: str, snapshot_hash: str, comment: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"planHash": plan_hash, "snapshotHash": snapshot_hash}
    if comment:
        body["comment"] = comment
    return body


class _Calls:
    """Every endpoint of the API as a :class:`_Call`. The only place paths are spelled."""

    @staticmethod
    def health() -> _Call[Health]:
        return _Call("GET", "/health", _model(Health))

    @staticmethod
    def openapi() -> _Call[dict[str, Any]]:
        return _Call("GET", "/openapi.json", _json)

    @staticmethod
    def list_files(case: str, prefix: str | None, recursive: bool) -> _Call[FileList]:
        return _Call("GET", f"/cases/{_segment(case)}/files", _model(FileList), params=_query(prefix=prefix or None, recursive=recursive))

    @staticmethod
    def read_file(case: str, path: str) -> _Call[FileContent]:
        # On Cloud the answer is a redirect to a short-lived signed URL; httpx drops the
        # Authorization header when a redirect leaves Bailiff's origin.
        return _Call("GET", f"/cases/{_segment(case)}/files/content", _content(path), params={"path": path}, follow_redirects=True)

    @staticmethod
    def propose(case: str, description: str, operations: Sequence[OperationLike], on_error: str | None) -> _Call[PlanView]:
        body: dict[str, Any] = {"case": case, "description": description, "operations": _operations(operations)}
        if on_error:
            body["onError"] = on_error
        return _Call("POST", "/plans", _model(PlanView), json=body)

    @staticmethod
    def propose_from_commands(case: str, description: str, commands: str | Sequence[str], on_error: str | None) -> _Call[CommandPlanView]:
        text = commands if isinstance(commands, str) else "\n".join(commands)
        body: dict[str, Any] = {"case": case, "description": description, "commands": text}
        if on_error:
            body["onError"] = on_error
        return _Call("POST", "/plans/from-commands", _model(CommandPlanView), json=body)

    @staticmethod
    def get_plan(plan_id: str) -> _Call[PlanView]:
        return _Call("GET", f"/plans/{_segment(plan_id)}", _model(PlanView))

    @staticmethod
    def list_plans(case: str | None, status: PlanStatus | None, page_token: str | None, limit: int | None) -> _Call[PlanList]:
        return _Call("GET", "/plans", _model(PlanList), params=_query(case=case, status=status, pageToken=page_token, limit=limit))

    @staticmethod
    def plan_action(plan_id: str, action: str, body: Mapping[str, Any] | None = None) -> _Call[PlanView]:
        return _Call("POST", f"/plans/{_segment(plan_id)}/{action}", _model(PlanView), json=dict(body) if body is not None else {})

    @staticmethod
    def audit(plan_id: str) -> _Call[PlanAudit]:
        return _Call("GET", f"/plans/{_segment(plan_id)}/audit", _model(PlanAudit))

    @staticmethod
    def verify_audit() -> _Call[dict[str, Any]]:
        return _Call("GET", "/audit/verify", _json)

    @staticmethod
    def release_lease(case: str) -> _Call[dict[str, Any]]:
        return _Call("DELETE", f"/cases/{_segment(case)}/lease", _json)

    @staticmethod
    def snapshot(case: str, page_token: str | None) -> _Call[dict[str, Any]]:
        return _Call("GET", f"/cases/{_segment(case)}/snapshot", _json, params=_query(pageToken=page_token))

    @staticmethod
    def declare_blob(case: str, declaration: Mapping[str, Any]) -> _Call[dict[str, Any]]:
        return _Call("POST", f"/cases/{_segment(case)}/blobs", _json, json=dict(declaration))

    @staticmethod
    def propose_target(case: str, description: str, base: Sequence[Mapping[str, Any]], target: Sequence[Mapping[str, Any]]) -> _Call[PlanView]:
        body = {"case": case, "description": description, "base": [dict(entry) for entry in base], "target": [dict(entry) for entry in target]}
        return _Call("POST", "/plans", _model(PlanView), json=body)

    @staticmethod
    def content_path(case: str) -> str:
        return f"/cases/{_segment(case)}/files/content"


def _answer(call: _Call[T], response: httpx.Response) -> T:
    if response.status_code >= 400:
        body: Any = None
        try:
            body = response.json()
        except ValueError:
            pass
        raise error_from_response(response.status_code, body)
    return call.parse(response)


def _wait_reached(view: PlanView, until: WaitUntil) -> bool:
    """Where a wait stops, read from what Bailiff decided about the plan (never from its status)."""
    decisions = view.decisions
    return decisions.finished if until == "finished" else not decisions.awaiting_approval


@dataclass
class _Shared:
    """What both clients keep: where Bailiff is and the routes it announced."""

    base_url: str
    routes: set[tuple[str, str]] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def console_url(self, plan_id: str) -> str:
        return plan_page_url(self.base_url, plan_id)

    def remember_routes(self, document: Mapping[str, Any]) -> set[tuple[str, str]]:
        paths = document.get("paths")
        routes = {(method.lower(), path) for path, item in (paths.items() if isinstance(paths, dict) else []) if isinstance(item, dict) for method in item}
        with self.lock:
            self.routes = routes
        return routes


class BailiffClient:
    """Synchronous client. Use as a context manager, or call :meth:`close`.

    Every method raises a :class:`~bailiff_agent.errors.BailiffError` subclass on an error answer
    (``InvalidInputError`` with ``details`` naming each bad field, ``ConflictError``, ...).
    """

    def __init__(self, base_url: str, auth: httpx.Auth, *, timeout: httpx.Timeout = DEFAULT_TIMEOUT, transport: httpx.BaseTransport | None = None) -> None:
        self._shared = _Shared(base_url.rstrip("/"))
        self._http = httpx.Client(base_url=self._shared.base_url, auth=auth, timeout=timeout, transport=transport, headers={"Accept": "application/json"})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs: Any) -> BailiffClient:
        settings = BailiffSettings.from_env(env)
        return cls(settings.url, settings.auth(), **kwargs)

    @classmethod
    def with_token(cls, base_url: str, token: str, **kwargs: Any) -> BailiffClient:
        from .auth import StaticTokenAuth

        return cls(base_url, StaticTokenAuth(token), **kwargs)

    @property
    def base_url(self) -> str:
        return self._shared.base_url

    def console_url(self, plan_id: str) -> str:
        """Where a person reviews and approves the plan in Bailiff's console."""
        return self._shared.console_url(plan_id)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BailiffClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, call: _Call[T]) -> T:
        try:
            response = self._http.request(call.method, call.path, params=call.params, json=call.json if call.method != "GET" else None, follow_redirects=call.follow_redirects)
        except httpx.TransportError as error:
            raise TransportError(f"no answer from Bailiff at {self.base_url}: {error}") from error
        return _answer(call, response)

    # --- reading ---------------------------------------------------------------------------
    def health(self) -> Health:
        return self._send(_Calls.health())

    def openapi(self) -> dict[str, Any]:
        return self._send(_Calls.openapi())

    def supports(self, method: str, path: str) -> bool:
        """Whether this Bailiff serves ``method path`` (as its OpenAPI document spells it)."""
        routes = self._shared.routes if self._shared.routes is not None else self._shared.remember_routes(self.openapi())
        return (method.lower(), path) in routes

    def list_files(self, case: str, *, prefix: str | None = None, recursive: bool = True) -> FileList:
        """The case's objects (a path ending in ``/`` is an empty folder's marker)."""
        return self._send(_Calls.list_files(case, prefix, recursive))

    def read_file(self, case: str, path: str) -> FileContent:
        """An object's bytes and generation (``GET /cases/{case}/files/content?path=``)."""
        return self._send(_Calls.read_file(case, path))

    # --- plans -----------------------------------------------------------------------------
    def propose(self, case: str, description: str, operations: Sequence[OperationLike], *, on_error: str | None = None) -> PlanView:
        """Store a plan as ``proposed`` with its dry-run report (which may say ``valid: false``)."""
        return self._send(_Calls.propose(case, description, operations, on_error))

    def propose_from_commands(self, case: str, description: str, commands: str | Sequence[str], *, on_error: str | None = None) -> CommandPlanView:
        """Propose the plan equivalent to ``mkdir``/``mv``/``cp``/``rm``/``touch`` lines (never run)."""
        return self._send(_Calls.propose_from_commands(case, description, commands, on_error))

    def get_plan(self, plan_id: str) -> PlanView:
        return self._send(_Calls.get_plan(plan_id))

    def list_plans(self, *, case: str | None = None, status: PlanStatus | None = None, page_token: str | None = None, limit: int | None = None) -> PlanList:
        return self._send(_Calls.list_plans(case, status, page_token, limit))

    def validate(self, plan_id: str) -> PlanView:
        return self._send(_Calls.plan_action(plan_id, "validate"))

    def approve(self, plan_id: str, plan_hash: str, snapshot_hash: str, *, comment: str | None = None) -> PlanView:
        """Approve exactly the plan and the dry-run report that were reviewed (approver role; never the author).

        ``snapshot_hash`` is the ``report.snapshot_hash`` of the view the person read: if the plan's
        report changed since (the workspace moved and it was validated again), Bailiff refuses with
        :class:`ReportChangedError` and the plan stays unapproved.
        """
        return self._send(_Calls.plan_action(plan_id, "approve", _approval_body(plan_hash, snapshot_hash, comment)))

    def approve_reviewed(self, reviewed: PlanView, *, comment: str | None = None) -> PlanView:
        """Approve exactly what ``reviewed`` showed: its plan hash and its report's snapshot hash."""
        return self.approve(reviewed.plan.id, reviewed.plan.plan_hash, reviewed.report.snapshot_hash, comment=comment)

    def reject(self, plan_id: str, reason: str) -> PlanView:
        return self._send(_Calls.plan_action(plan_id, "reject", {"reason": reason}))

    def apply(self, plan_id: str) -> PlanView:
        """Queue an approved plan for execution; an unapproved one is a ``ConflictError``."""
        return self._send(_Calls.plan_action(plan_id, "apply"))

    def rollback(self, plan_id: str) -> PlanView:
        return self._send(_Calls.plan_action(plan_id, "rollback"))

    def audit(self, plan_id: str) -> PlanAudit:
        return self._send(_Calls.audit(plan_id))

    def verify_audit(self) -> dict[str, Any]:
        return self._send(_Calls.verify_audit())

    def release_lease(self, case: str) -> dict[str, Any]:
        return self._send(_Calls.release_lease(case))

    # --- the sandbox round trip (bailiff_agent.sandbox) -------------------------------------
    def snapshot(self, case: str, *, page_token: str | None = None) -> dict[str, Any]:
        """One page of every object of the case with size, md5 and generation (``GET /cases/{case}/snapshot``)."""
        return self._send(_Calls.snapshot(case, page_token))

    def declare_blob(self, case: str, declaration: Mapping[str, Any]) -> dict[str, Any]:
        """Declares new content by md5 and size: its blob reference and, unless already held, where to upload it."""
        return self._send(_Calls.declare_blob(case, declaration))

    def propose_target(self, case: str, description: str, base: Sequence[Mapping[str, Any]], target: Sequence[Mapping[str, Any]]) -> PlanView:
        """Proposes the case as ``target`` says it should be, from the ``base`` snapshot pulled."""
        return self._send(_Calls.propose_target(case, description, base, target))

    @contextmanager
    def stream_file(self, case: str, path: str) -> Iterator[httpx.Response]:
        """An object's bytes as a streamed response. On Cloud the answer is a redirect to a signed
        URL; httpx drops the Authorization header when a redirect leaves Bailiff's origin."""
        try:
            with self._http.stream("GET", _Calls.content_path(case), params={"path": path}, follow_redirects=True) as response:
                if response.status_code >= 400:
                    response.read()
                    _answer(_Call("GET", "", _json), response)
                yield response
        except httpx.TransportError as error:
            raise TransportError(f"no answer from Bailiff at {self.base_url}: {error}") from error

    def upload_blob(self, upload: Mapping[str, Any], body: IO[bytes]) -> None:
        """Sends a blob's bytes where :meth:`declare_blob` said: with this client's credentials to a
        path of the api, without them to a signed URL (a Bailiff token never reaches storage)."""
        try:
            if upload["authorization"] == "bearer":
                response = self._http.request(upload["method"], upload["url"], headers=upload["headers"], content=body)
            else:
                response = httpx.request(upload["method"], upload["url"], headers=upload["headers"], content=body, timeout=self._http.timeout)
        except httpx.TransportError as error:
            raise TransportError(f"upload to {upload['url']} got no answer: {error}") from error
        _answer(_Call(upload["method"], upload["url"], lambda _response: None), response)

    # --- waiting ---------------------------------------------------------------------------
    def wait_for_plan(self, plan_id: str, *, until: WaitUntil = "finished", timeout: float = WAIT_TIMEOUT_SECONDS, poll_interval: float = WAIT_FIRST_INTERVAL_SECONDS) -> PlanView:
        """Polls until the plan is decided (no longer awaiting a person's approval) or finished (nothing more happens to it unless a person acts), as the view's ``decisions`` say.

        Raises :class:`PlanWaitTimeout` after ``timeout`` seconds; the plan is not affected.
        """
        deadline = time.monotonic() + timeout
        interval = poll_interval
        while True:
            view = self.get_plan(plan_id)
            if _wait_reached(view, until):
                return view
            if time.monotonic() + interval > deadline:
                raise PlanWaitTimeout(f"plan {plan_id} is still {view.plan.status} after {timeout:g} s")
            time.sleep(interval)
            interval = min(interval * WAIT_GROWTH, WAIT_MAX_INTERVAL_SECONDS)

    def apply_and_wait(self, plan_id: str, *, timeout: float = WAIT_TIMEOUT_SECONDS) -> PlanView:
        """Queue an approved plan and wait until it succeeded or failed."""
        self.apply(plan_id)
        return self.wait_for_plan(plan_id, until="finished", timeout=timeout)


class AsyncBailiffClient:
    """Asynchronous twin of :class:`BailiffClient`: the same methods, awaited."""

    def __init__(self, base_url: str, auth: httpx.Auth, *, timeout: httpx.Timeout = DEFAULT_TIMEOUT, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._shared = _Shared(base_url.rstrip("/"))
        self._http = httpx.AsyncClient(base_url=self._shared.base_url, auth=auth, timeout=timeout, transport=transport, headers={"Accept": "application/json"})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs: Any) -> AsyncBailiffClient:
        settings = BailiffSettings.from_env(env)
        return cls(settings.url, settings.auth(), **kwargs)

    @classmethod
    def with_token(cls, base_url: str, token: str, **kwargs: Any) -> AsyncBailiffClient:
        from .auth import StaticTokenAuth

        return cls(base_url, StaticTokenAuth(token), **kwargs)

    @property
    def base_url(self) -> str:
        return self._shared.base_url

    def console_url(self, plan_id: str) -> str:
        return self._shared.console_url(plan_id)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncBailiffClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _send(self, call: _Call[T]) -> T:
        try:
            response = await self._http.request(call.method, call.path, params=call.params, json=call.json if call.method != "GET" else None, follow_redirects=call.follow_redirects)
        except httpx.TransportError as error:
            raise TransportError(f"no answer from Bailiff at {self.base_url}: {error}") from error
        return _answer(call, response)

    async def health(self) -> Health:
        return await self._send(_Calls.health())

    async def openapi(self) -> dict[str, Any]:
        return await self._send(_Calls.openapi())

    async def supports(self, method: str, path: str) -> bool:
        routes = self._shared.routes if self._shared.routes is not None else self._shared.remember_routes(await self.openapi())
        return (method.lower(), path) in routes

    async def list_files(self, case: str, *, prefix: str | None = None, recursive: bool = True) -> FileList:
        return await self._send(_Calls.list_files(case, prefix, recursive))

    async def read_file(self, case: str, path: str) -> FileContent:
        return await self._send(_Calls.read_file(case, path))

    async def propose(self, case: str, description: str, operations: Sequence[OperationLike], *, on_error: str | None = None) -> PlanView:
        return await self._send(_Calls.propose(case, description, operations, on_error))

    async def propose_from_commands(self, case: str, description: str, commands: str | Sequence[str], *, on_error: str | None = None) -> CommandPlanView:
        return await self._send(_Calls.propose_from_commands(case, description, commands, on_error))

    async def get_plan(self, plan_id: str) -> PlanView:
        return await self._send(_Calls.get_plan(plan_id))

    async def list_plans(self, *, case: str | None = None, status: PlanStatus | None = None, page_token: str | None = None, limit: int | None = None) -> PlanList:
        return await self._send(_Calls.list_plans(case, status, page_token, limit))

    async def validate(self, plan_id: str) -> PlanView:
        return await self._send(_Calls.plan_action(plan_id, "validate"))

    async def approve(self, plan_id: str, plan_hash: str, snapshot_hash: str, *, comment: str | None = None) -> PlanView:
        return await self._send(_Calls.plan_action(plan_id, "approve", _approval_body(plan_hash, snapshot_hash, comment)))

    async def approve_reviewed(self, reviewed: PlanView, *, comment: str | None = None) -> PlanView:
        return await self.approve(reviewed.plan.id, reviewed.plan.plan_hash, reviewed.report.snapshot_hash, comment=comment)

    async def reject(self, plan_id: str, reason: str) -> PlanView:
        return await self._send(_Calls.plan_action(plan_id, "reject", {"reason": reason}))

    async def apply(self, plan_id: str) -> PlanView:
        return await self._send(_Calls.plan_action(plan_id, "apply"))

    async def rollback(self, plan_id: str) -> PlanView:
        return await self._send(_Calls.plan_action(plan_id, "rollback"))

    async def audit(self, plan_id: str) -> PlanAudit:
        return await self._send(_Calls.audit(plan_id))

    async def verify_audit(self) -> dict[str, Any]:
        return await self._send(_Calls.verify_audit())

    async def release_lease(self, case: str) -> dict[str, Any]:
        return await self._send(_Calls.release_lease(case))

    async def wait_for_plan(self, plan_id: str, *, until: WaitUntil = "finished", timeout: float = WAIT_TIMEOUT_SECONDS, poll_interval: float = WAIT_FIRST_INTERVAL_SECONDS) -> PlanView:
        deadline = time.monotonic() + timeout
        interval = poll_interval
        while True:
            view = await self.get_plan(plan_id)
            if _wait_reached(view, until):
                return view
            if time.monotonic() + interval > deadline:
                raise PlanWaitTimeout(f"plan {plan_id} is still {view.plan.status} after {timeout:g} s")
            await asyncio.sleep(interval)
            interval = min(interval * WAIT_GROWTH, WAIT_MAX_INTERVAL_SECONDS)

    async def apply_and_wait(self, plan_id: str, *, timeout: float = WAIT_TIMEOUT_SECONDS) -> PlanView:
        await self.apply(plan_id)
        return await self.wait_for_plan(plan_id, until="finished", timeout=timeout)


__all__ = ["AsyncBailiffClient", "BailiffClient", "BailiffError", "COMMANDS_ROUTE", "CONTENT_ROUTE", "WAIT_TIMEOUT_SECONDS", "plan_page_url"]
