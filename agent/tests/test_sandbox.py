"""The sandbox round trip from Python: pull a case, change the copy with plain Python, push it as
one target-state plan, approve, apply — and the workspace is the local tree, renames as moves."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bailiff_agent import BailiffClient
from bailiff_agent.sandbox import Sandbox

from .conftest import Bailiff


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and ".bailiff" not in p.relative_to(root).parts}


def test_pull_change_push_approve_apply(bailiff: Bailiff, approver: BailiffClient, tmp_path: Path) -> None:
    case = bailiff.new_case({"intake/scan-1.pdf": "scan one\n", "intake/scan-2.pdf": "scan two\n", "intake/scan-2 copy.pdf": "scan two\n", "notes.txt": "recieved\n"})
    copy = tmp_path / "copy"
    with Sandbox.with_token(bailiff.url, bailiff.tokens["agent@local"]) as sandbox:
        sandbox.pull(case, copy)
        assert _tree(copy) == {p: t.encode() for p, t in bailiff.files(case).items()}

        (copy / "Medical").mkdir()
        shutil.move(str(copy / "intake" / "scan-1.pdf"), str(copy / "Medical" / "scan-1.pdf"))
        shutil.move(str(copy / "intake" / "scan-2.pdf"), str(copy / "Medical" / "scan-2.pdf"))
        (copy / "intake" / "scan-2 copy.pdf").unlink()
        (copy / "intake").rmdir()
        (copy / "Medical" / "bundle.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(300_000))
        (copy / "notes.txt").write_text("received\n")

        status = sandbox.status(copy)
        assert sorted(status.renamed) == [("intake/scan-1.pdf", "Medical/scan-1.pdf"), ("intake/scan-2.pdf", "Medical/scan-2.pdf")]
        assert (status.added, status.modified, status.deleted) == (["Medical/bundle.pdf"], ["notes.txt"], ["intake/scan-2 copy.pdf"])

        pushed = sandbox.push(copy, "Sort the intake")
        assert pushed.valid, pushed.report["errors"]
        assert pushed.uploaded == 2
        assert pushed.console_url.endswith(f"/ui/plans/{pushed.plan_id}")
        kinds = sorted(line["type"] for line in pushed.report["operations"])
        assert kinds == ["delete", "move", "move", "write_file", "write_file"]

    approver.approve(pushed.plan_id, pushed.plan_hash, pushed.snapshot_hash)
    done = approver.apply_and_wait(pushed.plan_id)
    assert done.plan.status == "succeeded"
    workspace = bailiff.workspace / "projects" / case
    assert _tree(workspace) == _tree(copy)
