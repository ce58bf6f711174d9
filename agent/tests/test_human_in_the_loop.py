"""LangChain's own HumanInTheLoopMiddleware around applying a plan, with a scripted chat model
against the real embedded Bailiff: the agent proposes, the graph pauses before applying, a
person approves over HTTP, the graph resumes and the plan is applied. Resuming alone approves nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from bailiff_agent import BailiffClient
from bailiff_agent.human_in_the_loop import create_bailiff_agent

from .conftest import INTAKE, Bailiff

OPERATIONS = [
    {"type": "create_dir", "destination": "Medical Records"},
    {"type": "move", "source": "intake/records_001.pdf", "destination": "Medical Records/records_001.pdf"},
]


class ScriptedModel(BaseChatModel):
    """Answers with what ``script`` makes of the conversation so far: a model whose choices a test knows."""

    script: Callable[[list[BaseMessage]], AIMessage]

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.script(messages))])

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedModel:  # type: ignore[override]
        return self


def sort_intake(case: str) -> Callable[[list[BaseMessage]], AIMessage]:
    """Propose, then apply the proposed plan, then report what the apply tool said."""

    def script(messages: list[BaseMessage]) -> AIMessage:
        results = [m for m in messages if isinstance(m, ToolMessage)]
        if not results:
            return AIMessage(content="", tool_calls=[{"name": "reorganize_case_files", "args": {"case_name": case, "operations": OPERATIONS, "description": "Sort medical records"}, "id": "call-propose", "type": "tool_call"}])
        if len(results) == 1:
            plan_id = re.search(r"Plan (pln_\w+)", str(results[0].content))
            assert plan_id, results[0].content
            return AIMessage(content="", tool_calls=[{"name": "execute_mutation_plan", "args": {"plan_id": plan_id.group(1)}, "id": "call-apply", "type": "tool_call"}])
        return AIMessage(content=f"Done: {results[-1].content}")

    return script


def start(bailiff: Bailiff, agent: BailiffClient, thread: str) -> tuple[Any, dict[str, Any], str, dict[str, Any]]:
    case = bailiff.new_case(INTAKE)
    graph = create_bailiff_agent(ScriptedModel(script=sort_intake(case)), agent, checkpointer=InMemorySaver(), wait_timeout=30)
    config = {"configurable": {"thread_id": thread}}
    paused = graph.invoke({"messages": [HumanMessage(f"Sort the intake of {case}")]}, config)
    (interrupt,) = paused["__interrupt__"]
    (request,) = interrupt.value["action_requests"]
    return graph, config, case, request


def test_pauses_before_applying_and_applies_once_a_person_approved(bailiff: Bailiff, agent: BailiffClient, approver: BailiffClient) -> None:
    graph, config, case, request = start(bailiff, agent, "hitl-approve")
    plan_id = request["args"]["plan_id"]
    assert request["name"] == "execute_mutation_plan"
    assert f"{bailiff.url}/ui/plans/{plan_id}" in request["description"]
    assert "move intake/records_001.pdf" in request["description"]
    assert approver.get_plan(plan_id).plan.status == "proposed" and bailiff.files(case) == INTAKE

    # The person approves in Bailiff, over HTTP, then the application resumes the graph.
    approver.approve_reviewed(approver.get_plan(plan_id))
    final = graph.invoke(Command(resume={"decisions": [{"type": "approve"}]}), config)

    assert agent.get_plan(plan_id).plan.status == "succeeded"
    assert bailiff.files(case)["Medical Records/records_001.pdf"] == INTAKE["intake/records_001.pdf"]
    assert "intake/records_001.pdf" not in bailiff.files(case)
    assert final["messages"][-1].content.startswith("Done: ")
    assert "__interrupt__" not in final


def test_resuming_without_a_persons_approval_applies_nothing(bailiff: Bailiff, agent: BailiffClient) -> None:
    graph, config, case, request = start(bailiff, agent, "hitl-no-approval")
    plan_id = request["args"]["plan_id"]
    final = graph.invoke(Command(resume={"decisions": [{"type": "approve"}]}), config)
    apply_answer = [m for m in final["messages"] if isinstance(m, ToolMessage) and m.name == "execute_mutation_plan"][-1]
    assert "has not been approved yet" in str(apply_answer.content)
    assert agent.get_plan(plan_id).plan.status == "proposed" and bailiff.files(case) == INTAKE


def test_a_reject_decision_keeps_the_agent_from_applying(bailiff: Bailiff, agent: BailiffClient, approver: BailiffClient) -> None:
    graph, config, case, request = start(bailiff, agent, "hitl-reject")
    plan_id = request["args"]["plan_id"]
    approver.approve_reviewed(approver.get_plan(plan_id))
    graph.invoke(Command(resume={"decisions": [{"type": "reject", "message": "not today"}]}), config)
    assert agent.get_plan(plan_id).plan.status == "approved" and bailiff.files(case) == INTAKE
