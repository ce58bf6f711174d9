"""The LangChain tools as a model calls them: tool calls in, ToolMessages out, against the embedded server."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from bailiff_agent import BailiffClient
from bailiff_agent.client import COMMANDS_ROUTE, CONTENT_ROUTE
from bailiff_agent.models import CommandPlanView
from bailiff_agent.report import describe_translation
from bailiff_agent.tools import create_bailiff_tools

from .conftest import INTAKE, Bailiff

SORT_INTAKE = [
    {"type": "create_dir", "destination": "Medical Records/Provider1"},
    {"type": "move", "source": "intake/records_001.pdf", "destination": "Medical Records/Provider1/records_001.pdf"},
    {"type": "move", "source": "intake/police-report.pdf", "destination": "Police/report.pdf"},
]


def call(tool: BaseTool, **args: Any) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "name": tool.name, "args": args, "id": f"call-{tool.name}"})
    assert isinstance(message, ToolMessage)
    return message


@pytest.fixture
def tools(agent: BailiffClient) -> dict[str, BaseTool]:
    return {tool.name: tool for tool in create_bailiff_tools(agent, wait_timeout=30)}


def plan_id_in(text: str) -> str:
    return next(word for word in text.replace("'", " ").replace(":", " ").split() if word.startswith("pln_"))


def test_the_original_proposals_tool_names_and_arguments(tools: dict[str, BaseTool]) -> None:
    assert sorted(tools) == ["execute_mutation_plan", "list_case_files", "propose_from_commands", "read_case_file", "reorganize_case_files"]
    assert set(tools["reorganize_case_files"].args) == {"case_name", "operations", "description"}
    assert set(tools["execute_mutation_plan"].args) == {"plan_id", "auto_approve"}
    assert '"type": "move"' in tools["reorganize_case_files"].description  # the format is taught by example


def test_propose_then_execute_only_after_a_person_approves(bailiff: Bailiff, tools: dict[str, BaseTool], approver: BailiffClient) -> None:
    case = bailiff.new_case(INTAKE)
    proposed = call(tools["reorganize_case_files"], case_name=case, operations=SORT_INTAKE, description="Sort intake")
    assert proposed.status == "success"
    text = str(proposed.content)
    plan_id = plan_id_in(text)
    assert "Dry run: valid" in text
    assert "move intake/records_001.pdf to Medical Records/Provider1/records_001.pdf" in text
    assert f"{bailiff.url}/ui/plans/{plan_id}" in text and "awaits approval" in text

    waiting = call(tools["execute_mutation_plan"], plan_id=plan_id)
    assert "has not been approved yet" in str(waiting.content) and f"/ui/plans/{plan_id}" in str(waiting.content)
    pleading = str(call(tools["execute_mutation_plan"], plan_id=plan_id, auto_approve=True).content)
    assert pleading.startswith("auto_approve is not available") and "has not been approved yet" in pleading
    assert approver.get_plan(plan_id).plan.status == "proposed"  # the tool never approves
    assert bailiff.files(case) == INTAKE

    view = approver.get_plan(plan_id)
    approver.approve_reviewed(view)
    applied = call(tools["execute_mutation_plan"], plan_id=plan_id)
    assert applied.status == "success" and f"Plan {plan_id} was applied" in str(applied.content)
    files = bailiff.files(case)
    assert files["Medical Records/Provider1/records_001.pdf"] == INTAKE["intake/records_001.pdf"]
    assert files["Police/report.pdf"] == INTAKE["intake/police-report.pdf"]
    assert "intake/records_001.pdf" not in files

    again = call(tools["execute_mutation_plan"], plan_id=plan_id)
    assert "was applied" in str(again.content)  # asking twice changes nothing


def test_mistakes_come_back_as_tool_errors_naming_the_field(bailiff: Bailiff, tools: dict[str, BaseTool]) -> None:
    case = bailiff.new_case(INTAKE)
    refused = call(tools["reorganize_case_files"], case_name=case, operations=[{"type": "move", "source": "notes.txt", "destination": "/etc/passwd"}], description="x")
    assert refused.status == "error"
    assert "operations.0.destination" in str(refused.content) and "invalid_input" in str(refused.content)

    unknown = call(tools["execute_mutation_plan"], plan_id="pln_0000000000000000")
    assert unknown.status == "error" and "not_found" in str(unknown.content)


def test_a_dry_run_with_errors_says_nothing_will_change(bailiff: Bailiff, tools: dict[str, BaseTool]) -> None:
    case = bailiff.new_case(INTAKE)
    report = str(call(tools["reorganize_case_files"], case_name=case, operations=[{"type": "move", "source": "nope.pdf", "destination": "x.pdf"}]).content)
    assert "NOT valid" in report and "operation 1: `nope.pdf` does not exist (source_missing)" in report
    assert "Nothing will change" in report


def test_a_rejected_plan_reports_who_and_why(bailiff: Bailiff, tools: dict[str, BaseTool], approver: BailiffClient) -> None:
    case = bailiff.new_case(INTAKE)
    plan_id = plan_id_in(str(call(tools["reorganize_case_files"], case_name=case, operations=SORT_INTAKE).content))
    approver.reject(plan_id, "keep police reports in intake until the claim is filed")
    text = str(call(tools["execute_mutation_plan"], plan_id=plan_id).content)
    assert "Rejected by approver@local: keep police reports in intake until the claim is filed" in text
    assert bailiff.files(case) == INTAKE


def test_list_and_read_case_files(bailiff: Bailiff, tools: dict[str, BaseTool], agent: BailiffClient) -> None:
    case = bailiff.new_case(INTAKE)
    listing = str(call(tools["list_case_files"], case_name=case, prefix="intake/").content)
    assert "3 entries" in listing and "intake/records_002.pdf  (19 B)" in listing and "notes.txt" not in listing
    read = call(tools["read_case_file"], case_name=case, path="notes.txt")
    if agent.supports(*CONTENT_ROUTE):
        assert read.status == "success" and read.content == INTAKE["notes.txt"]
    else:
        assert read.status == "error" and "GET /cases/{case}/files/content" in str(read.content)


def test_propose_from_commands(bailiff: Bailiff, tools: dict[str, BaseTool], agent: BailiffClient) -> None:
    case = bailiff.new_case(INTAKE)
    commands = 'mkdir -p "Medical Records/Provider1"\nmv intake/records_*.pdf "Medical Records/Provider1/"'
    result = call(tools["propose_from_commands"], case_name=case, commands=commands, description="Sort intake")
    assert agent.supports(*COMMANDS_ROUTE)
    text = str(result.content)
    assert result.status == "success" and "line 1: mkdir -p" in text and "line 2: mv intake/records_*.pdf" in text
    assert "move intake/records_001.pdf to Medical Records/Provider1/records_001.pdf" in text
    assert "awaits approval" in text
    refused = call(tools["propose_from_commands"], case_name=case, commands="ls | rm -rf /", description="x")
    assert refused.status == "error" and "line 1, column" in str(refused.content)


def test_translation_in_words() -> None:
    """The wording of ``POST /plans/from-commands``'s translation, from an answer in its contract's shape."""
    plan = {
        "id": "pln_0abc",
        "case": "abby",
        "description": "d",
        "onError": "stop",
        "kind": "change",
        "author": "agent@local",
        "createdAt": "t",
        "updatedAt": "t",
        "planHash": "sha256:x",
        "status": "proposed",
        "revision": 1,
        "operationCount": 2,
    }
    report = {
        "valid": True,
        "checkedAt": "t",
        "snapshotHash": "s",
        "listing": {"objects": 2, "pages": 1},
        "totals": {k: 0 for k in ("operations", "actions", "objectsCreated", "objectsOverwritten", "objectsDeleted", "objectsMoved", "objectsCopied", "objectsWritten", "foldersCreated", "bytesWritten", "bytesDeleted", "bytesMoved", "bytesCopied")},
        "errors": [],
        "warnings": [],
        "operations": [
            {"index": 0, "type": "create_dir", "effect": "create folder Police", "objects": 1, "bytes": 0},
            {"index": 1, "type": "move", "effect": "move a.pdf to Police/a.pdf (1 object, 3 B)", "objects": 1, "bytes": 3},
        ],
        "operationsTruncated": False,
        "diff": {"added": [], "removed": [], "changed": [], "truncated": False},
    }
    plan["report"] = report
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
    view = CommandPlanView.model_validate(
        {
            "plan": plan,
            "report": report,
            "decisions": decisions,
            "translation": [
                {"line": 1, "text": "mkdir -p Police", "operations": [0]},
                {"line": 2, "text": "mv a.pdf Police/a.pdf", "operations": [1]},
            ],
        }
    )
    assert describe_translation(view).splitlines() == [
        "How each command was read:",
        "  line 1: mkdir -p Police  →  create folder Police",
        "  line 2: mv a.pdf Police/a.pdf  →  move a.pdf to Police/a.pdf (1 object, 3 B)",
    ]


def test_a_plain_langchain_agent_reorganises_a_case_with_a_person_in_between(bailiff: Bailiff, tools: dict[str, BaseTool], approver: BailiffClient) -> None:
    """The LangChain example in docs/agents.md, with a scripted model in place of a real one."""
    from langchain.agents import create_agent
    from langchain_core.messages import AIMessage
    from langgraph.checkpoint.memory import InMemorySaver

    from .test_deepagents import ScriptedChatModel

    case = bailiff.new_case(INTAKE)
    proposed: dict[str, str] = {}

    def script() -> Any:
        yield AIMessage(content="", tool_calls=[{"name": "reorganize_case_files", "args": {"case_name": case, "operations": SORT_INTAKE, "description": "Sort intake"}, "id": "c1", "type": "tool_call"}])
        yield AIMessage(content="I proposed the plan; a person must approve it first.")
        yield AIMessage(content="", tool_calls=[{"name": "execute_mutation_plan", "args": {"plan_id": proposed["id"]}, "id": "c2", "type": "tool_call"}])
        yield AIMessage(content="Done.")

    agent = create_agent(ScriptedChatModel(messages=script()), tools=list(tools.values()), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "plain"}}
    first = agent.invoke({"messages": [{"role": "user", "content": f"Sort the intake of {case}"}]}, config)
    report = next(m for m in first["messages"] if isinstance(m, ToolMessage))
    proposed["id"] = plan_id_in(str(report.content))
    assert bailiff.files(case) == INTAKE

    view = approver.get_plan(proposed["id"])  # the person reads the report, then approves exactly it
    approver.approve_reviewed(view)
    second = agent.invoke({"messages": [{"role": "user", "content": "Approved. Go ahead."}]}, config)
    executed = [m for m in second["messages"] if isinstance(m, ToolMessage)][-1]
    assert executed.name == "execute_mutation_plan" and "was applied" in str(executed.content)
    assert bailiff.files(case)["Police/report.pdf"] == INTAKE["intake/police-report.pdf"]
