"""Bailiff's MCP server as a client that speaks only protocol revision 2026-07-28 sees it: the
official Python ``mcp`` SDK (2.x) pinned to that revision (no ``initialize``, no fallback), over
Streamable HTTP at ``/mcp`` and over stdio (``bailiff mcp``). It lists the tools, proposes a plan,
a person approves it over HTTP, and it applies the plan with progress notifications.
"""

from __future__ import annotations

from typing import Any

import anyio
import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from bailiff_agent import BailiffClient

from .conftest import REPO, Bailiff, _node

MODERN = "2026-07-28"
TOOLS = ["apply_plan", "file_history", "get_plan", "list_files", "plan_from_commands", "propose_plan", "propose_rollback", "read_file", "wait_for_plan"]


async def exercise(client: Client, case: str, approver: BailiffClient) -> dict[str, Any]:
    listed = await client.list_tools()
    files = await client.call_tool("list_files", {"case": case})
    proposed = await client.call_tool(
        "plan_from_commands", {"case": case, "description": "Sort intake (2026-07-28)", "commands": "mkdir -p Sorted\nmv intake/*.pdf Sorted/"}
    )
    plan = proposed.structured_content["plan"]
    waited = await client.call_tool("wait_for_plan", {"planId": plan["id"], "timeoutSeconds": 1})
    # A person approves, over HTTP, as the console does; no MCP call can. They approve the report
    # they were shown.
    approver.approve(plan["id"], plan["planHash"], proposed.structured_content["report"]["snapshotHash"])
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    applied = await client.call_tool("apply_plan", {"planId": plan["id"], "timeoutSeconds": 30}, progress_callback=on_progress)
    again = await client.call_tool("apply_plan", {"planId": plan["id"]})
    try:
        await client.call_tool("approve_plan", {"planId": plan["id"]})
        unknown: Any = None
    except MCPError as error:
        unknown = error.error.code
    return {
        "version": client.protocol_version,
        "tools": sorted(tool.name for tool in listed.tools),
        "files": sorted(file["path"] for file in files.structured_content["files"]),
        "proposed": plan["status"],
        "waited": waited.structured_content["timedOut"],
        "applied": applied.structured_content,
        "again": again.structured_content["plan"]["status"],
        "progress": progress,
        "unknown": unknown,
    }


def check(seen: dict[str, Any], bailiff: Bailiff, case: str) -> None:
    assert seen["version"] == MODERN
    assert seen["tools"] == TOOLS
    assert seen["files"] == ["intake/a.pdf", "intake/b.pdf", "notes.txt"]
    assert seen["proposed"] == "proposed" and seen["waited"] is True
    assert seen["applied"]["timedOut"] is False and seen["applied"]["plan"]["status"] == "succeeded"
    assert seen["applied"]["execution"]["done"] == seen["applied"]["execution"]["actionCount"] == 3
    assert seen["again"] == "succeeded"
    assert seen["progress"], "apply_plan sent no progress notification"
    values = [value for value, _, _ in seen["progress"]]
    assert values == sorted(set(values)) and seen["progress"][-1][:2] == (3, 3)
    assert seen["unknown"] == -32602
    assert sorted(bailiff.files(case)) == ["Sorted/a.pdf", "Sorted/b.pdf", "notes.txt"]


def test_a_2026_07_28_client_over_http(bailiff: Bailiff, approver: BailiffClient) -> None:
    case = bailiff.new_case({"intake/a.pdf": "a", "intake/b.pdf": "b", "notes.txt": "n"})

    async def main() -> dict[str, Any]:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {bailiff.tokens['agent@local']}"}) as http:
            async with Client(streamable_http_client(f"{bailiff.url}/mcp", http_client=http), mode=MODERN) as client:
                return await exercise(client, case, approver)

    check(anyio.run(main), bailiff, case)


def test_a_2026_07_28_client_over_stdio(bailiff: Bailiff, approver: BailiffClient) -> None:
    case = bailiff.new_case({"intake/a.pdf": "a", "intake/b.pdf": "b", "notes.txt": "n"})
    server = StdioServerParameters(
        command=_node(), args=["functions/cli.ts", "mcp"], cwd=str(REPO), env={"BAILIFF_URL": bailiff.url, "BAILIFF_TOKEN": bailiff.tokens["agent@local"]}
    )

    async def main() -> dict[str, Any]:
        async with Client(server, mode=MODERN) as client:
            return await exercise(client, case, approver)

    check(anyio.run(main), bailiff, case)
