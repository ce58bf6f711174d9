"""A LangGraph flow that proposes a plan, pauses for a person's decision, and carries it out.

``propose`` stores the plan; ``decide`` calls :func:`langgraph.types.interrupt` with the plan's
summary and console link, and when the graph is resumed reads the decision from Bailiff
itself (never from the resume value, which anyone could forge): approved → apply and wait;
rejected or expired → say why; still undecided → pause again. Proposing and deciding are two
nodes so that resuming, which re-runs the interrupted node, never proposes twice.

    graph = build_approval_graph(client, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "reorg-1"}}
    paused = graph.invoke({"case": "abby-sitgraves", "description": "...", "operations": [...]}, config)
    paused["__interrupt__"][0].value["console_url"]     # send to a person
    final = resume_when_decided(graph, config, client)   # polls Bailiff, then resumes
    print(final["outcome"])
"""

from __future__ import annotations

from typing import Any, NotRequired, Protocol, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import Checkpointer, Command, interrupt

from .client import BailiffClient
from .errors import BailiffError, PlanWaitTimeout
from .models import PlanView
from .report import describe_proposal, next_step

#: Marks interrupts raised by this package, so an application can tell them from its own.
INTERRUPT_KIND = "bailiff_approval"


class BailiffPlanState(TypedDict):
    """The flow's state: the plan to propose, then what became of it."""

    case: str
    description: str
    operations: list[dict[str, Any]]
    plan_id: NotRequired[str]
    status: NotRequired[str]
    report: NotRequired[str]
    outcome: NotRequired[str]


class PlanNode(Protocol):
    """A LangGraph node over :class:`BailiffPlanState`."""

    def __call__(self, state: BailiffPlanState) -> dict[str, Any]: ...


def approval_request(view: PlanView, console_url: str) -> dict[str, Any]:
    """The interrupt's payload: enough for a chat message or a UI to ask a person."""
    return {
        "kind": INTERRUPT_KIND,
        "plan_id": view.plan.id,
        "plan_hash": view.plan.plan_hash,
        "snapshot_hash": view.report.snapshot_hash,
        "case": view.plan.case,
        "status": view.plan.status,
        "summary": describe_proposal(view, console_url),
        "console_url": console_url,
    }


def await_decision(client: BailiffClient, plan_id: str) -> PlanView:
    """Inside a LangGraph node or tool: pause the graph until Bailiff has a decision on the plan.

    Returns at once for a plan already decided (a policy rule approved it) or one whose dry run
    has errors (nobody can approve it). Each resume re-reads the plan; an undecided plan pauses
    again.
    """
    view = client.get_plan(plan_id)
    while view.decisions.awaiting_approval:
        interrupt(approval_request(view, client.console_url(plan_id)))
        view = client.get_plan(plan_id)
    return view


def carry_out(client: BailiffClient, view: PlanView, *, wait_timeout: float = 300.0) -> PlanView:
    """Apply the plan if Bailiff allows it now and wait for the end; a plan already handed to the
    executor is waited for; any other is returned as it is. Which case applies is the view's
    ``decisions``, never the status read here."""
    decisions = view.decisions
    if decisions.apply.allowed:
        client.apply(view.plan.id)
    if decisions.apply.allowed or decisions.in_flight:
        return client.wait_for_plan(view.plan.id, until="finished", timeout=wait_timeout)
    return view


def make_propose_node(client: BailiffClient) -> PlanNode:
    def propose(state: BailiffPlanState) -> dict[str, Any]:
        view = client.propose(state["case"], state["description"], state["operations"])
        return {"plan_id": view.plan.id, "status": view.plan.status, "report": describe_proposal(view, client.console_url(view.plan.id))}

    return propose


def make_decide_node(client: BailiffClient, *, wait_timeout: float = 300.0) -> PlanNode:
    def decide(state: BailiffPlanState) -> dict[str, Any]:
        plan_id = state["plan_id"]
        url = client.console_url(plan_id)
        view = await_decision(client, plan_id)
        try:
            view = carry_out(client, view, wait_timeout=wait_timeout)
        except PlanWaitTimeout:
            return {"status": "running", "outcome": f"Plan {plan_id} is still running after {wait_timeout:g} s; see {url}"}
        words = next_step(view, url)  # which words fit the plan now is next_step's to decide
        return {"status": view.plan.status, "outcome": words}

    return decide


def build_approval_graph(client: BailiffClient, *, checkpointer: Checkpointer, wait_timeout: float = 300.0) -> Any:
    """``START → propose → decide → END``, compiled with ``checkpointer`` (interrupts need one).

    Usable on its own or as a subgraph node of a larger agent graph.
    """
    builder: StateGraph[BailiffPlanState] = StateGraph(BailiffPlanState)
    builder.add_node("propose", make_propose_node(client))
    builder.add_node("decide", make_decide_node(client, wait_timeout=wait_timeout))
    builder.add_edge(START, "propose")
    builder.add_edge("propose", "decide")
    builder.add_edge("decide", END)
    return builder.compile(checkpointer=checkpointer)


def pending_approval(graph: Any, config: Any) -> dict[str, Any] | None:
    """The payload of the Bailiff approval a paused graph waits for, if any."""
    snapshot = graph.get_state(config)
    for task in snapshot.tasks:
        for pending in task.interrupts:
            value = pending.value
            if isinstance(value, dict) and value.get("kind") == INTERRUPT_KIND:
                return value
    return None


def resume_when_decided(graph: Any, config: Any, client: BailiffClient, *, timeout: float = 3600.0) -> Any:
    """Wait until a person decides the plan the graph is paused on, then resume the graph.

    Raises :class:`~bailiff_agent.errors.PlanWaitTimeout` if nobody decides within ``timeout``
    seconds (the graph stays paused and can be resumed later).
    """
    request = pending_approval(graph, config)
    if request is None:
        raise BailiffError("the graph is not paused on a Bailiff approval", code="not_paused")
    client.wait_for_plan(request["plan_id"], until="decided", timeout=timeout)
    return graph.invoke(Command(resume={"plan_id": request["plan_id"]}), config)
