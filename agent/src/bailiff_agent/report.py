"""Plans, reports and outcomes in words: what the tools hand a model, and what a person reads.

One module decides the wording, so the LangChain tools, the LangGraph flow and the DeepAgents
backend tell an agent the same thing the same way.
"""

from __future__ import annotations

from .models import CommandPlanView, PlanView, ReportIssue


def _bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"


def _count(count: int, one: str, many: str | None = None) -> str:
    """``1 file``, ``5,000 files``: a count as a person reads it."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def _issue(issue: ReportIssue) -> str:
    where = f"operation {issue.operation + 1}: " if issue.operation is not None else ""
    return f"  - {where}{issue.message} ({issue.code})"


def describe_proposal(view: PlanView, console_url: str) -> str:
    """The dry-run report of a proposed plan, and what happens next."""
    plan, report = view.plan, view.report
    totals = report.totals
    # Every count comes from the server's totals over the whole plan, never from the listed lines.
    lines = [
        f"Plan {plan.id} for case {plan.case}: {plan.description}",
        f"Status: {plan.status}. Dry run: {'valid' if report.valid else 'NOT valid'} — "
        f"{_count(totals.operations, 'operation')}: {_count(totals.objects_moved, 'object')} moved, {totals.objects_copied:,} copied, "
        f"{_count(totals.objects_written, 'file')} written, {_count(totals.folders_created, 'folder')} created, "
        f"{totals.objects_overwritten:,} overwritten, {totals.objects_deleted:,} deleted, {_bytes(totals.bytes_written)} written.",
        f"Policy: {view.decisions.policy_verdict}",
        "Effects:" if not report.operations_truncated else f"Effects (showing {len(report.operations):,} of {totals.operations:,}; the rest are paged by GET /plans/{plan.id}/operations):",
        *(f"  {effect.index + 1}. {effect.effect}" for effect in report.operations),
    ]
    if report.errors:
        lines += ["Errors (the plan cannot be approved until they are fixed):", *(_issue(issue) for issue in report.errors)]
    if report.warnings:
        lines += ["Warnings:", *(_issue(issue) for issue in report.warnings)]
    if report.policy and report.policy.violations:
        lines += ["Policy violations:", *(_issue(issue) for issue in report.policy.violations)]
    lines.append(next_step(view, console_url))
    return "\n".join(lines)


def next_step(view: PlanView, console_url: str) -> str:
    """What the agent should do or tell a person now, from what Bailiff decided about the plan."""
    plan = view.plan
    decisions = view.decisions
    # Which case applies is Bailiff's decision (the view's `decisions`), never read from the status here.
    if decisions.approve.offered:
        if not view.report.valid:
            return "Nothing will change: fix the errors above and propose a corrected plan."
        return (
            f"It awaits approval by a person ({decisions.next_step}); nothing changes until then. "
            f"Send this link to an approver: {console_url}\n"
            f"Once it is approved, call execute_mutation_plan('{plan.id}')."
        )
    if decisions.approval_expired:
        return "The approval expired before the plan ran. Nothing was changed; propose the plan again."
    if decisions.apply.offered:
        approval = view.approval or plan.approval
        by = (f"policy rule {approval.rule}" if approval and approval.rule else ", ".join(a.principal for a in approval.approvers)) if approval else "an approver"
        return f"Approved by {by}. Call execute_mutation_plan('{plan.id}') to apply it."
    if plan.rejection is not None:
        rejection = plan.rejection
        return f"Rejected by {rejection.by}: {rejection.reason}. Nothing was changed; address the reason and propose a new plan."
    return describe_outcome(view, console_url)


def describe_outcome(view: PlanView, console_url: str) -> str:
    """How an execution went (or where it stands)."""
    plan = view.plan
    execution = view.execution or plan.execution
    counts = ""
    if execution:
        counts = f" {execution.done:,} of {_count(execution.action_count, 'action')} done, {execution.failed:,} failed, {execution.stale:,} stale, {execution.skipped:,} skipped."
    if plan.status == "succeeded":
        return f"Plan {plan.id} was applied: the case now looks as the dry run said.{counts}"
    if plan.status == "failed":
        error = f" Last error: {execution.last_error}." if execution and execution.last_error else ""
        compensated = " What it had done was undone." if execution and execution.compensated else ""
        return f"Plan {plan.id} FAILED.{counts}{error}{compensated} Details and audit trail: {console_url}"
    if plan.status == "rolled_back":
        return f"Plan {plan.id} was applied and later rolled back by {plan.rolled_back_by or 'another plan'}."
    # Anything else (queued, running, or not run yet): the view's next step says where it stands.
    return f"Plan {plan.id}: {view.decisions.next_step}.{counts} Call execute_mutation_plan('{plan.id}') again to wait for it."


def describe_translation(view: CommandPlanView) -> str:
    """Each shell line and what the operations Bailiff read it as will do."""
    effects = {line.index: line.effect for line in view.report.operations}
    lines = ["How each command was read:"]
    for item in view.translation:
        ops = "; ".join(effects.get(index, f"operation {index}") for index in item.operations) or "no change"
        lines.append(f"  line {item.line}: {item.text}  →  {ops}")
    return "\n".join(lines)
