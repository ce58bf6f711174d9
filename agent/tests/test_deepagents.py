"""The DeepAgents backend: a real ``create_deep_agent`` graph, driven by a scripted chat model,
whose file changes become one plan that a person approves over HTTP."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from deepagents import create_deep_agent
from deepagents.backends import FilesystemBackend
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from bailiff_agent import AsyncBailiffClient, BailiffClient
from bailiff_agent.approval_flow import resume_when_decided
from bailiff_agent.client import CONTENT_ROUTE
from bailiff_agent.deepagents_backend import BailiffBackend
from bailiff_agent.draft import CaseView, Draft, Step
from bailiff_agent.models import FileEntry

from .conftest import INTAKE, Bailiff

_ids = itertools.count(1)


class ScriptedChatModel(GenericFakeChatModel):
    """Answers with the next scripted message whatever it is asked; tools are the script's business."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        return self


def tool_call(name: str, **args: Any) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call-{next(_ids)}", "type": "tool_call"}])


def tool_results(messages: list[Any]) -> dict[str, list[str]]:
    results: dict[str, list[str]] = {}
    for message in messages:
        if isinstance(message, ToolMessage):
            results.setdefault(str(message.name), []).append(str(message.content))
    return results


def test_a_deep_agents_writes_become_one_plan_a_person_approves(bailiff: Bailiff, agent: BailiffClient, approver: BailiffClient, tmp_path: Path) -> None:
    case = bailiff.new_case({**INTAKE, "intake/old-draft.txt": "obsolete\n"})
    root = f"/cases/{case}"
    bailiff_case = BailiffBackend(agent, case, wait_timeout=30)
    # The one line that changes for an agent built on FilesystemBackend: the case's paths go to Bailiff.
    backend = bailiff_case.mount(FilesystemBackend(root_dir=tmp_path, virtual_mode=True))
    script = [
        tool_call("ls", path=f"{root}/intake"),
        tool_call("write_file", file_path=f"{root}/Reports/summary.md", content="# Intake\nrecords: 2\n"),
        tool_call("edit_file", file_path=f"{root}/Reports/summary.md", old_string="records: 2", new_string="records: 3"),
        tool_call("read_file", file_path=f"{root}/Reports/summary.md"),
        tool_call("move_file", source=f"{root}/intake/records_001.pdf", destination=f"{root}/Medical Records/Provider1/records_001.pdf"),
        tool_call("copy_file", source=f"{root}/intake/police-report.pdf", destination=f"{root}/Police/report.pdf"),
        tool_call("delete", file_path=f"{root}/intake/old-draft.txt"),
        tool_call("glob", pattern="**/*.pdf", path=f"{root}/"),
        tool_call("write_file", file_path="/scratch/notes.md", content="thinking\n"),
        tool_call("submit_changes", description="Sort intake and write a summary"),
        AIMessage(content="The case is reorganised."),
    ]
    graph = create_deep_agent(model=ScriptedChatModel(messages=iter(script)), backend=backend, tools=bailiff_case.tools(), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "reorganise"}}

    paused = graph.invoke({"messages": [{"role": "user", "content": f"Sort the intake of {case}"}]}, config)
    request = paused["__interrupt__"][0].value
    seen = tool_results(paused["messages"])
    assert f"{root}/intake/records_001.pdf" in seen["ls"][0] and f"{root}/intake/old-draft.txt" in seen["ls"][0]
    assert "records: 3" in seen["read_file"][0]  # the session reads its own draft
    glob = seen["glob"][0]
    assert f"{root}/Medical Records/Provider1/records_001.pdf" in glob and f"{root}/intake/records_001.pdf" not in glob
    assert (tmp_path / "scratch" / "notes.md").read_text() == "thinking\n"  # other paths stay on the default backend

    # Nothing has changed yet, and the whole session is one plan awaiting a person.
    assert bailiff.files(case) == {**INTAKE, "intake/old-draft.txt": "obsolete\n"}
    (plan,) = agent.list_plans(case=case).plans
    assert request["plan_id"] == plan.id and request["console_url"] == f"{bailiff.url}/ui/plans/{plan.id}"
    view = approver.get_plan(plan.id)
    assert [op.type for op in view.report.operations] == ["write_file", "move", "copy", "delete"]  # write + edit became one write
    assert view.report.valid

    approver.approve_reviewed(view)
    final = resume_when_decided(graph, config, agent, timeout=10)
    submitted = tool_results(final["messages"])["submit_changes"][0]
    assert f"Plan {plan.id} was applied" in submitted
    assert final["messages"][-1].content == "The case is reorganised."

    assert bailiff.files(case) == {
        "Reports/summary.md": "# Intake\nrecords: 3\n",
        "Medical Records/Provider1/records_001.pdf": INTAKE["intake/records_001.pdf"],
        "intake/records_002.pdf": INTAKE["intake/records_002.pdf"],
        "intake/police-report.pdf": INTAKE["intake/police-report.pdf"],
        "Police/report.pdf": INTAKE["intake/police-report.pdf"],
        "notes.txt": INTAKE["notes.txt"],
    }
    assert bailiff_case.draft("reorganise").steps == []  # applied: the draft is now the workspace


