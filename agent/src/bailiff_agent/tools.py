"""LangChain tools under the original proposal's names, so an agent written for it keeps working.

- ``reorganize_case_files(case_name, operations, description)``: proposes a plan and returns its
  dry-run report in words, with the console link a person approves it at.
- ``execute_mutation_plan(plan_id)``: applies an approved plan and waits for the outcome; for a
  plan nobody approved yet it says so and gives the link. It never approves: there is no
  auto-approve.
- ``list_case_files``, ``read_case_file``, ``propose_from_commands``.

Bailiff's refusals come back as tool errors (``ToolMessage.status == "error"``) whose text names
each field or command line at fault, so the model can correct itself.

    from bailiff_agent.tools import create_bailiff_tools
    tools = create_bailiff_tools(BailiffClient.from_env())
    # or, configured from BAILIFF_URL / BAILIFF_TOKEN on first use:
    from bailiff_agent.tools import reorganize_case_files, execute_mutation_plan
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, Field

from .client import COMMANDS_ROUTE, CONTENT_ROUTE, BailiffClient
from .errors import BailiffError, PlanWaitTimeout
from .models import PlanView
from .report import describe_outcome, describe_proposal, describe_translation, next_step

ClientSource = BailiffClient | Callable[[], BailiffClient]

#: A case listing longer than this is cut, with a note to narrow it by prefix.
MAX_LISTED_FILES = 500
#: ``read_case_file`` returns at most this much text per call; ``offset`` pages through the rest.
MAX_READ_CHARS = 100_000

PLAN_FORMAT = """Paths are relative to the case folder and use `/`; a path ending in `/` is a folder.
Each operation is one of:
  {"type": "create_dir", "destination": "Medical Records/Provider1"}
  {"type": "write_file", "destination": "Reports/summary.md", "content": "text", "overwrite": false}
  {"type": "copy", "source": "intake/scan1.pdf", "destination": "Medical Records/scan1.pdf"}
  {"type": "move", "source": "intake/records_001.pdf", "destination": "Medical Records/Provider1/records_001.pdf"}
  {"type": "delete", "source": "tmp/old-draft.docx"}
