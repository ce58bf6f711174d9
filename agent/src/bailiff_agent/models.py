"""The API's wire format as pydantic models.

What Bailiff answers is generated from its OpenAPI document (``_contract.py``, by ``npm run
contract:python``) and only given its public names here, so the models cannot drift from the
server. Responses accept fields this package does not know yet (the API grows by addition), and
read the API's camelCase as snake_case attributes: ``view.plan.plan_hash``.

The operations an agent sends are written here by hand, as builders with the API's defaults;
the tests check them against the generated request schema.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from . import _contract as wire

#: A plan's status as text (the generated enum is :class:`_contract.PlanStatus`; a test keeps them equal).
PlanStatus = Literal["proposed", "approved", "rejected", "expired", "queued", "running", "succeeded", "failed", "rolled_back"]

# Which statuses are decided or finished is Bailiff's to say: every view carries it in
# ``view.decisions`` (``awaiting_approval``, ``in_flight``, ``finished``), so no status set is kept here.


# --- operations an agent sends -------------------------------------------------------------


class _Operation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class CreateDir(_Operation):
    """Create a folder (and its parents): ``{"type": "create_dir", "destination": "Medical Records/Provider1"}``."""

    type: Literal["create_dir"] = "create_dir"
    destination: str


class WriteFile(_Operation):
    """Write a file; ``overwrite`` must be true to replace one that exists."""

    type: Literal["write_file"] = "write_file"
    destination: str
    content: str
    encoding: Literal["utf8", "base64"] = "utf8"
    overwrite: bool = False


class Copy(_Operation):
    """Copy a file, or a folder (a source ending in ``/``) with everything under it."""

    type: Literal["copy"] = "copy"
    source: str
    destination: str
    overwrite: bool = False


class Move(_Operation):
    """Move (rename) a file or a folder; the destination names the target itself, never "into"."""

    type: Literal["move"] = "move"
    source: str
    destination: str
    overwrite: bool = False


class Delete(_Operation):
    """Delete a file, or a folder with everything under it."""

    type: Literal["delete"] = "delete"
    source: str


Operation = Annotated[Union[CreateDir, WriteFile, Copy, Move, Delete], Field(discriminator="type")]
OPERATION_ADAPTER: TypeAdapter[Operation] = TypeAdapter(Operation)

# --- what Bailiff answers (generated; public names) ----------------------------------------

FileEntry = wire.ListCaseFilesResponseFile
"""One object of a case; a path ending in ``/`` is a folder marker (an empty folder)."""
FileList = wire.ListCaseFilesResponse
ReportIssue = wire.ReportIssue
#: Exact counts over the whole plan, however short ``Report.operations`` is.
ReportTotals = wire.ReportTotals
OperationEffect = wire.ReportOperation
ReportDiff = wire.ReportDiff
PolicyVerdict = wire.ReportPolicy
#: The dry run: what each operation would do (the first 1,000; ``operations_truncated`` says when
#: there are more), errors, warnings, the before/after diff.
Report = wire.Report
Approver = wire.ApprovalApprover
Approval = wire.Approval
Rejection = wire.PlanRecordRejection
ExecutionSummary = wire.ExecutionSummary
PlanRecord = wire.PlanRecord
#: Whether the caller may take one action now; ``reason`` says why not, ``code`` what it would be refused with.
Decision = wire.PlanDecisionsApprove
ApprovalProgress = wire.PlanDecisionsApprovals
#: What the caller may do with the plan now and why not, and the next step in words; decided by
#: Bailiff (one owner of the plan lifecycle). ``validate`` on the wire is ``validate_`` here.
PlanDecisions = wire.PlanDecisions
#: A plan with its dry-run report, approval and execution: what ``GET /plans/{id}`` answers.
PlanView = wire.PlanView
PlanList = wire.ListPlansResponse
AuditRecord = wire.AuditRecord
PlanAudit = wire.GetPlanAuditResponse
#: One shell line and the typed operations Bailiff read it as (indices into the plan's operations).
CommandTranslation = wire.ProposePlanFromCommandsResponseTranslationItem
Health = wire.GetHealthResponse


class CommandPlanView(PlanView):
    """``POST /plans/from-commands``: the proposed plan and how each line became operations.

    A :class:`PlanView` (what every plan route answers) with the translation beside it.
    """

    translation: list[CommandTranslation] = []


class FileContent(BaseModel):
    """An object's bytes, with the generation they were read at (the response's ETag).

    Not JSON on the wire (the content route answers bytes), so written here.
    """

    path: str
    data: bytes
    generation: str | None = None
    content_type: str | None = None

    def text(self) -> str:
        return self.data.decode("utf-8")
