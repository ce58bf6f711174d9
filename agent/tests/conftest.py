"""Starts one embedded Bailiff for the whole session — ``node functions/start.ts`` (what ``npm start`` runs) with a
temporary workspace and state directory on a free loopback port — and hands tests clients for
its development identities. Nothing here is a mock: every test talks HTTP to the real server.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bailiff_agent import BailiffClient

REPO = Path(__file__).resolve().parents[2]
_case_numbers = itertools.count(1)


def _node() -> str:
    # The test runner passes the Node 24 it runs on; by hand, the repository's own node.
    return os.environ.get("BAILIFF_NODE") or str(REPO / "node_modules" / ".bin" / "node")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Bailiff:
    url: str
    workspace: Path
    tokens: dict[str, str]

    def client(self, principal: str = "agent@local") -> BailiffClient:
        return BailiffClient.with_token(self.url, self.tokens[principal])

    def new_case(self, files: dict[str, str]) -> str:
        """A fresh case holding ``files`` (path → text), written straight into the workspace."""
        name = f"case-{next(_case_numbers)}"
        root = self.workspace / "projects" / name
        root.mkdir(parents=True)
        for path, text in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return name

    def files(self, case: str) -> dict[str, str]:
        """The case's files on disk now (path → text), as a person would find them."""
        root = self.workspace / "projects" / case
        return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file() and ".bailiff" not in p.parts}


@contextlib.contextmanager
def run_bailiff(base: Path, **settings: str) -> Iterator[Bailiff]:
    """An embedded Bailiff in ``base`` (workspace, state, log) with extra ``BAILIFF_*`` settings, stopped on exit."""
    workspace, state = base / "workspace", base / "state"
    (workspace / "projects").mkdir(parents=True)
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("BAILIFF_")}
    env.update(PORT=str(port), BAILIFF_WORKSPACE_DIR=str(workspace), BAILIFF_STATE_DIR=str(state), LOG_LEVEL="warn", **settings)
    log = (base / "server.log").open("w")
    process = subprocess.Popen([_node(), "functions/start.ts"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"Bailiff exited with {process.returncode}:\n{(base / 'server.log').read_text()[-4000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Bailiff did not answer on {url} within 120 s:\n{(base / 'server.log').read_text()[-4000:]}")
            time.sleep(0.2)
        raw = json.loads((state / "dev-tokens.json").read_text())
        tokens = {entry["principal"]: token for token, entry in raw.items()}
        yield Bailiff(url=url, workspace=workspace, tokens=tokens)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def bailiff(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bailiff]:
    with run_bailiff(tmp_path_factory.mktemp("bailiff")) as server:
        yield server


@pytest.fixture
def agent(bailiff: Bailiff) -> Iterator[BailiffClient]:
    with bailiff.client("agent@local") as client:
        yield client


@pytest.fixture
def approver(bailiff: Bailiff) -> Iterator[BailiffClient]:
    with bailiff.client("approver@local") as client:
        yield client


INTAKE = {
    "intake/records_001.pdf": "medical record one\n",
    "intake/records_002.pdf": "medical record two\n",
    "intake/police-report.pdf": "police report\n",
    "notes.txt": "call the insurer\n",
}