def test_a_rejected_submission_keeps_the_draft(bailiff: Bailiff, agent: BailiffClient, approver: BailiffClient) -> None:
    case = bailiff.new_case(INTAKE)
    bailiff_case = BailiffBackend(agent, case)
    script = [
        tool_call("move_file", source=f"/cases/{case}/notes.txt", destination=f"/cases/{case}/archive/notes.txt"),
        tool_call("submit_changes", description="Archive notes"),
        AIMessage(content="ok"),
    ]
    graph = create_deep_agent(model=ScriptedChatModel(messages=iter(script)), backend=bailiff_case.mount(FilesystemBackend(root_dir="/nonexistent-root", virtual_mode=True)), tools=bailiff_case.tools(), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "rejected"}}
    plan_id = graph.invoke({"messages": [{"role": "user", "content": "archive"}]}, config)["__interrupt__"][0].value["plan_id"]
    approver.reject(plan_id, "notes stay at the top")
    final = graph.invoke(Command(resume=True), config)
    text = tool_results(final["messages"])["submit_changes"][0]
    assert "Rejected by approver@local: notes stay at the top" in text and "still in the draft" in text
    assert bailiff.files(case) == INTAKE
    assert bailiff_case.draft("rejected").steps == [Step("move", "notes.txt", target="archive/notes.txt")]
    assert bailiff_case.draft("rejected").proposed is None  # submitting again proposes a new plan


def test_async_twins_read_the_draft_over_the_live_case(bailiff: Bailiff) -> None:
    case = bailiff.new_case(INTAKE)

    async def scenario() -> tuple[list[dict[str, Any]], bool]:
        sync_client = bailiff.client()
        async with AsyncBailiffClient.with_token(bailiff.url, bailiff.tokens["agent@local"]) as client:
            backend = BailiffBackend(sync_client, case, async_client=client)
            listing = await backend.als("/")
            assert [e["path"] for e in listing.entries or []] == ["/intake/", "/notes.txt"]
            assert (await backend.als("/nope")).error == "Path '/nope': path_not_found"
            assert (await backend.als("/notes.txt")).error == "Path '/notes.txt': not_a_directory"

            assert (await backend.awrite("/Reports/summary.md", "alpha\nbeta\n")).path == "/Reports/summary.md"
            assert (await backend.aedit("/Reports/summary.md", "beta", "gamma")).occurrences == 1
            read = await backend.aread("/Reports/summary.md", offset=1, limit=1)
            assert read.file_data is not None and read.file_data["content"] == "gamma\n" and read.start_line == 2
            uploaded = await backend.aupload_files([("/scans/a.bin", b"\x00\xff"), ("/intake", b"x"), ("/../x", b"x")])
            assert [u.error for u in uploaded] == [None, "is_directory", "invalid_path"]
            downloaded = await backend.adownload_files(["/scans/a.bin", "/missing", "/intake"])
            assert [(d.content, d.error) for d in downloaded] == [(b"\x00\xff", None), (None, "file_not_found"), (None, "is_directory")]
            grep = await backend.agrep("gamma", "/Reports")
            assert grep.matches == [{"path": "/Reports/summary.md", "line": 2, "text": "gamma"}]
            globbed = await backend.aglob("*.pdf", "/intake")
            assert [m["path"] for m in globbed.matches or []] == ["/intake/police-report.pdf", "/intake/records_001.pdf", "/intake/records_002.pdf"]
            assert (await backend.adelete("/intake")).path == "/intake"
            assert (await backend.adelete("/intake")).error == "Error: '/intake' not found"
            assert [e["path"] for e in (await backend.als("/")).entries or []] == ["/Reports/", "/notes.txt", "/scans/"]

            live_read = await backend.aread("/notes.txt")
            supported = await client.supports(*CONTENT_ROUTE)
            if supported:
                assert live_read.file_data is not None and live_read.file_data["content"] == INTAKE["notes.txt"]
            else:
                assert live_read.error is not None and "files/content" in live_read.error
            ops = backend.pending_operations()
            sync_client.close()
            return ops, supported

    operations, _ = asyncio.run(scenario())
    assert operations == [
        {"type": "write_file", "destination": "Reports/summary.md", "content": "alpha\ngamma\n", "encoding": "utf8", "overwrite": False},
        {"type": "write_file", "destination": "scans/a.bin", "content": "AP8=", "encoding": "base64", "overwrite": False},
        {"type": "delete", "source": "intake/"},
    ]


