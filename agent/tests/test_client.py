"""The client against the embedded server: every call typed, every refusal its own exception."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from bailiff_agent import AsyncBailiffClient, BailiffClient, BailiffSettings
from bailiff_agent.auth import GoogleIdTokenAuth, StaticTokenAuth
from bailiff_agent.client import CONTENT_ROUTE
from bailiff_agent.errors import (
    ERROR_CLASSES,
    AuthenticationError,
    ConflictError,
    HashMismatchError,
    ReportChangedError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    PlanInvalidError,
    PlanWaitTimeout,
    ProtocolError,
    RetryableError,
    TransportError,
    UnavailableError,
    error_from_response,
)
from bailiff_agent.models import CreateDir, Delete, Move, WriteFile

from .conftest import INTAKE, Bailiff


def test_proposes_approves_applies_and_rolls_back(bailiff: Bailiff, agent: BailiffClient, approver: BailiffClient) -> None:
    case = bailiff.new_case(INTAKE)
    listing = agent.list_files(case)
    assert sorted(f.path for f in listing.files) == sorted(INTAKE)
    assert {f.path: f.size for f in listing.files}["notes.txt"] == len(INTAKE["notes.txt"])

    view = agent.propose(
        case,
        "Sort intake",
        [
            CreateDir(destination="Medical Records/Provider1"),
            Move(source="intake/records_001.pdf", destination="Medical Records/Provider1/records_001.pdf"),
            {"type": "write_file", "destination": "Reports/summary.md", "content": "# Intake sorted\n"},
        ],
    )
    assert view.plan.status == "proposed" and view.report.valid
    assert view.report.totals.objects_created == 3
    totals = view.report.totals
    assert (totals.objects_moved, totals.objects_written, totals.folders_created, totals.objects_copied) == (1, 1, 1, 0)
    assert view.report.operations_truncated is False
    assert view.decisions.next_step == "Awaiting 1 more approval" and not view.decisions.approve.allowed
    assert view.report.diff.removed == ["intake/records_001.pdf"]
    assert agent.console_url(view.plan.id) == f"{bailiff.url}/ui/plans/{view.plan.id}"
    assert [p.id for p in agent.list_plans(case=case).plans] == [view.plan.id]

    approved = approver.approve_reviewed(view, comment="looks right")
    assert approved.plan.status == "approved" and approved.plan.approval is not None
    assert approved.plan.approval.approvers[0].principal == "approver@local"

    done = agent.apply_and_wait(view.plan.id, timeout=30)
    assert done.plan.status == "succeeded"
    assert done.execution is not None and done.execution.done == done.execution.action_count
    files = bailiff.files(case)
    assert files["Medical Records/Provider1/records_001.pdf"] == "medical record one\n"
    assert files["Reports/summary.md"] == "# Intake sorted\n"
    assert "intake/records_001.pdf" not in files

    types = [record.type for record in agent.audit(view.plan.id).records]
    assert types[0] == "plan.proposed" and "plan.approved" in types

    undo = agent.rollback(view.plan.id)
    assert undo.plan.kind == "rollback" and undo.plan.rollback_of == view.plan.id


def test_each_refusal_is_its_own_exception_with_the_fields_at_fault(bailiff: Bailiff, agent: BailiffClient, approver: BailiffClient) -> None:
    case = bailiff.new_case(INTAKE)
    with pytest.raises(InvalidInputError) as invalid:
        agent.propose(case, "escape", [WriteFile(destination="../outside.txt", content="x")])
    assert invalid.value.status == 400 and invalid.value.code == "invalid_input"
    assert [(d.path, d.message) for d in invalid.value.details] == [("operations.0.destination", "unsafe path: `..` segments are not allowed")]

    view = agent.propose(case, "rename", [Move(source="notes.txt", destination="notes-old.txt")])
    with pytest.raises(PermissionDeniedError):
        agent.approve_reviewed(view)  # an agent never approves
    with pytest.raises(HashMismatchError) as mismatch:
        approver.approve(view.plan.id, "sha256:" + "0" * 64, view.report.snapshot_hash)
    assert isinstance(mismatch.value, ConflictError) and mismatch.value.status == 409
    with pytest.raises(ConflictError) as not_approved:
        agent.apply(view.plan.id)
    assert not_approved.value.code == "conflict"
    with pytest.raises(NotFoundError):
        agent.get_plan("pln_0000000000000000")

    stale = agent.propose(case, "clear the old notes", [Delete(source="notes.txt")])
    (bailiff.workspace / "projects" / case / "notes.txt").write_text("rewritten after the review\n", encoding="utf-8")
    agent.validate(stale.plan.id)
    with pytest.raises(ReportChangedError) as changed:
        approver.approve_reviewed(stale)  # what the person read is no longer what would run
    assert isinstance(changed.value, ConflictError) and changed.value.status == 409 and changed.value.code == "report_changed"
    current = approver.get_plan(stale.plan.id).report.snapshot_hash
    assert changed.value.details[0].extra == {"expected": current, "got": stale.report.snapshot_hash}
    assert approver.get_plan(stale.plan.id).plan.status == "proposed"

    broken = agent.propose(case, "missing source", [Move(source="nope.txt", destination="a.txt")])
    assert not broken.report.valid and broken.report.errors[0].code == "source_missing"
    with pytest.raises(PlanInvalidError) as unapprovable:
        approver.approve_reviewed(broken)
    assert unapprovable.value.status == 422

    with BailiffClient.with_token(bailiff.url, "not-a-token-at-all-xyz") as stranger, pytest.raises(AuthenticationError):
        stranger.list_files(case)


def test_waiting_for_a_decision_nobody_makes_times_out(bailiff: Bailiff, agent: BailiffClient) -> None:
    case = bailiff.new_case(INTAKE)
    view = agent.propose(case, "rename", [Move(source="notes.txt", destination="n.txt")])
    with pytest.raises(PlanWaitTimeout, match="still proposed"):
        agent.wait_for_plan(view.plan.id, until="decided", timeout=0.5, poll_interval=0.1)


def test_no_answer_is_a_retryable_transport_error() -> None:
    with BailiffClient.with_token("http://127.0.0.1:9", "x" * 20) as client, pytest.raises(TransportError) as error:
        client.health()
    assert error.value.retryable


def test_async_client_walks_the_same_lifecycle(bailiff: Bailiff) -> None:
    case = bailiff.new_case(INTAKE)

    async def scenario() -> str:
        async with AsyncBailiffClient.with_token(bailiff.url, bailiff.tokens["agent@local"]) as agent, AsyncBailiffClient.with_token(
            bailiff.url, bailiff.tokens["approver@local"]
        ) as approver:
            assert len((await agent.list_files(case, prefix="intake/")).files) == 3
            view = await agent.propose(case, "archive notes", [Move(source="notes.txt", destination="archive/notes.txt")])
            with pytest.raises(ConflictError):
                await agent.apply(view.plan.id)
            await approver.approve_reviewed(view)
            decided = await agent.wait_for_plan(view.plan.id, until="decided", timeout=5)
            assert decided.plan.status == "approved"
            return (await agent.apply_and_wait(view.plan.id, timeout=30)).plan.status

    assert asyncio.run(scenario()) == "succeeded"
    assert bailiff.files(case)["archive/notes.txt"] == INTAKE["notes.txt"]


@pytest.mark.parametrize("code", sorted(ERROR_CLASSES))
def test_every_error_code_maps_to_its_class(code: str) -> None:
    error = error_from_response(418, {"error": {"code": code, "message": "m", "details": [{"path": "a.b", "message": "bad"}]}})
    assert type(error) is ERROR_CLASSES[code] and error.code == code
    assert error.details[0].path == "a.b" and "a.b: bad" in error.describe()


def test_answers_without_a_bailiff_body_are_judged_by_status() -> None:
    assert isinstance(error_from_response(503, "<html>"), UnavailableError)
    assert isinstance(error_from_response(503, None), RetryableError)
    assert isinstance(error_from_response(502, None), Exception) and error_from_response(502, None).code == "internal"
    assert isinstance(error_from_response(302, None), ProtocolError)
    detail = error_from_response(400, {"error": {"code": "invalid_input", "message": "refused", "details": [{"line": 2, "column": 7, "message": "pipes are not allowed"}]}})
    assert detail.details[0].describe() == "line 2, column 7: pipes are not allowed"


def test_settings_pick_static_tokens_locally_and_id_tokens_on_cloud() -> None:
    local = BailiffSettings.from_env({"BAILIFF_URL": "http://127.0.0.1:8080/", "BAILIFF_TOKEN": "t" * 20})
    assert local.url == "http://127.0.0.1:8080" and isinstance(local.auth(), StaticTokenAuth)
    with pytest.raises(ValueError, match="BAILIFF_TOKEN"):
        BailiffSettings.from_env({"BAILIFF_URL": "http://localhost:8080"}).auth()
    cloud = BailiffSettings.from_env({"BAILIFF_URL": "https://europe-west1-firm.cloudfunctions.net/api"}).auth()
    assert isinstance(cloud, GoogleIdTokenAuth) and cloud.audience == "https://europe-west1-firm.cloudfunctions.net/api"
    with pytest.raises(ValueError):
        BailiffSettings.from_env({"BAILIFF_URL": "ftp://x"})


def test_id_tokens_are_cached_until_five_minutes_before_expiry() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    clock = [now.timestamp()]

    class FakeCredentials:
        token: str | None = None
        expiry: datetime | None = None
        refreshes = 0

        def refresh(self, request: object) -> None:
            FakeCredentials.refreshes += 1
            self.token = f"id-token-{FakeCredentials.refreshes}"
            issued = datetime.fromtimestamp(clock[0], tz=timezone.utc)
            self.expiry = (issued + timedelta(hours=1)).replace(tzinfo=None)  # google-auth's naive UTC

    seen: list[str] = []
    auth = GoogleIdTokenAuth("https://api.example", credentials_factory=lambda audience: (seen.append(audience) or FakeCredentials(), None), clock=lambda: clock[0])  # type: ignore[func-returns-value]
    assert auth.token() == "id-token-1" and auth.token() == "id-token-1"
    clock[0] += 54 * 60  # six minutes left: still good
    assert auth.token() == "id-token-1"
    clock[0] += 2 * 60  # four minutes left: refreshed
    assert auth.token() == "id-token-2" and seen == ["https://api.example"]

    request = httpx.Request("GET", "https://api.example/plans")
    flow = auth.sync_auth_flow(request)
    assert next(flow).headers["Authorization"] == "Bearer id-token-2"


def test_read_file_follows_the_content_contract() -> None:
    """Unit test of the request shape (the content endpoint is served by another change):
    ``GET /cases/{case}/files/content?path=``, a redirect to a signed URL followed without the
    bearer token, the ETag read as the object's generation."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "bailiff.test":
            return httpx.Response(302, headers={"location": "https://storage.test/signed?sig=1"})
        return httpx.Response(200, content=b"%PDF-1.7 bytes", headers={"etag": '"1796056994496483502"', "content-type": "application/pdf"})

    with BailiffClient("https://bailiff.test", StaticTokenAuth("secret-token-123456"), transport=httpx.MockTransport(answer)) as client:
        content = client.read_file("abby sitgraves", "Medical Records/a b.pdf")
    assert content.data == b"%PDF-1.7 bytes" and content.generation == "1796056994496483502"
    first, redirected = seen
    assert first.url.raw_path.split(b"?")[0] == b"/cases/abby%20sitgraves/files/content" and first.url.params["path"] == "Medical Records/a b.pdf"
    assert first.headers["authorization"] == "Bearer secret-token-123456"
    assert "authorization" not in redirected.headers


