"""Bailiff's wire format, generated from its OpenAPI document (GET /openapi.json).

Do not edit: run `npm run contract:python` after changing the server's schemas or error
codes. `npm test` fails when this file differs from what the generator writes. The
hand-written API of the package (models.py, errors.py) builds on these classes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Dict, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel


class PlanRecordOnError(StrEnum):
    stop = "stop"
    rollback = "rollback"


class PlanRecordKind(StrEnum):
    change = "change"
    rollback = "rollback"
    compensation = "compensation"


class PlanRecordGuard(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    path: str
    generation: str


class PlanRecordRejection(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    by: str
    at: str
    reason: str


class ReportListing(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    objects: int
    pages: int


class ReportTotals(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    operations: int
    actions: int
    objects_created: Annotated[int, Field(alias="objectsCreated")]
    objects_overwritten: Annotated[int, Field(alias="objectsOverwritten")]
    objects_deleted: Annotated[int, Field(alias="objectsDeleted")]
    objects_moved: Annotated[int, Field(alias="objectsMoved")]
    objects_copied: Annotated[int, Field(alias="objectsCopied")]
    objects_written: Annotated[int, Field(alias="objectsWritten")]
    folders_created: Annotated[int, Field(alias="foldersCreated")]
    bytes_written: Annotated[int, Field(alias="bytesWritten")]
    bytes_deleted: Annotated[int, Field(alias="bytesDeleted")]
    bytes_moved: Annotated[int, Field(alias="bytesMoved")]
    bytes_copied: Annotated[int, Field(alias="bytesCopied")]


class ReportOperation(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    index: int
    type: str
    effect: str
    objects: int
    bytes: int


class ReportDiff(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    added: list[str]
    removed: list[str]
    changed: list[str]
    truncated: bool


class ReportIssueHoldKind(StrEnum):
    temporary = "temporary"
    event_based = "event_based"
    retention_policy = "retention_policy"
    object_retention = "object_retention"


class ReportIssueHold(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    kind: ReportIssueHoldKind
    until: str | None = None


class ReportIssue(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    operation: int | None = None
    code: str
    message: str
    path: str | None = None
    holds: list[ReportIssueHold] | None = None


class ApprovalApprover(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    principal: str
    at: str
    comment: str | None = None


class Approval(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    approvers: list[ApprovalApprover]
    plan_hash: Annotated[str, Field(alias="planHash")]
    snapshot_hash: Annotated[str, Field(alias="snapshotHash")]
    rule: str | None = None
    approvals_required: Annotated[int, Field(alias="approvalsRequired", ge=1)]
    approved_at: Annotated[str, Field(alias="approvedAt")]
    expires_at: Annotated[str | None, Field(alias="expiresAt")] = None


class ExecutionSummaryNeedsAttentionItem(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    path: str
    message: str
    action: int | None = None


class ExecutionSummary(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    attempt: int
    started_at: Annotated[str | None, Field(alias="startedAt")] = None
    finished_at: Annotated[str | None, Field(alias="finishedAt")] = None
    cursor: int
    action_count: Annotated[int, Field(alias="actionCount")]
    done: int
    stale: int
    failed: int
    skipped: int
    compensated: bool | None = None
    compensation: str | None = None
    needs_attention: Annotated[
        list[ExecutionSummaryNeedsAttentionItem] | None, Field(alias="needsAttention")
    ] = None
    needs_attention_count: Annotated[int | None, Field(alias="needsAttentionCount")] = (
        None
    )
    preflight_passed_at: Annotated[str | None, Field(alias="preflightPassedAt")] = None
    last_error: Annotated[str | None, Field(alias="lastError")] = None


class PlanDecisionsApproveCode(StrEnum):
    forbidden = "forbidden"
    conflict = "conflict"
    plan_invalid = "plan_invalid"


class PlanDecisionsApprove(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    allowed: bool
    offered: Annotated[
        bool,
        Field(
            description="Whether the action belongs to the plan's state at all: offer it (enabled, or with its reason) when offered or allowed"
        ),
    ]
    reason: Annotated[
        str | None, Field(description="Why not, in words a person can act on")
    ] = None
    code: Annotated[
        PlanDecisionsApproveCode | None,
        Field(description="The error code the action would be refused with"),
    ] = None


class PlanDecisionsReject(PlanDecisionsApprove):
    pass


class PlanDecisionsApply(PlanDecisionsApprove):
    pass


class PlanDecisionsValidate(PlanDecisionsApprove):
    pass


class PlanDecisionsRollback(PlanDecisionsApprove):
    pass


class PlanDecisionsVerifyAudit(PlanDecisionsApprove):
    pass


class PlanDecisionsApprovalsGivenItem(ApprovalApprover):
    pass


class PlanDecisionsApprovals(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    required: int
    given: list[PlanDecisionsApprovalsGivenItem]
    remaining: int


class PlanStatus(StrEnum):
    proposed = "proposed"
    approved = "approved"
    rejected = "rejected"
    expired = "expired"
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    rolled_back = "rolled_back"


class AuditRecordType(StrEnum):
    plan_proposed = "plan.proposed"
    plan_validated = "plan.validated"
    plan_approved = "plan.approved"
    plan_approval_withdrawn = "plan.approval_withdrawn"
    plan_rejected = "plan.rejected"
    plan_expired = "plan.expired"
    plan_queued = "plan.queued"
    plan_policy_refused = "plan.policy_refused"
    plan_running = "plan.running"
    plan_resumed = "plan.resumed"
    plan_requeued = "plan.requeued"
    plan_succeeded = "plan.succeeded"
    plan_failed = "plan.failed"
    plan_rolled_back = "plan.rolled_back"
    plan_compensated = "plan.compensated"
    execution_actions = "execution.actions"
    execution_stale = "execution.stale"
    lease_acquired = "lease.acquired"
    lease_released = "lease.released"
    lease_expired = "lease.expired"
    lease_taken_over = "lease.taken_over"
    lease_force_released = "lease.force_released"
    hold_placed = "hold.placed"
    hold_released = "hold.released"
    access_walled = "access.walled"


class AuditRecord(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    chain: str
    seq: Annotated[int, Field(ge=1)]
    type: AuditRecordType
    plan_id: Annotated[str | None, Field(alias="planId")] = None
    actor: str
    at: str
    data: dict[str, Any]
    prev_hash: Annotated[str, Field(alias="prevHash")]
    hash: str


class ErrorErrorCode(StrEnum):
    invalid_input = "invalid_input"
    unauthenticated = "unauthenticated"
    forbidden = "forbidden"
    not_found = "not_found"
    method_not_allowed = "method_not_allowed"
    conflict = "conflict"
    hash_mismatch = "hash_mismatch"
    report_changed = "report_changed"
    precondition_failed = "precondition_failed"
    payload_too_large = "payload_too_large"
    object_held = "object_held"
    range_not_satisfiable = "range_not_satisfiable"
    plan_invalid = "plan_invalid"
    rate_limited = "rate_limited"
    unavailable = "unavailable"
    internal = "internal"


class ErrorErrorDetail(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    __annotations__ = {
        "__pydantic_extra__": Dict[str, Any],
    }
    path: str | None = None
    message: str


class ErrorError(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    code: ErrorErrorCode
    message: str
    details: list[ErrorErrorDetail] | None = None
    id: Annotated[
        str | None, Field(description="Set on 500s: quote it to find the logged cause")
    ] = None


class Error(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    error: ErrorError


class GetHealthResponseStatus(StrEnum):
    ok = "ok"
    unavailable = "unavailable"


class GetHealthResponseChecks(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    ok: bool
    latency_ms: Annotated[float | None, Field(alias="latencyMs")] = None


class GetHealthResponseError(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    code: Literal["unavailable"]
    message: str


class GetHealthResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    status: GetHealthResponseStatus
    checks: dict[str, GetHealthResponseChecks]
    error: Annotated[
        GetHealthResponseError | None,
        Field(description="On 503: names the failing dependencies"),
    ] = None


class GetOpenApiDocumentResponse(RootModel[dict[str, Any]]):
    root: dict[str, Any]


class ListCaseFilesParametersQueryRecursive(StrEnum):
    true = "true"
    false = "false"


class ListCaseFilesResponseFile(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    path: str
    size: int
    updated: str
    generation: str


class ListCaseFilesResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    case: str
    files: list[ListCaseFilesResponseFile]


class GetFileHistoryResponseChangePlanKind(StrEnum):
    change = "change"
    rollback = "rollback"


class GetFileHistoryResponseChangeChange(StrEnum):
    created = "created"
    overwritten = "overwritten"
    copied_in = "copied_in"
    copied_out = "copied_out"
    moved = "moved"
    deleted = "deleted"
    restored = "restored"


class GetFileHistoryResponseChangeApprover(ApprovalApprover):
    pass


class GetFileHistoryResponseChangeAudit(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    seq: int
    hash: str
    type: str


class GetFileHistoryResponseChange(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    plan_id: Annotated[str, Field(alias="planId")]
    plan_kind: Annotated[GetFileHistoryResponseChangePlanKind, Field(alias="planKind")]
    rollback_of: Annotated[str | None, Field(alias="rollbackOf")] = None
    description: str
    change: GetFileHistoryResponseChangeChange
    operation: str
    action: int
    path_before: Annotated[str | None, Field(alias="pathBefore")] = None
    path_after: Annotated[str | None, Field(alias="pathAfter")] = None
    generation: str | None = None
    md5: str | None = None
    crc32c: str | None = None
    size: int
    proposer: str
    approvers: list[GetFileHistoryResponseChangeApprover]
    ran_at: Annotated[str, Field(alias="ranAt")]
    compensated: bool | None = None
    audit: GetFileHistoryResponseChangeAudit


class GetFileHistoryResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    case: str
    path: str
    changes: list[GetFileHistoryResponseChange]
    truncated: bool
    next_page_token: Annotated[str | None, Field(alias="nextPageToken")] = None


class SnapshotCaseResponseObject(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    path: Annotated[
        str,
        Field(
            description="Relative to the case folder; a folder marker (empty folder) ends in `/`"
        ),
    ]
    size: int
    md5: Annotated[str, Field(description="Lower-case hex")]
    crc32c: Annotated[
        str | None,
        Field(
            description="Base64, as Cloud Storage reports it (absent on the embedded server)"
        ),
    ] = None
    generation: str
    content_type: Annotated[str, Field(alias="contentType")]
    updated: str


class SnapshotCaseResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    case: str
    objects: list[SnapshotCaseResponseObject]
    next_page_token: Annotated[str | None, Field(alias="nextPageToken")] = None


class DeclareBlobRequestDeclareBlobRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    md5: Annotated[str, Field(pattern="^[0-9a-f]{32}$")]
    sha256: Annotated[str | None, Field(pattern="^[0-9a-f]{64}$")] = None
    size: Annotated[int, Field(ge=0, le=5497558138880)]
    content_type: Annotated[
        str | None,
        Field(
            alias="contentType",
            max_length=255,
            pattern="^[a-z0-9][a-z0-9!#$&^_.+-]*\\/[a-z0-9][a-z0-9!#$&^_.+-]*(\\s*;\\s*[a-z0-9-]+=[^;\\s]+)*$",
        ),
    ] = "application/octet-stream"


class DeclareBlobRequestDeclareBlobRequest1(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    md5: Annotated[str | None, Field(pattern="^[0-9a-f]{32}$")] = None
    sha256: Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
    size: Annotated[int, Field(ge=0, le=5497558138880)]
    content_type: Annotated[
        str | None,
        Field(
            alias="contentType",
            max_length=255,
            pattern="^[a-z0-9][a-z0-9!#$&^_.+-]*\\/[a-z0-9][a-z0-9!#$&^_.+-]*(\\s*;\\s*[a-z0-9-]+=[^;\\s]+)*$",
        ),
    ] = "application/octet-stream"


class DeclareBlobRequest(
    RootModel[
        DeclareBlobRequestDeclareBlobRequest | DeclareBlobRequestDeclareBlobRequest1
    ]
):
    root: DeclareBlobRequestDeclareBlobRequest | DeclareBlobRequestDeclareBlobRequest1


class DeclareBlobResponseUploadMethod(StrEnum):
    get = "GET"
    put = "PUT"


class DeclareBlobResponseUploadAuthorization(StrEnum):
    bearer = "bearer"
    signed = "signed"


class DeclareBlobResponseUpload(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    method: DeclareBlobResponseUploadMethod
    url: str
    headers: dict[str, str]
    expires_at: Annotated[str, Field(alias="expiresAt")]
    authorization: Annotated[
        DeclareBlobResponseUploadAuthorization,
        Field(
            description="`bearer`: a path of this API, send your token; `signed`: send no credentials"
        ),
    ]


class DeclareBlobResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    blob: Annotated[
        str,
        Field(
            description='The reference a `write_file` names: `{"blob": "<case>/<blob id>"}`'
        ),
    ]
    exists: bool
    upload: DeclareBlobResponseUpload | None = None


class UploadBlobResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    blob: str
    size: int
    already_uploaded: Annotated[bool, Field(alias="alreadyUploaded")]
    md5: str | None = None
    sha256: str | None = None


class ReadCaseFileTextResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    case: str
    path: str
    size: int
    generation: str
    updated: str
    offset: int
    text: str
    next_offset: Annotated[int | None, Field(alias="nextOffset")] = None


class ProposePlanRequestProposePlanRequestOperations(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        regex_engine="python-re",
    )
    type: Literal["create_dir"]
    destination: Annotated[
        str,
        Field(
            max_length=1012,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68](?:/(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68])*/?$',
        ),
    ]


class ProposePlanRequestProposePlanRequestOperations1Encoding(StrEnum):
    utf8 = "utf8"
    base64 = "base64"


class ProposePlanRequestProposePlanRequestOperations1(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        regex_engine="python-re",
    )
    type: Literal["write_file"]
    destination: Annotated[
        str,
        Field(
            max_length=1012,
            min_length=1,
            pattern='^(?!.*/$)(?!.*%[0-9a-fA-F]{2})(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68](?:/(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68])*/?$',
        ),
    ]
    content: Annotated[str, Field(max_length=11184812)]
    blob: Annotated[str | None, Field(max_length=300)] = None
    encoding: ProposePlanRequestProposePlanRequestOperations1Encoding | None = "utf8"
    overwrite: bool | None = False


class ProposePlanRequestProposePlanRequestOperations2(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        regex_engine="python-re",
    )
    type: Literal["write_file"]
    destination: Annotated[
        str,
        Field(
            max_length=1012,
            min_length=1,
            pattern='^(?!.*/$)(?!.*%[0-9a-fA-F]{2})(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68](?:/(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68])*/?$',
        ),
    ]
    content: Annotated[str | None, Field(max_length=11184812)] = None
    blob: Annotated[str, Field(max_length=300)]
    encoding: ProposePlanRequestProposePlanRequestOperations1Encoding | None = "utf8"
    overwrite: bool | None = False


class ProposePlanRequestProposePlanRequestOperations3(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        regex_engine="python-re",
    )
    type: Literal["copy"]
    source: Annotated[
        str,
        Field(
            max_length=1012,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68](?:/(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68])*/?$',
        ),
    ]
    destination: Annotated[
        str,
        Field(
            max_length=1012,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68](?:/(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68])*/?$',
        ),
    ]
    overwrite: bool | None = False


class ProposePlanRequestProposePlanRequestOperations4(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        regex_engine="python-re",
    )
    type: Literal["move"]
    source: Annotated[
        str,
        Field(
            max_length=1012,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68](?:/(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68])*/?$',
        ),
    ]
    destination: Annotated[
        str,
        Field(
            max_length=1012,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68](?:/(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68])*/?$',
        ),
    ]
    overwrite: bool | None = False


class ProposePlanRequestProposePlanRequestOperations5(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        regex_engine="python-re",
    )
    type: Literal["delete"]
    source: Annotated[
        str,
        Field(
            max_length=1012,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68](?:/(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68])*/?$',
        ),
    ]


class ProposePlanRequestProposePlanRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        regex_engine="python-re",
    )
    case: Annotated[
        str,
        Field(
            max_length=128,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.)(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]$',
        ),
    ]
    description: Annotated[str, Field(max_length=4000, min_length=1, pattern="\\S")]
    operations: Annotated[
        list[
            ProposePlanRequestProposePlanRequestOperations
            | ProposePlanRequestProposePlanRequestOperations1
            | ProposePlanRequestProposePlanRequestOperations2
            | ProposePlanRequestProposePlanRequestOperations3
            | ProposePlanRequestProposePlanRequestOperations4
            | ProposePlanRequestProposePlanRequestOperations5
        ],
        Field(max_length=100000, min_length=1),
    ]
    on_error: Annotated[PlanRecordOnError | None, Field(alias="onError")] = "stop"


class ProposePlanRequestProposePlanRequest1BaseItem(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        regex_engine="python-re",
    )
    __annotations__ = {
        "__pydantic_extra__": Dict[str, Any],
    }
    path: Annotated[
        str,
        Field(
            max_length=1012,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68](?:/(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68])*/?$',
        ),
    ]
    generation: Annotated[str, Field(max_length=100, min_length=1)]
    md5: Annotated[str | None, Field(pattern="^[0-9a-f]{32}$")] = None


class ProposePlanRequestProposePlanRequest1TargetItem(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        regex_engine="python-re",
    )
    path: Annotated[
        str,
        Field(
            max_length=1012,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68](?:/(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68])*/?$',
        ),
    ]
    size: Annotated[int, Field(ge=0, le=9007199254740991)]
    md5: Annotated[str, Field(pattern="^[0-9a-f]{32}$")]
    blob: Annotated[
        str | None,
        Field(
            max_length=300,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.)(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]/(md5-[0-9a-f]{32}|sha256-[0-9a-f]{64})-(0|[1-9][0-9]{0,14})$',
        ),
    ] = None


class ProposePlanRequestProposePlanRequest1(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        regex_engine="python-re",
    )
    case: Annotated[
        str,
        Field(
            max_length=128,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.)(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]$',
        ),
    ]
    description: Annotated[str, Field(max_length=4000, min_length=1)]
    base: Annotated[
        list[ProposePlanRequestProposePlanRequest1BaseItem], Field(max_length=100000)
    ]
    target: Annotated[
        list[ProposePlanRequestProposePlanRequest1TargetItem], Field(max_length=100000)
    ]
    on_error: Annotated[PlanRecordOnError | None, Field(alias="onError")] = "stop"


class ProposePlanRequest(
    RootModel[
        ProposePlanRequestProposePlanRequest | ProposePlanRequestProposePlanRequest1
    ]
):
    root: ProposePlanRequestProposePlanRequest | ProposePlanRequestProposePlanRequest1


class ProposePlanResponseTarget(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    unchanged: int
    moved: int
    copied: int
    written: int
    deleted: int
    folders_created: Annotated[int, Field(alias="foldersCreated")]
    conflicts: int


class ProposePlanFromCommandsRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        regex_engine="python-re",
    )
    case: Annotated[
        str,
        Field(
            max_length=128,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.)(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]$',
        ),
    ]
    description: Annotated[str, Field(max_length=4000, min_length=1)]
    commands: Annotated[
        str,
        Field(
            description="Newline-separated lines: `mkdir [-p]`, `mv`, `cp [-r]`, `rm [-r] [-f]`, `touch`, with POSIX quoting and globs",
            max_length=1000000,
            min_length=1,
        ),
    ]
    on_error: Annotated[PlanRecordOnError | None, Field(alias="onError")] = "stop"


class ProposePlanFromCommandsResponseTranslationItem(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    line: int
    text: str
    operations: list[int]


class ValidatePlanRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )


class ApprovePlanRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    plan_hash: Annotated[
        str,
        Field(
            alias="planHash",
            description="The `planHash` of the plan the approver reviewed",
            max_length=200,
            min_length=1,
        ),
    ]
    snapshot_hash: Annotated[
        str,
        Field(
            alias="snapshotHash",
            description="The `report.snapshotHash` of the dry-run report the approver reviewed; another current report is a 409 `report_changed`",
            max_length=200,
            min_length=1,
        ),
    ]
    comment: Annotated[str | None, Field(max_length=4000)] = None


class RejectPlanRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    reason: Annotated[str, Field(max_length=4000, min_length=1, pattern="\\S")]


class ApplyPlanRequest(ValidatePlanRequest):
    pass


class RollbackPlanRequest(ValidatePlanRequest):
    pass


class GetPlanAuditResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    plan_id: Annotated[str, Field(alias="planId")]
    records: list[AuditRecord]


class VerifyAuditResponseFirstBreak(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    chain: str
    seq: int
    reason: str
    file: str | None = None


class VerifyAuditResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    ok: bool
    chains: int
    records: int
    files: int
    heads_signed: Annotated[bool, Field(alias="headsSigned")]
    missing_files: Annotated[list[str], Field(alias="missingFiles")]
    first_break: Annotated[
        VerifyAuditResponseFirstBreak | None, Field(alias="firstBreak")
    ] = None


class ReleaseCaseLeaseResponseReleased(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    case: str
    plan_id: Annotated[str, Field(alias="planId")]
    owner: str
    token: int
    expires_at: Annotated[str, Field(alias="expiresAt")]


class ReleaseCaseLeaseResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    released: ReleaseCaseLeaseResponseReleased | None = None


class SetCaseFileHoldRequestKind(StrEnum):
    temporary = "temporary"
    event_based = "event_based"


class SetCaseFileHoldRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        regex_engine="python-re",
    )
    path: Annotated[
        str,
        Field(
            max_length=1012,
            min_length=1,
            pattern='^(?!.*%[0-9a-fA-F]{2})(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68](?:/(?!\\.\\.)(?!\\s)(?!(?:\\.[bB][aA][iI][lL][iI][fF][fF]|\\.[wW][eE][lL][lL]-[kK][nN][oO][wW][nN])(?:/|$))(?!(?:[cC][oO][nN]|[pP][rR][nN]|[aA][uU][xX]|[nN][uU][lL]|[cC][oO][mM][0-9¹²³]|[lL][pP][tT][0-9¹²³])(?:\\.[^/]*)?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68]{0,254}[^ ./\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\u3164\\ufeff\\uffa0\\ufffd<>:"|?*\\\\\\u2215\\u2044\\u29f8\\u29f9\\uff0f\\uff3c\\ufe68])*/?$',
        ),
    ]
    kind: SetCaseFileHoldRequestKind
    held: bool


class SetCaseFileHoldResponseHolds(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    temporary: bool | None = None
    event_based: Annotated[bool | None, Field(alias="eventBased")] = None
    retention_expires: Annotated[str | None, Field(alias="retentionExpires")] = None
    retain_until: Annotated[str | None, Field(alias="retainUntil")] = None


class SetCaseFileHoldResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    case: str
    path: str
    kind: SetCaseFileHoldRequestKind
    held: bool
    generation: str
    holds: Annotated[
        SetCaseFileHoldResponseHolds,
        Field(description="Every hold and retention the file is under now"),
    ]
    backups: Annotated[
        int,
        Field(
            description="Backups of the file under `.bailiff/backups/` that got the same change"
        ),
    ]


class WhoAmIResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    principal: str
    roles: list[str]
    cases: list[str] | None = None


class GetPlanOperationsResponseOperationContent(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    bytes: int
    encoding: ProposePlanRequestProposePlanRequestOperations1Encoding
    media_type: Annotated[str, Field(alias="mediaType")]
    preview: str | None = None
    preview_truncated: Annotated[bool | None, Field(alias="previewTruncated")] = None


class GetPlanOperationsResponseOperation(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    index: int
    type: str
    source: str | None = None
    destination: str | None = None
    overwrite: bool | None = None
    content: Annotated[
        GetPlanOperationsResponseOperationContent | None,
        Field(
            description="write_file: size and type of the new content, and its first 2,048 characters when it is text"
        ),
    ] = None


class GetPlanOperationsResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    plan_id: Annotated[str, Field(alias="planId")]
    offset: int
    total: int
    operations: list[GetPlanOperationsResponseOperation]


class GetPlanResultsResponseActionKind(StrEnum):
    put = "put"
    copy = "copy"
    move = "move"
    delete = "delete"


class GetPlanResultsResponseActionOutcome(StrEnum):
    done = "done"
    stale = "stale"
    failed = "failed"
    compensated = "compensated"


class GetPlanResultsResponseAction(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    index: int
    operation: int
    kind: GetPlanResultsResponseActionKind
    source: str | None = None
    destination: str
    size: int
    outcome: GetPlanResultsResponseActionOutcome | None = None
    message: str | None = None
    at: str | None = None


class GetPlanResultsResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    plan_id: Annotated[str, Field(alias="planId")]
    offset: int
    total: int
    actions: list[GetPlanResultsResponseAction]


class ReportPolicy(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    version: str
    auto_approve_rule: Annotated[str | None, Field(alias="autoApproveRule")] = None
    approvals_required: Annotated[int, Field(alias="approvalsRequired")]
    violations: list[ReportIssue]


class Report(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    valid: bool
    checked_at: Annotated[str, Field(alias="checkedAt")]
    snapshot_hash: Annotated[str, Field(alias="snapshotHash")]
    listing: ReportListing
    totals: ReportTotals
    errors: list[ReportIssue]
    warnings: list[ReportIssue]
    operations: list[ReportOperation]
    operations_truncated: Annotated[bool, Field(alias="operationsTruncated")]
    diff: ReportDiff
    policy: ReportPolicy | None = None


class PlanDecisions(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    plan_id: Annotated[str, Field(alias="planId")]
    status: PlanStatus
    approve: PlanDecisionsApprove
    reject: PlanDecisionsReject
    apply: PlanDecisionsApply
    validate_: Annotated[PlanDecisionsValidate, Field(alias="validate")]
    rollback: PlanDecisionsRollback
    verify_audit: Annotated[PlanDecisionsVerifyAudit, Field(alias="verifyAudit")]
    policy_verdict: Annotated[str, Field(alias="policyVerdict")]
    approvals: PlanDecisionsApprovals
    approval_expired: Annotated[bool, Field(alias="approvalExpired")]
    in_flight: Annotated[
        bool,
        Field(
            alias="inFlight",
            description="Handed to the executor (queued or running): its progress is what changes next",
        ),
    ]
    awaiting_approval: Annotated[
        bool,
        Field(
            alias="awaitingApproval",
            description="A person's approval is what happens next (proposed, and the dry run found no errors); a caller waiting for a decision stops when it is false",
        ),
    ]
    finished: Annotated[
        bool,
        Field(
            description="Nothing more happens to the plan unless a person acts (rejected, expired, succeeded, failed, rolled back); a caller waiting for the end stops here"
        ),
    ]
    next_step: Annotated[
        str,
        Field(
            alias="nextStep",
            description='The next step in words: "Awaiting 1 more approval", "Queued to run", "Finished: 12 objects changed"',
        ),
    ]


class PlanRecord(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    id: str
    case: str
    description: str
    on_error: Annotated[PlanRecordOnError, Field(alias="onError")]
    kind: PlanRecordKind
    rollback_of: Annotated[str | None, Field(alias="rollbackOf")] = None
    guards: list[PlanRecordGuard] | None = None
    conflicts: list[ReportIssue] | None = None
    author: str
    created_at: Annotated[str, Field(alias="createdAt")]
    updated_at: Annotated[str, Field(alias="updatedAt")]
    plan_hash: Annotated[str, Field(alias="planHash")]
    status: PlanStatus
    revision: int
    operation_count: Annotated[int, Field(alias="operationCount")]
    report: Report
    approval: Approval | None = None
    rejection: PlanRecordRejection | None = None
    execution: ExecutionSummary | None = None
    rolled_back_by: Annotated[str | None, Field(alias="rolledBackBy")] = None


class ProposePlanResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    plan: PlanRecord
    report: Report
    approval: Approval | None = None
    execution: ExecutionSummary | None = None
    decisions: PlanDecisions
    target: Annotated[
        ProposePlanResponseTarget | None,
        Field(
            description="Target-state proposals only: what the computed plan does, and how many conflicts block it"
        ),
    ] = None


class ListPlansResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    plans: list[PlanRecord]
    next_page_token: Annotated[str | None, Field(alias="nextPageToken")] = None


class ProposePlanFromCommandsResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    plan: PlanRecord
    report: Report
    approval: Approval | None = None
    execution: ExecutionSummary | None = None
    decisions: PlanDecisions
    translation: list[ProposePlanFromCommandsResponseTranslationItem]


class GetInboxResponse(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    awaiting_you: Annotated[
        list[PlanRecord],
        Field(
            alias="awaitingYou",
            description="Proposed plans the caller may approve now (first page only)",
        ),
    ]
    plans: list[PlanRecord]
    next_page_token: Annotated[str | None, Field(alias="nextPageToken")] = None


class PlanView(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
    )
    plan: PlanRecord
    report: Report
    approval: Approval | None = None
    execution: ExecutionSummary | None = None
    decisions: PlanDecisions


#: Every error code the API answers with, and its HTTP status (the document's ``x-error-statuses``).
ERROR_STATUSES: dict[str, int] = {
    "invalid_input": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "hash_mismatch": 409,
    "report_changed": 409,
    "precondition_failed": 412,
    "payload_too_large": 413,
    "object_held": 423,
    "range_not_satisfiable": 416,
    "plan_invalid": 422,
    "rate_limited": 429,
    "unavailable": 503,
    "internal": 500,
}
