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


def _issue(issue: ReportIssue) -> str:
    where = f"operation {issue.operation + 1}: " if issue.operation is not None else ""
    return f"  - {where}{issue.message} ({issue.code})"


def describe_proposal(view: PlanView, console_url: str) -> str:
    """The dry-run report of a proposed plan, and what happens next."""
    plan, report = view.plan, view.report
    totals = report.totals
    lines = [
        f"Plan {plan.id} for case {plan.case}: {plan.description}",
        f"Status: {plan.status}. Dry run: {'valid' if report.valid else 'NOT valid'} — "
        f"{totals.operations} operations, {totals.objects_created} objects created, "
        f"{totals.objects_overwritten} overwritten, {totals.objects_deleted} deleted, {_bytes(totals.bytes_written)} written.",
        "Effects:",
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
    """What the agent should do or tell a person now, given the plan's status."""
    plan = view.plan
    status = plan.status
    if status == "proposed":
        if not view.report.valid:
            return "Nothing will change: fix the errors above and propose a corrected plan."
        needed = view.report.policy.approvals_required if view.report.policy else 1
        have = len(view.approval.approvers) if view.approval else 0
        progress = f" ({have} of {needed} approvals so far)" if needed > 1 else ""
        return (
            f"It awaits approval by a person{progress}; nothing changes until then. "
            f"Send this link to an approver: {console_url}\n"
            f"Once it is approved, call execute_mutation_plan('{plan.id}')."
        )
    if status == "approved":
        approval = view.approval or plan.approval
        by = (f"policy rule {approval.rule}" if approval and approval.rule else ", ".join(a.principal for a in approval.approvers)) if approval else "an approver"
        return f"Approved by {by}. Call execute_mutation_plan('{plan.id}') to apply it."
    if status == "rejected":
        rejection = plan.rejection
        reason = f" by {rejection.by}: {rejection.reason}" if rejection else ""
        return f"Rejected{reason}. Nothing was changed; address the reason and propose a new plan."
    if status == "expired":
        return "The approval expired before the plan ran. Nothing was changed; propose the plan again."
    return describe_outcome(view, console_url)


def describe_outcome(view: PlanView, console_url: str) -> str:
    """How an execution went (or where it stands)."""
    plan = view.plan
    execution = view.execution or plan.execution
    counts = ""
    if execution:
        counts = f" {execution.done} of {execution.action_count} actions done, {execution.failed} failed, {execution.stale} stale, {execution.skipped} skipped."
    if plan.status == "succeeded":
        return f"Plan {plan.id} was applied: the case now looks as the dry run said.{counts}"
    if plan.status == "failed":
        error = f" Last error: {execution.last_error}." if execution and execution.last_error else ""
        compensated = " What it had done was undone." if execution and execution.compensated else ""
        return f"Plan {plan.id} FAILED.{counts}{error}{compensated} Details and audit trail: {console_url}"
    if plan.status == "rolled_back":
        return f"Plan {plan.id} was applied and later rolled back by {plan.rolled_back_by or 'another plan'}."
    if plan.status in ("queued", "running"):
        return f"Plan {plan.id} is {plan.status}.{counts} Call execute_mutation_plan('{plan.id}') again to wait for it."
    return next_step(view, console_url)


def describe_translation(view: CommandPlanView) -> str:
    """Each shell line and the operations Bailiff read it as."""
    lines = ["How each command was read:"]
    for item in view.translation:
        ops = "; ".join(_operation_words(op) for op in item.operations) or "no change"
        lines.append(f"  line {item.line}: {item.text}  →  {ops}")
    return "\n".join(lines)


def _operation_words(op: dict[str, object]) -> str:
    kind = op.get("type")
    if kind in ("move", "copy"):
        return f"{kind} {op.get('source')} → {op.get('destination')}"
    if kind == "delete":
        return f"delete {op.get('source')}"
    return f"{kind} {op.get('destination')}"