def test_read_file_against_this_server(bailiff: Bailiff, agent: BailiffClient) -> None:
    case = bailiff.new_case({"notes.txt": "call the insurer\n"})
    if agent.supports(*CONTENT_ROUTE):
        content = agent.read_file(case, "notes.txt")
        assert content.text() == "call the insurer\n" and content.generation
        with pytest.raises(NotFoundError):
            agent.read_file(case, "missing.txt")
    else:
        # Until the content endpoint lands, the route is absent and asking for it is a 404.
        with pytest.raises(NotFoundError, match="no such route"):
            agent.read_file(case, "notes.txt")


def test_the_rest_of_the_api(bailiff: Bailiff, agent: BailiffClient) -> None:
    case = bailiff.new_case(INTAKE)
    assert agent.health().status == "ok"
    assert "/plans/{id}/approve" in agent.openapi()["paths"]
    view = agent.propose(case, "rename", [Move(source="notes.txt", destination="n.txt")])
    assert agent.validate(view.plan.id).report.valid
    assert len(agent.list_plans(case=case, status="proposed", limit=1).plans) == 1
    with bailiff.client("admin@local") as admin:
        assert admin.verify_audit()["ok"] is True
        assert admin.release_lease(case) == {}
    with pytest.raises(PermissionDeniedError):
        agent.verify_audit()
    with bailiff.client("approver@local") as approver:
        assert approver.reject(view.plan.id, "not now").plan.rejection.reason == "not now"  # type: ignore[union-attr]
