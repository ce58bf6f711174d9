"""The API's wire format as pydantic models (the OpenAPI document at ``/openapi.json`` is the reference).

Responses accept fields this package does not know yet (the API grows by addition), and read
the API's camelCase as snake_case attributes: ``view.plan.plan_hash``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.alias_generators import to_camel

PlanStatus = Literal["proposed", "approved", "rejected", "expired", "queued", "running", "succeeded", "failed", "rolled_back"]

#: Nothing more happens to a plan in these statuses.
TERMINAL_STATUSES: frozenset[str] = frozenset({"rejected", "expired", "succeeded", "failed", "rolled_back"})
#: A person (or a policy rule) has said yes or no: everything but ``proposed``.
DECIDED_STATUSES: frozenset[str] = frozenset({"approved", "rejected", "expired", "queued", "running", "succeeded", "failed", "rolled_back"})


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


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

# --- what Bailiff answers -----------------------------------------------------------------


class FileEntry(_Wire):
    """One object of a case; a path ending in ``/`` is a folder marker (an empty folder)."""

    path: str
    size: int
    updated: str
    generation: str


class FileList(_Wire):
    case: str
    files: list[FileEntry]


class FileContent(BaseModel):
    """An object's bytes, with the generation they were read at (the response's ETag)."""

    path: str
    data: bytes
    generation: str | None = None
    content_type: str | None = None

    def text(self) -> str:
        return self.data.decode("utf-8")


class ReportIssue(_Wire):
    code: str
    message: str
    operation: int | None = None
    path: str | None = None


class ReportTotals(_Wire):
    """Exact counts over the whole plan, however short ``Report.operations`` is."""

    operations: int
    actions: int
    objects_created: int
    objects_overwritten: int
    objects_deleted: int
    objects_moved: int
    objects_copied: int
    objects_written: int
    folders_created: int
    bytes_written: int
    bytes_deleted: int
    bytes_moved: int
    bytes_copied: int


class OperationEffect(_Wire):
    index: int
    type: str
    effect: str
    objects: int
    bytes: int


class ReportDiff(_Wire):
    added: list[str]
    removed: list[str]
    changed: list[str]
    truncated: bool


class PolicyVerdict(_Wire):
    version: str
    auto_approve_rule: str | None = None
    approvals_required: int
    violations: list[ReportIssue] = []


class Report(_Wire):
    """The dry run: what each operation would do, errors, warnings, the before/after diff."""

    valid: bool
    checked_at: str
    snapshot_hash: str
    totals: ReportTotals
    errors: list[ReportIssue]
    warnings: list[ReportIssue]
    #: The first 1,000 operations' lines; ``operations_truncated`` says when there are more.
    operations: list[OperationEffect]
    operations_truncated: bool
    diff: ReportDiff
    policy: PolicyVerdict | None = None


class Approver(_Wire):
    principal: str
    at: str
    comment: str | None = None


class Approval(_Wire):
    approvers: list[Approver]
    plan_hash: str
    snapshot_hash: str
    rule: str | None = None
    approvals_required: int
    approved_at: str
    expires_at: str | None = None


class Rejection(_Wire):
    by: str
    at: str
    reason: str


class ExecutionSummary(_Wire):
    attempt: int
    cursor: int
    action_count: int
    done: int
    stale: int
    failed: int
    skipped: int
    started_at: str | None = None
    finished_at: str | None = None
    compensated: bool | None = None
    last_error: str | None = None


class PlanRecord(_Wire):
    id: str
    case: str
    description: str
    on_error: str
    kind: str
    author: str
    created_at: str
    updated_at: str
    plan_hash: str
    #: One of :data:`PlanStatus`; typed as text too, so a status a newer Bailiff adds still parses.
    status: PlanStatus | str
    revision: int
    operation_count: int
    rollback_of: str | None = None
    approval: Approval | None = None
    rejection: Rejection | None = None
    execution: ExecutionSummary | None = None
    rolled_back_by: str | None = None


class Decision(_Wire):
    allowed: bool
    #: Whether the action belongs to the plan's state at all, whoever asks (false from servers that predate it).
    offered: bool = False
    #: Why not, in words a person can act on.
    reason: str | None = None
    #: The error code the action would be refused with.
    code: str | None = None


class ApprovalProgress(_Wire):
    required: int
    given: list[Approver]
    remaining: int


class PlanDecisions(_Wire):
    """What the caller may do with the plan now and why not, and the next step in words.

    Decided by Bailiff (one owner of the plan lifecycle); read it instead of deciding from the status.
    """

    plan_id: str
    status: PlanStatus | str
    approve: Decision
    reject: Decision
    apply: Decision
    #: ``validate`` on the wire; renamed here because pydantic models have a ``validate`` method.
    validate_: Decision = Field(alias="validate")
    rollback: Decision
    verify_audit: Decision
    policy_verdict: str
    approvals: ApprovalProgress
    approval_expired: bool
    #: Handed to the executor (queued or running): waiting is what to do next.
    in_flight: bool = False
    next_step: str


class PlanView(_Wire):
    """A plan with its dry-run report, approval and execution: what ``GET /plans/{id}`` answers."""

    plan: PlanRecord
    report: Report
    decisions: PlanDecisions
    approval: Approval | None = None
    execution: ExecutionSummary | None = None


class PlanList(_Wire):
    plans: list[PlanRecord]
    next_page_token: str | None = None


class AuditRecord(_Wire):
    seq: int
    type: str
    actor: str
    at: str


class PlanAudit(_Wire):
    plan_id: str
    records: list[AuditRecord]


class CommandTranslation(_Wire):
    """One shell line and the typed operations Bailiff read it as."""

    line: int
    text: str
    operations: list[int]
    """Indices into the plan's operations (and the report's per-operation effects)."""


class CommandPlanView(PlanView):
    """``POST /plans/from-commands``: the proposed plan and how each line became operations."""

    translation: list[CommandTranslation] = []


class Health(_Wire):
    status: str
    checks: dict[str, Any] = {}
