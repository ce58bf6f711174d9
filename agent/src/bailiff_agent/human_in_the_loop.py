"""LangChain human-in-the-loop around applying a plan, out of the box (extra ``langchain``).

``create_bailiff_agent`` is ``langchain.agents.create_agent`` with the Bailiff tools and
LangChain's own ``HumanInTheLoopMiddleware`` on ``execute_mutation_plan``: when the agent
wants to apply a plan, the graph pauses with an interrupt that shows the plan's dry run and its
console link. Resume it after the person has decided::

    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command
    from bailiff_agent.human_in_the_loop import create_bailiff_agent

    agent = create_bailiff_agent(model, BailiffClient.from_env(), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "intake-1"}}
    paused = agent.invoke({"messages": [("user", "Sort the intake of smith")]}, config)
    print(paused["__interrupt__"][0].value["action_requests"][0]["description"])  # the report and link
    # ... a person approves the plan in the console (or `bailiff approve`) ...
    agent.invoke(Command(resume={"decisions": [{"type": "approve"}]}), config)

Resuming with ``approve`` is not an approval of the plan: it only lets the agent ask Bailiff to
apply it, and Bailiff applies only a plan a person approved there (the console, the CLI or the
API); otherwise the tool answers that the plan still awaits approval. ``reject`` tells the agent
the plan was not applied; to reject the plan itself, a person rejects it in Bailiff.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, HumanInTheLoopMiddleware
from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool

from .client import BailiffClient
from .errors import BailiffError
from .report import describe_proposal
from .tools import create_bailiff_tools

APPLY_TOOL = "execute_mutation_plan"

SYSTEM_PROMPT = (
    "You reorganise a law firm's case files through Bailiff. Propose a plan with reorganize_case_files or "
    "propose_from_commands, then call execute_mutation_plan with its id: the run pauses there until a person "
    "has reviewed and approved the plan in Bailiff. You cannot approve plans yourself."
)


def _client_getter(client: BailiffClient | Callable[[], BailiffClient]) -> Callable[[], BailiffClient]:
    if isinstance(client, BailiffClient):
        return lambda: client
    return client


def apply_review(client: BailiffClient | Callable[[], BailiffClient]) -> HumanInTheLoopMiddleware:
    """The middleware: pause before ``execute_mutation_plan`` with the plan's report and console link."""
    get_client = _client_getter(client)

    def describe(tool_call: Any, state: Any, runtime: Any) -> str:
        plan_id = str(tool_call["args"].get("plan_id", ""))
        c = get_client()
        link = c.console_url(plan_id)
        head = (
            f"The agent asks to apply plan {plan_id}. A person reviews and approves it in Bailiff: {link}\n"
            "Resume with approve once that is done (resuming is not itself an approval), or reject to stop the agent."
        )
        try:
            view = c.get_plan(plan_id)
        except BailiffError as error:
            return f"{head}\nBailiff cannot show this plan: {error.describe()}"
        return f"{head}\n\n{describe_proposal(view, link)}"

    return HumanInTheLoopMiddleware(
        interrupt_on={APPLY_TOOL: {"allowed_decisions": ["approve", "reject"], "description": describe}},
        description_prefix="Applying a Bailiff plan waits for a person",
    )


def create_bailiff_agent(
    model: str | BaseChatModel,
    client: BailiffClient | Callable[[], BailiffClient],
    *,
    checkpointer: Any,
    tools: Sequence[BaseTool] = (),
    middleware: Sequence[AgentMiddleware[Any, Any]] = (),
    system_prompt: str = SYSTEM_PROMPT,
    wait_timeout: float = 300.0,
    **kwargs: Any,
) -> Any:
    """A LangChain agent with the Bailiff tools (plus ``tools``) that pauses before applying any plan.

    ``checkpointer`` is required: a paused run is resumed from it (``InMemorySaver`` in one
    process; a persistent saver when the person may take longer than the process lives).
    """
    return create_agent(
        model,
        tools=[*create_bailiff_tools(client, wait_timeout=wait_timeout), *tools],
        middleware=[apply_review(client), *middleware],
        system_prompt=system_prompt,
        checkpointer=checkpointer,
        **kwargs,
    )
