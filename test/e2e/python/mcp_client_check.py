"""Drives Bailiff's MCP server with the Python `mcp` client over both transports.

Usage: python mcp_client_check.py <api-url> <token> <case> <repo> <node>
Prints one JSON document with what each transport saw; the test asserts on it.
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client


async def exercise(session: ClientSession, case: str) -> dict:
    await session.initialize()
    tools = await session.list_tools()
    listed = await session.call_tool("list_files", {"case": case})
    proposed = await session.call_tool(
        "plan_from_commands",
        {"case": case, "description": "from python", "commands": "mkdir -p Py\nmv intake/*.pdf Py/"},
    )
    refused = await session.call_tool("propose_plan", {"case": case, "description": "bad", "operations": [{"type": "delete", "source": "/etc"}]})
    return {
        "tools": sorted(tool.name for tool in tools.tools),
        "annotations": {tool.name: tool.annotations.model_dump(exclude_none=True) for tool in tools.tools},
        "files": [file["path"] for file in listed.structuredContent["files"]],
        "proposed": {"status": proposed.structuredContent["plan"]["status"], "translation": proposed.structuredContent["translation"]},
        "refused": {"isError": refused.isError, "text": refused.content[0].text},
    }


async def main() -> None:
    url, token, case, repo, node = sys.argv[1:6]
    seen = {}
    async with streamablehttp_client(f"{url}/mcp", headers={"Authorization": f"Bearer {token}"}) as (read, write, _):
        async with ClientSession(read, write) as session:
            seen["http"] = await exercise(session, case)
    params = StdioServerParameters(command=node, args=[f"{repo}/functions/cli.ts", "mcp"], env={"BAILIFF_URL": url, "BAILIFF_TOKEN": token}, cwd=repo)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            seen["stdio"] = await exercise(session, case)
    print(json.dumps(seen))


asyncio.run(main())
