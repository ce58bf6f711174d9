"""The rules the Python package shares with the TypeScript client, against the answers in
test/corpus/clients.json (shared/client/corpus.test.ts holds the TypeScript side to the same)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bailiff_agent import client as client_module
from bailiff_agent.auth import GoogleIdTokenAuth, StaticTokenAuth
from bailiff_agent.client import BailiffClient, plan_page_url
from bailiff_agent.config import BailiffSettings
from bailiff_agent.sandbox import name_similarity

CORPUS: dict[str, Any] = json.loads((Path(__file__).resolve().parents[2] / "test" / "corpus" / "clients.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CORPUS["nameSimilarity"]["cases"], ids=lambda case: f"{case['a']}~{case['b']}")
def test_name_similarity(case: dict[str, Any]) -> None:
    assert name_similarity(case["a"], case["b"]) == case["score"]


@pytest.mark.parametrize("case", CORPUS["planPageUrl"]["cases"], ids=lambda case: case["planId"])
def test_plan_page_url(case: dict[str, Any]) -> None:
    assert plan_page_url(case["base"], case["planId"]) == case["url"]
    with BailiffClient(case["base"], StaticTokenAuth("t")) as client:
        assert client.console_url(case["planId"]) == case["url"]


@pytest.mark.parametrize("case", CORPUS["idToken"]["cases"], ids=lambda case: json.dumps(case["env"]))
def test_id_token_rule(case: dict[str, Any]) -> None:
    auth = BailiffSettings.from_env(case["env"]).auth()
    if case["audience"] is None:
        assert isinstance(auth, StaticTokenAuth)
    else:
        assert isinstance(auth, GoogleIdTokenAuth) and auth.audience == case["audience"]


def test_an_http_bailiff_without_a_token_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="BAILIFF_TOKEN is not set"):
        BailiffSettings.from_env({"BAILIFF_URL": "http://10.0.0.7:8080"}).auth()


def test_wait_defaults() -> None:
    defaults = CORPUS["waitDefaults"]
    assert client_module.WAIT_TIMEOUT_SECONDS * 1000 == defaults["timeoutMs"]
    assert client_module.WAIT_FIRST_INTERVAL_SECONDS * 1000 == defaults["firstIntervalMs"]
    assert client_module.WAIT_GROWTH == defaults["growth"]
    assert client_module.WAIT_MAX_INTERVAL_SECONDS * 1000 == defaults["maxIntervalMs"]
