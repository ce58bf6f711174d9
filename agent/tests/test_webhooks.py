"""Bailiff's webhooks as a Python receiver built on the ecosystem's own SDKs reads them: the
CloudEvents SDK parses every delivery (structured and binary content modes) and the Standard
Webhooks library verifies its signature. Nothing of Bailiff's is used on the receiving side.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from .conftest import INTAKE, Bailiff, run_bailiff

SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes


class _Receiver(BaseHTTPRequestHandler):
    deliveries: list[Delivery] = []

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        body = self.rfile.read(int(self.headers["content-length"]))
        self.deliveries.append(Delivery(self.path, {name.lower(): value for name, value in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, list[Delivery]]]:
    deliveries: list[Delivery] = []
    handler = type("Receiver", (_Receiver,), {"deliveries": deliveries})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", deliveries
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory, receiver: tuple[str, list[Delivery]]) -> Iterator[Bailiff]:
    url, _ = receiver
    hooks = f'[{{"url": "{url}/structured", "secret": "{SECRET}"}}, {{"url": "{url}/binary", "secret": "{SECRET}", "contentMode": "binary"}}]'
    with run_bailiff(tmp_path_factory.mktemp("hooked"), BAILIFF_WEBHOOKS=hooks) as server:
        yield server


def _distinct(deliveries: list[Delivery]) -> list[Delivery]:
    """One delivery per endpoint and webhook-id: a sender retries an attempt whose answer it did
    not get in time (at least once), and Standard Webhooks receivers drop the repeat by its id.
    A repeat must be the same message, byte for byte."""
    first: dict[tuple[str, str], Delivery] = {}
    for delivery in list(deliveries):
        key = (delivery.path, delivery.headers["webhook-id"])
        if key in first:
            assert delivery.body == first[key].body
        else:
            first[key] = delivery
    return list(first.values())


def _wait_for(deliveries: list[Delivery], count: int) -> None:
    deadline = time.monotonic() + 20
    while len(_distinct(deliveries)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # catch any extra one


def test_every_delivery_parses_with_the_cloudevents_sdk_and_verifies_with_standardwebhooks(hooked: Bailiff, receiver: tuple[str, list[Delivery]]) -> None:
    _, deliveries = receiver
    case = hooked.new_case(INTAKE)
    with hooked.client("agent@local") as agent, hooked.client("approver@local") as approver:
        applied = agent.propose(case, "Sort medical records", [{"type": "move", "source": "intake/records_001.pdf", "destination": "Medical Records/records_001.pdf"}])
        approver.approve_reviewed(approver.get_plan(applied.plan.id))
        assert agent.apply_and_wait(applied.plan.id, timeout=30).plan.status == "succeeded"
        rejected = agent.propose(case, "Move the notes", [{"type": "move", "source": "notes.txt", "destination": "Notes/notes.txt"}])
        approver.reject(rejected.plan.id, "keep the notes where they are")

    expected = {applied.plan.id: ["proposed", "approved", "queued", "succeeded"], rejected.plan.id: ["proposed", "rejected"]}
    sent = sum(len(events) for events in expected.values())
    _wait_for(deliveries, 2 * sent)
    distinct = _distinct(deliveries)
    assert len(distinct) == 2 * sent, [(d.path, d.headers["webhook-id"], d.body[:160]) for d in deliveries]

    by_mode: dict[str, list[dict[str, Any]]] = {"/structured": [], "/binary": []}
    for delivery in distinct:
        if delivery.path == "/structured":
            assert delivery.headers["content-type"].startswith("application/cloudevents+json")
        else:
            assert delivery.headers["content-type"].startswith("application/json") and delivery.headers["ce-specversion"] == "1.0"

        # Standard Webhooks: the exact body, signed; a wrong secret or a changed body is refused.
        assert Webhook(SECRET).verify(delivery.body, delivery.headers) is not None
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + base64.b64encode(os.urandom(24)).decode()).verify(delivery.body, delivery.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(SECRET).verify(delivery.body.replace(b"pln_", b"pln-"), delivery.headers)

        # CloudEvents: the SDK detects the mode and reads the event.
        event = from_http_event(HTTPMessage(headers=delivery.headers, body=delivery.body))
        assert event.get_specversion() == "1.0"
        assert event.get_id() == delivery.headers["webhook-id"]
        assert event.get_source() == f"bailiff/cases/{case}"
        data = event.get_data()
        assert isinstance(data, dict)
        assert event.get_type() == f"bailiff.plan.{data['event']}"
        assert event.get_subject() == data["planId"]
        assert event.get_time() is not None
        assert data["link"] == f"{hooked.url}/ui/plans/{data['planId']}"
        by_mode[delivery.path].append({"id": event.get_id(), "type": event.get_type(), "subject": event.get_subject(), "data": data})

    for events in by_mode.values():
        events.sort(key=lambda event: event["data"]["audit"]["seq"])
        seen: dict[str, list[str]] = {}
        for event in events:
            seen.setdefault(event["subject"], []).append(event["data"]["event"])
        assert seen == expected
    assert by_mode["/structured"] == by_mode["/binary"]