def test_the_draft_compiles_to_operations_that_say_what_they_find() -> None:
    live = CaseView.from_listing(
        [FileEntry(path=p, size=1, updated="t", generation="1") for p in ("a.txt", "docs/x.md", "docs/y.md", "empty/")]
    )
    draft = Draft()
    for step in (
        Step("write", "a.txt", data=b"one"),
        Step("move", "docs", target="archive/docs"),
        Step("write", "a.txt", data=b"two"),  # something touched docs/ in between, not a.txt: still one write
        Step("copy", "empty", target="empty2"),
        Step("write", "archive/docs/x.md", data=b"new"),
    ):
        draft.record(step)
    assert draft.operations(live) == [
        {"type": "move", "source": "docs/", "destination": "archive/docs"},
        {"type": "write_file", "destination": "a.txt", "content": "two", "encoding": "utf8", "overwrite": True},
        {"type": "copy", "source": "empty/", "destination": "empty2"},
        {"type": "write_file", "destination": "archive/docs/x.md", "content": "new", "encoding": "utf8", "overwrite": True},
    ]
    view = draft.replay(live)
    assert sorted(view.files) == ["a.txt", "archive/docs/x.md", "archive/docs/y.md"]
    assert view.folders == {"empty", "empty2"}


def _names(tools: list[BaseTool]) -> list[str]:
    return [tool.name for tool in tools]


def test_tools_take_paths_as_the_agent_sees_them(bailiff: Bailiff, agent: BailiffClient) -> None:
    case = bailiff.new_case(INTAKE)
    backend = BailiffBackend(agent, case)
    tools = {tool.name: tool for tool in backend.tools()}
    assert _names(backend.tools()) == ["move_file", "copy_file", "submit_changes", "discard_changes"]
    moved: Callable[..., Any] = tools["move_file"].invoke
    assert "Moved" in moved({"source": f"/cases/{case}/notes.txt", "destination": f"/cases/{case}/old/notes.txt"})
    assert "is not in case" in moved({"source": "/cases/other/notes.txt", "destination": f"/cases/{case}/x.txt"})
    assert "already exists" in moved({"source": f"/cases/{case}/intake", "destination": f"/cases/{case}/old/notes.txt"})
    assert "not found" in moved({"source": f"/cases/{case}/notes.txt", "destination": f"/cases/{case}/n.txt"})  # moved already
    assert backend.pending_operations() == [{"type": "move", "source": "notes.txt", "destination": "old/notes.txt"}]
    assert "Discarded 1" in tools["discard_changes"].invoke({})
    assert backend.pending_operations() == []


def test_the_same_agent_runs_asynchronously_as_on_a_langgraph_server(bailiff: Bailiff, agent: BailiffClient, approver: BailiffClient, tmp_path: Path) -> None:
    case = bailiff.new_case(INTAKE)
    root = f"/cases/{case}"

    async def scenario() -> str:
        async with AsyncBailiffClient.with_token(bailiff.url, bailiff.tokens["agent@local"]) as async_client:
            bailiff_case = BailiffBackend(agent, case, async_client=async_client, wait_timeout=30)
            script = [
                tool_call("write_file", file_path=f"{root}/Reports/summary.md", content="# Intake\n"),
                tool_call("grep", pattern="Intake", path=f"{root}/"),
                tool_call("move_file", source=f"{root}/intake", destination=f"{root}/Medical Records/Intake"),
                tool_call("submit_changes", description="File the intake folder"),
                AIMessage(content="Filed."),
            ]
            graph = create_deep_agent(model=ScriptedChatModel(messages=iter(script)), backend=bailiff_case.mount(FilesystemBackend(root_dir=tmp_path, virtual_mode=True)), tools=bailiff_case.tools(), checkpointer=InMemorySaver())
            config = {"configurable": {"thread_id": "async"}}
            paused = await graph.ainvoke({"messages": [{"role": "user", "content": "file it"}]}, config)
            assert f"{root}/Reports/summary.md" in tool_results(paused["messages"])["grep"][0]
            request = paused["__interrupt__"][0].value
            view = approver.get_plan(request["plan_id"])
            assert [op.effect for op in view.report.operations][1].startswith("move intake/ to Medical Records/Intake")
            approver.approve_reviewed(view)
            final = await graph.ainvoke(Command(resume=True), config)
            return tool_results(final["messages"])["submit_changes"][0]

    assert "was applied" in asyncio.run(scenario())
    assert bailiff.files(case) == {
        "Reports/summary.md": "# Intake\n",
        "notes.txt": INTAKE["notes.txt"],
        **{f"Medical Records/Intake/{p.removeprefix('intake/')}": text for p, text in INTAKE.items() if p.startswith("intake/")},
    }
