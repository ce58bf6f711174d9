"""The LangGraph flow: propose, interrupt with the summary and link, resume on a person's decision."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from bailiff_agent import BailiffClient
from bailiff_agent.approval_flow import INTERRUPT_KIND, build_approval_graph, pending_approval, resume_when_decided

from .conftest import INTAKE, Bailiff

OPERATIONS = [
    {"type": "create_dir", "destination": "Medical Records/Provider1"},
    {"type": "move", "source": "intake/records_001.pdf", "destination": "Medical Records/Provider1/records_001.pdf"},
]


def start(bailiff: Bailiff, agent: BailiffClient, thread: str) -> tuple[Any, dict[str, Any], str, dict[str, Any]]:
    case = bailiff.new_case(INTAKE)
    graph = build_approval_graph(agent, checkpointer=InMemorySaver(), wait_timeout=30)
    config = {"configurable": {"thread_id": thread}}
    paused = graph.invoke({"case": case, "description": "Sort medical records", "operations": OPERATIONS}, config)
    (interrupt,) = paused["__interrupt__"]
    return graph, config, case, interrupt.value


def test_pauses_with_the_summary_and_link_then_applies_once_approved(bailiff: Bailiff, agent: BailiffClient, approver: BailiffClient) -> None:
    graph, config, case, request = start(bailiff, agent, "approve")
    plan_id = request["plan_id"]
    assert request["kind"] == INTERRUPT_KIND and request["case"] == case and request["status"] == "proposed"
    assert request["console_url"] == f"{bailiff.url}/ui/plans/{plan_id}"
    assert "create folder Medical Records/Provider1" in request["summary"] and "awaits approval" in request["summary"]
    assert bailiff.files(case) == INTAKE

    # Resuming before anyone decided pauses again on the same plan: the flow asks Bailiff, not the resume value.
    again = graph.invoke(Command(resume={"approved": True}), config)
    assert again["__interrupt__"][0].value["plan_id"] == plan_id
    assert approver.get_plan(plan_id).plan.status == "proposed" and bailiff.files(case) == INTAKE
    assert [p.id for p in agent.list_plans(case=case).plans] == [plan_id]  # proposed once

    approver.approve(plan_id, request["plan_hash"], request["snapshot_hash"], comment="ok")
    final = resume_when_decided(graph, config, agent, timeout=10)
    assert final["status"] == "succeeded" and f"Plan {plan_id} was applied" in final["outcome"]
    assert pending_approval(graph, config) is None
    assert bailiff.files(case)["Medical Records/Provider1/records_001.pdf"] == INTAKE["intake/records_001.pdf"]


def test_a_rejection_ends_the_flow_with_the_reason(bailiff: Bailiff, agent: BailiffClient, approver: BailiffClient) -> None:
    graph, config, case, request = start(bailiff, agent, "reject")
    approver.reject(request["plan_id"], "wrong provider")
    final = resume_when_decided(graph, config, agent, timeout=10)
    assert final["status"] == "rejected" and "Rejected by approver@local: wrong provider" in final["outcome"]
    assert bailiff.files(case) == INTAKE


def test_a_plan_nobody_can_approve_does_not_pause(bailiff: Bailiff, agent: BailiffClient) -> None:
    case = bailiff.new_case(INTAKE)
    graph = build_approval_graph(agent, checkpointer=InMemorySaver())
    result = graph.invoke({"case": case, "description": "bad", "operations": [{"type": "delete", "source": "missing/"}]}, {"configurable": {"thread_id": "invalid"}})
    assert "__interrupt__" not in result and result["status"] == "proposed"
    assert "fix the errors" in result["outcome"]
