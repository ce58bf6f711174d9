"""The package reads what Bailiff decided about a plan (``view.decisions``) and never decides again
from the status: waits, the LangGraph flow and the words an agent reads follow the decisions for
every status, for an approver and for the agent that wrote the plan, and do not change when only
the status does. The views are test/corpus/plan-views.json, which the TypeScript side keeps equal
to the lifecycle's own decisions (shared/domain/lifecycle-surfaces.test.ts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bailiff_agent import approval_flow
from bailiff_agent.client import _wait_reached
from bailiff_agent.models import PlanView
from bailiff_agent.report import next_step

CORPUS: list[dict[str, Any]] = json.loads((Path(__file__).resolve().parents[2] / "test" / "corpus" / "plan-views.json").read_text(encoding="utf-8"))["views"]
STATUSES = ["proposed", "approved", "rejected", "expired", "queued", "running", "succeeded", "failed", "rolled_back"]
LINK = "http://bailiff.test/ui/plans/x"


class _Paused(Exception):
    """Stands for LangGraph's interrupt: the flow paused for a person."""


class _RecordingClient:
    """Serves one view and records what the flow asked of Bailiff."""

    def __init__(self, view: PlanView) -> None:
        self.view = view
        self.applied = False
        self.waited = False

    def get_plan(self, plan_id: str) -> PlanView:
        return self.view

    def console_url(self, plan_id: str) -> str:
        return LINK

    def apply(self, plan_id: str) -> PlanView:
        self.applied = True
        return self.view

    def wait_for_plan(self, plan_id: str, **_: Any) -> PlanView:
        self.waited = True
        return self.view


def _pause(_: Any) -> None:
    raise _Paused


def _answers(view: PlanView, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Everything the package does with a view that depends on what may happen to the plan."""
    monkeypatch.setattr(approval_flow, "interrupt", _pause)
    client = _RecordingClient(view)
    try:
        approval_flow.await_decision(client, view.plan.id)  # type: ignore[arg-type]
        pauses = False
    except _Paused:
        pauses = True
    approval_flow.carry_out(client, view)  # type: ignore[arg-type]
    words = next_step(view, LINK)
    return {
        "decided": _wait_reached(view, "decided"),
        "finished": _wait_reached(view, "finished"),
        "pauses_for_a_person": pauses,
        "applies": client.applied,
        "waits_for_the_end": client.waited,
        "sends_the_link_to_an_approver": "Send this link to an approver" in words,
        "says_apply_it": "to apply it" in words,
    }


def _expected(view: PlanView) -> dict[str, Any]:
    decisions = view.decisions
    return {
        "decided": not decisions.awaiting_approval,
        "finished": decisions.finished,
        "pauses_for_a_person": decisions.awaiting_approval,
        "applies": decisions.apply.allowed,
        "waits_for_the_end": decisions.apply.allowed or decisions.in_flight,
        "sends_the_link_to_an_approver": decisions.awaiting_approval,
        "says_apply_it": decisions.apply.allowed,
    }


@pytest.mark.parametrize("entry", CORPUS, ids=lambda entry: entry["name"])
def test_follows_the_decisions(entry: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    view = PlanView.model_validate(entry["view"])
    assert _answers(view, monkeypatch) == _expected(view)


@pytest.mark.parametrize("entry", CORPUS, ids=lambda entry: entry["name"])
def test_does_not_change_when_only_the_status_does(entry: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    view = PlanView.model_validate(entry["view"])
    answers = _answers(view, monkeypatch)
    for status in STATUSES:
        swapped = PlanView.model_validate({**entry["view"], "plan": {**entry["view"]["plan"], "status": status}})
        assert _answers(swapped, monkeypatch) == answers, f"read as {status}"
