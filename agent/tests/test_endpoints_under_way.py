"""Unit tests of the paths that use endpoints other changes are adding, against answers in their
contracts' shape (httpx.MockTransport): the file content endpoint (round-trip work) and
``POST /plans/from-commands`` (the TypeScript toolkit). The embedded-server tests exercise the
same paths for real once a server announces those routes in its OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

import httpx
from langchain_core.messages import ToolMessage

from bailiff_agent import BailiffClient
from bailiff_agent.auth import StaticTokenAuth
from bailiff_agent.deepagents_backend import BailiffBackend
from bailiff_agent.tools import create_bailiff_tools

LIVE = {"notes.txt": b"call the insurer\nthen the clinic\n", "intake/scan.pdf": b"%PDF\xff\x00"}


def _plan_view(translation: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    totals = {k: 0 for k in ("operations", "actions", "objectsCreated", "objectsOverwritten", "objectsDeleted", "objectsMoved", "objectsCopied", "objectsWritten", "foldersCreated", "bytesWritten", "bytesDeleted", "bytesMoved", "bytesCopied")}
    report = {"valid": True, "checkedAt": "t", "snapshotHash": "s", "listing": {"objects": 2, "pages": 1}, "totals": {**totals, "operations": 1}, "errors": [], "warnings": [], "operations": [{"index": 0, "type": "create_dir", "effect": "create folder Police", "objects": 1, "bytes": 0}], "operationsTruncated": False, "diff": {"added": ["Police/"], "removed": [], "changed": [], "truncated": False}}
    plan = {"id": "pln_0mx3hyrvq14b2", "case": "abby", "description": "d", "onError": "stop", "kind": "change", "author": "agent@local", "createdAt": "t", "updatedAt": "t", "planHash": "sha256:x", "status": "proposed", "revision": 1, "operationCount": 1, "report": report}
    decisions = {
    "planId": "pln_0mx3hyrvq14b2",
    "status": "proposed",
    **{action: {"allowed": False, "offered": False, "reason": "not now", "code": "conflict"} for action in ("approve", "reject", "apply", "validate", "rollback", "verifyAudit")},
    "policyVerdict": "Needs 1 approval from someone other than its author.",
    "approvals": {"required": 1, "given": [], "remaining": 1},
    "approvalExpired": False,
    "inFlight": False,
    "awaitingApproval": True,
    "finished": False,
    "nextStep": "Awaiting 1 more approval",
    }
    view: dict[str, Any] = {"plan": plan, "report": report, "decisions": decisions}
    if translation is not None:
        view["translation"] = translation
    return view


def fake_bailiff(request: httpx.Request, *, sealed: bool = False) -> httpx.Response:
    """Answers as the contracts say; ``sealed`` adds a listed file whose content is forbidden."""
    path = request.url.path
    if path == "/openapi.json":
        return httpx.Response(200, json={"paths": {"/cases/{case}/files": {"get": {}}, "/cases/{case}/files/content": {"get": {}}, "/plans/from-commands": {"post": {}}}})
    if path == "/cases/abby/files":
        listed = [*LIVE.items(), *([("sealed.txt", b"x")] if sealed else [])]
        return httpx.Response(200, json={"case": "abby", "files": [{"path": p, "size": len(d), "updated": "t", "generation": "7"} for p, d in listed]})
    if path == "/cases/abby/files/content":
        if request.url.params["path"] == "sealed.txt":
            return httpx.Response(403, json={"error": {"code": "forbidden", "message": "sealed by the court"}})
        data = LIVE.get(request.url.params["path"])
        if data is None:
            return httpx.Response(404, json={"error": {"code": "not_found", "message": "no such object"}})
        return httpx.Response(200, content=data, headers={"etag": '"7"'})
    if path == "/plans/from-commands":
        body = json.loads(request.content)
        if "|" in body["commands"]:
            return httpx.Response(400, json={"error": {"code": "invalid_input", "message": "commands refused", "details": [{"line": 2, "column": 4, "message": "pipes are not allowed"}]}})
        return httpx.Response(201, json=_plan_view([{"line": 1, "text": body["commands"], "operations": [0]}]))
    return httpx.Response(404, json={"error": {"code": "not_found", "message": "no such route"}})


def client(*, sealed: bool = False) -> BailiffClient:
    transport = httpx.MockTransport(lambda request: fake_bailiff(request, sealed=sealed))
    return BailiffClient("http://bailiff.test", StaticTokenAuth("token-0123456789abcdef"), transport=transport)


def test_the_backend_reads_greps_and_edits_live_files_through_the_content_endpoint() -> None:
    backend = BailiffBackend(client(), "abby")
    read = backend.read("/notes.txt", offset=1, limit=5)
    assert read.file_data is not None and read.file_data["content"] == "then the clinic\n" and read.start_line == 2
    binary = backend.read("/intake/scan.pdf")
    assert binary.file_data is not None and binary.file_data["encoding"] == "base64"
    assert backend.grep("clinic").matches == [{"path": "/notes.txt", "line": 2, "text": "then the clinic"}]
    assert backend.edit("/notes.txt", "clinic", "hospital").occurrences == 1
    assert backend.read("/notes.txt").file_data["content"].endswith("then the hospital\n")  # type: ignore[index]
    assert [d.content for d in backend.download_files(["/notes.txt", "/intake/scan.pdf"])] == [b"call the insurer\nthen the hospital\n", LIVE["intake/scan.pdf"]]
    assert backend.pending_operations() == [{"type": "write_file", "destination": "notes.txt", "content": "call the insurer\nthen the hospital\n", "encoding": "utf8", "overwrite": True}]


def test_read_case_file_and_propose_from_commands_tools() -> None:
    tools = {tool.name: tool for tool in create_bailiff_tools(client())}

    def call(name: str, **args: Any) -> ToolMessage:
        message = tools[name].invoke({"type": "tool_call", "name": name, "args": args, "id": "c"})
        assert isinstance(message, ToolMessage)
        return message

    assert call("read_case_file", case_name="abby", path="notes.txt", offset=17).content == "then the clinic\n"
    assert "binary file of 6 bytes" in str(call("read_case_file", case_name="abby", path="intake/scan.pdf").content)
    missing = call("read_case_file", case_name="abby", path="nope.txt")
    assert missing.status == "error" and "no such object" in str(missing.content)

    proposed = call("propose_from_commands", case_name="abby", commands="mkdir -p Police", description="d")
    assert "line 1: mkdir -p Police  →  create folder Police" in str(proposed.content) and "Awaiting 1 more approval" in str(proposed.content)
    refused = call("propose_from_commands", case_name="abby", commands="mkdir a\nls | rm", description="d")
    assert refused.status == "error" and "line 2, column 4: pipes are not allowed" in str(refused.content)


def test_a_file_that_cannot_be_read_makes_grep_say_so_with_what_it_found() -> None:
    result = BailiffBackend(client(sealed=True), "abby").grep("insurer")
    assert result.error is not None and "sealed by the court" in result.error and result.truncated
    assert result.matches == [{"path": "/notes.txt", "line": 1, "text": "call the insurer"}]