A destination names the target itself, never a folder to put it "into". An existing destination
is an error unless "overwrite": true."""


class ReorganizeArgs(BaseModel):
    case_name: str = Field(description="The case folder's name, e.g. 'abby-sitgraves'")
    operations: list[dict[str, Any]] = Field(description="The operations, in order; later ones see the effect of earlier ones.\n" + PLAN_FORMAT)
    description: str = Field(default="Case file reorganization", description="What the plan does and why, for the person approving it")


class ExecuteArgs(BaseModel):
    plan_id: str = Field(description="The plan id reorganize_case_files or propose_from_commands returned, e.g. 'pln_...'")
    auto_approve: bool = Field(default=False, description="Kept from the original proposal's signature; Bailiff has no auto-approve, so a person must approve")


class ListArgs(BaseModel):
    case_name: str = Field(description="The case folder's name")
    prefix: str = Field(default="", description="Only files under this folder, e.g. 'intake/'")


class ReadArgs(BaseModel):
    case_name: str = Field(description="The case folder's name")
    path: str = Field(description="The file's path inside the case, e.g. 'intake/notes.txt'")
    offset: int = Field(default=0, ge=0, description="Character offset to start from, to page through long files")


class CommandsArgs(BaseModel):
    case_name: str = Field(description="The case folder's name")
    commands: str = Field(
        description=(
            "Shell lines, one per line, as you would type them in the case folder: mkdir -p, mv, cp -r, rm -r/-f, touch. "
            "They are parsed with POSIX quoting and turned into a plan; nothing is executed. Pipes, redirection, ;, &&, "
            "variables and other commands are refused with the line and column.\n"
            'Example:\nmkdir -p "Medical Records/Provider1"\nmv intake/records_*.pdf "Medical Records/Provider1/"'
        )
    )
    description: str = Field(default="Case file reorganization", description="What the plan does and why, for the person approving it")


def _fail(error: BailiffError, doing: str) -> ToolException:
    return ToolException(f"Bailiff refused {doing}: {error.describe()}")


def create_bailiff_tools(client: ClientSource | None = None, *, wait_timeout: float = 300.0) -> list[BaseTool]:
    """The five tools, bound to ``client`` (or to a client from the environment, made on first use).

    ``wait_timeout`` bounds how long ``execute_mutation_plan`` waits for an execution to finish.
    """
    get_client: Callable[[], BailiffClient]
    if client is None:
        get_client = _client_from_env
    elif isinstance(client, BailiffClient):
        bound = client
        get_client = lambda: bound  # noqa: E731
    else:
        get_client = client

    def reorganize_case_files(case_name: str, operations: list[dict[str, Any]], description: str = "Case file reorganization") -> str:
        c = get_client()
        try:
            view = c.propose(case_name, description, operations)
        except BailiffError as error:
            raise _fail(error, "the plan") from error
        return describe_proposal(view, c.console_url(view.plan.id))

    def execute_mutation_plan(plan_id: str, auto_approve: bool = False) -> str:
        c = get_client()
        # Agents prompted with the original proposal may still ask; the answer is always a person.
        refusal = "auto_approve is not available: only a person (or the firm's written policy) approves plans. " if auto_approve else ""
        try:
            view = c.get_plan(plan_id)
            # Bailiff decides whether the plan may run now or is already under way.
            if view.decisions.apply.allowed:
                c.apply(plan_id)
                view = c.wait_for_plan(plan_id, until="finished", timeout=wait_timeout)
            elif view.decisions.in_flight:
                view = c.wait_for_plan(plan_id, until="finished", timeout=wait_timeout)
        except PlanWaitTimeout:
            return f"Plan {plan_id} is still running after {wait_timeout:g} s; call execute_mutation_plan('{plan_id}') again to keep waiting."
        except BailiffError as error:
            raise _fail(error, f"to apply {plan_id}") from error
        return refusal + _execution_words(view, c.console_url(plan_id))

    def list_case_files(case_name: str, prefix: str = "") -> str:
        try:
            listing = get_client().list_files(case_name, prefix=prefix or None)
        except BailiffError as error:
            raise _fail(error, "the listing") from error
        files = listing.files
        where = f"{case_name}/{prefix}" if prefix else case_name
        if not files:
            return f"No files in {where}."
        shown = files[:MAX_LISTED_FILES]
        lines = [f"{len(files)} entries in {where} (a path ending in / is an empty folder):"]
        lines += [f"  {f.path}  ({f.size} B)" if not f.path.endswith("/") else f"  {f.path}" for f in shown]
        if len(files) > len(shown):
            lines.append(f"  ... and {len(files) - len(shown)} more; narrow with prefix.")
        return "\n".join(lines)

    def read_case_file(case_name: str, path: str, offset: int = 0) -> str:
        c = get_client()
        try:
            if not c.supports(*CONTENT_ROUTE):
                raise ToolException("This Bailiff cannot serve file content yet (it has no GET /cases/{case}/files/content); list_case_files shows names and sizes.")
            content = c.read_file(case_name, path)
        except BailiffError as error:
            raise _fail(error, f"to read {path}") from error
        try:
            text = content.text()
        except UnicodeDecodeError:
            return f"{path} is a binary file of {len(content.data)} bytes; its content cannot be shown as text."
        chunk = text[offset : offset + MAX_READ_CHARS]
        rest = len(text) - offset - len(chunk)
        more = f"\n[... {rest} more characters; call read_case_file with offset={offset + len(chunk)}]" if rest > 0 else ""
        return chunk + more

    def propose_from_commands(case_name: str, commands: str, description: str = "Case file reorganization") -> str:
        c = get_client()
        try:
            if not c.supports(*COMMANDS_ROUTE):
                raise ToolException("This Bailiff does not translate shell commands yet (no POST /plans/from-commands); use reorganize_case_files with typed operations.")
            view = c.propose_from_commands(case_name, description, commands)
        except BailiffError as error:
            raise _fail(error, "the commands") from error
        return describe_translation(view) + "\n" + describe_proposal(view, c.console_url(view.plan.id))

    def make(func: Callable[..., str], schema: type[BaseModel], description: str) -> BaseTool:
        return StructuredTool.from_function(func=func, name=func.__name__, description=description, args_schema=schema, handle_tool_error=True)

    return [
        make(
            reorganize_case_files,
            ReorganizeArgs,
            "Propose a reorganisation of one case's files (create folders, write, copy, move, delete). "
            "Bailiff dry-runs it against the real files and returns what each operation would do, errors and warnings, "
            "and a link where a person approves it. Nothing changes until it is approved and executed.\n" + PLAN_FORMAT,
        ),
        make(
            execute_mutation_plan,
            ExecuteArgs,
            "Apply a plan a person has approved, and wait for the outcome. For a plan not yet approved it says so and gives the "
            "approval link (you cannot approve plans yourself).",
        ),
        make(list_case_files, ListArgs, "List a case's files (path and size), optionally under a folder prefix."),
        make(read_case_file, ReadArgs, f"Read a text file of a case (at most {MAX_READ_CHARS} characters per call; use offset for more)."),
        make(
            propose_from_commands,
            CommandsArgs,
            "Propose a plan written as shell lines (mkdir -p, mv, cp -r, rm -r, touch). Bailiff parses them, never runs them, and "
            "answers how it read each line plus the dry-run report and approval link.",
        ),
    ]


def _execution_words(view: PlanView, console_url: str) -> str:
    if view.decisions.approve.offered:
        return f"Plan {view.plan.id} has not been approved yet, so nothing was applied. " + next_step(view, console_url)
    if view.plan.rejection is not None or view.decisions.approval_expired:
        return f"Plan {view.plan.id} was not applied. " + next_step(view, console_url)
    # Queued, running or finished: the outcome, in the words the view's decisions give.
    return describe_outcome(view, console_url)


@functools.lru_cache(maxsize=1)
def _client_from_env() -> BailiffClient:
    return BailiffClient.from_env()


(
    reorganize_case_files,
    execute_mutation_plan,
    list_case_files,
    read_case_file,
    propose_from_commands,
) = create_bailiff_tools()
"""Ready-made tools configured from ``BAILIFF_URL`` / ``BAILIFF_TOKEN`` on first use."""
