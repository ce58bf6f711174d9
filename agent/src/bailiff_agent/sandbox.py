"""The sandbox round trip for agents in Python sandboxes: ``pull`` a case into a folder, let any
code change the copy, see what changed (``status``), and ``push`` the result as one
target-state plan that a person approves.

The same protocol and the same ``.bailiff/snapshot.json`` as the TypeScript verbs
(``shared/sandbox/round-trip.ts``), so a folder pulled by one can be pushed by the other:

- ``GET /cases/{case}/snapshot`` (paged) and ``GET /cases/{case}/files/content?path=`` (on
  Google Cloud a redirect to a signed URL, followed without the Bailiff token);
- ``POST /cases/{case}/blobs`` for content the case does not hold yet, then an upload where
  the answer says;
- ``POST /plans`` with ``{case, description, base, target}``.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .auth import StaticTokenAuth
from .client import BailiffClient
from .config import BailiffSettings

SNAPSHOT_DIR = ".bailiff"
SNAPSHOT_FILE = "snapshot.json"
_CHUNK = 1024 * 1024


@dataclass
class LocalStatus:
    """Like ``git status``: renames are content that left one path and appeared at another."""

    renamed: list[tuple[str, str]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.renamed or self.added or self.modified or self.deleted)

    def __str__(self) -> str:
        if self.clean:
            return "nothing changed since the pull"
        lines = [f"renamed:  {a} -> {b}" for a, b in self.renamed]
        lines += [f"added:    {p}" for p in self.added]
        lines += [f"modified: {p}" for p in self.modified]
        lines += [f"deleted:  {p}" for p in self.deleted]
        return "\n".join(lines)


@dataclass
class PushResult:
    plan_id: str
    plan_hash: str
    #: The report's snapshot hash: an approval names it next to ``plan_hash``.
    snapshot_hash: str
    console_url: str
    valid: bool
    report: dict[str, Any]
    uploaded: int
    conflicts: list[dict[str, Any]]


@dataclass
class _Entry:
    path: str
    size: int
    md5: str
    file: Path
    sha256: str | None = None


def _hash_file(file: Path) -> tuple[str, str]:
    md5, sha256 = hashlib.md5(), hashlib.sha256()
    with file.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            md5.update(chunk)
            sha256.update(chunk)
    return md5.hexdigest(), sha256.hexdigest()


def _utf16_units(text: str) -> list[bytes]:
    # The server compares JavaScript strings, whose length counts UTF-16 code units; so does this.
    data = text.encode("utf-16-le", "surrogatepass")
    return [data[i : i + 2] for i in range(0, len(data), 2)]


def _common_ends(x: list[bytes], y: list[bytes]) -> int:
    prefix = 0
    while prefix < min(len(x), len(y)) and x[prefix] == y[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(x), len(y)) - prefix and x[-1 - suffix] == y[-1 - suffix]:
        suffix += 1
    return prefix + suffix


def name_similarity(a: str, b: str) -> int:
    """How alike two paths are, for pairing a rename: the server's ``nameSimilarity``
    (shared/domain/target-state.ts), ported; test/corpus/clients.json holds both to the same
    answers. The same file name counts most, then shared ends of the name, then of the folder."""
    name_a, name_b = a.rsplit("/", 1)[-1], b.rsplit("/", 1)[-1]
    folder_a, folder_b = a[: len(a) - len(name_a)], b[: len(b) - len(name_b)]
    same_name = 10_000 if name_a == name_b else 0
    return same_name + _common_ends(_utf16_units(name_a), _utf16_units(name_b)) * 10 + _common_ends(_utf16_units(folder_a), _utf16_units(folder_b))


class Sandbox:
    """``pull``, ``status`` and ``push`` against one Bailiff, through a :class:`BailiffClient`
    (so it authenticates as the client does: a static token, or a Google ID token on https)."""

    def __init__(self, base_url: str, auth: httpx.Auth, *, concurrency: int = 8, timeout: float = 120.0) -> None:
        self._client = BailiffClient(base_url, auth, timeout=httpx.Timeout(timeout))
        self._concurrency = concurrency

    @classmethod
    def with_token(cls, base_url: str, token: str, **kwargs: Any) -> Sandbox:
        return cls(base_url, StaticTokenAuth(token), **kwargs)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs: Any) -> Sandbox:
        """BAILIFF_URL and BAILIFF_TOKEN, or a Google ID token on https: :class:`BailiffSettings`."""
        settings = BailiffSettings.from_env(env)
        return cls(settings.url, settings.auth(), **kwargs)

    @property
    def base_url(self) -> str:
        return self._client.base_url

    @property
    def client(self) -> BailiffClient:
        return self._client

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def pull(self, case: str, directory: str | os.PathLike[str]) -> dict[str, Any]:
        """Downloads every object of the case (in parallel, md5-checked) and writes the snapshot beside it."""
        root = Path(directory)
        objects: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self._client.snapshot(case, page_token=token)
            objects += [{key: entry[key] for key in ("path", "size", "md5", "generation", "contentType")} for entry in page["objects"]]
            token = page.get("nextPageToken")
            if not token:
                break
        (root / SNAPSHOT_DIR).mkdir(parents=True, exist_ok=True)

        def fetch(entry: dict[str, Any]) -> None:
            target = root.joinpath(*entry["path"].rstrip("/").split("/"))
            if entry["path"].endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
                return
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.md5()
            partial = target.with_name(target.name + ".bailiff-partial")
            with self._client.stream_file(case, entry["path"]) as response, partial.open("wb") as out:
                for chunk in response.iter_bytes(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != entry["md5"]:
                raise RuntimeError(f"{entry['path']}: downloaded bytes do not match the snapshot's md5 (changed while pulling? pull again)")
            partial.replace(target)
            entry["localMtimeMs"] = target.stat().st_mtime_ns / 1e6

        with ThreadPoolExecutor(self._concurrency) as pool:
            list(pool.map(fetch, objects))
        snapshot = {"version": 1, "case": case, "url": self.base_url, "pulledAt": "", "objects": objects}
        (root / SNAPSHOT_DIR / SNAPSHOT_FILE).write_text(json.dumps(snapshot), encoding="utf-8")
        return snapshot

    @staticmethod
    def _read_snapshot(root: Path) -> dict[str, Any]:
        file = root / SNAPSHOT_DIR / SNAPSHOT_FILE
        if not file.exists():
            raise FileNotFoundError(f"{root} holds no pulled case; pull it first")
        snapshot: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
        return snapshot

    @staticmethod
    def _scan(root: Path, snapshot: dict[str, Any]) -> list[_Entry]:
        known = {entry["path"]: entry for entry in snapshot["objects"]}
        entries: list[_Entry] = []
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            if here == root and SNAPSHOT_DIR in dirs:
                dirs.remove(SNAPSHOT_DIR)
            relative = here.relative_to(root).as_posix()
            if not dirs and not files and here != root:
                entries.append(_Entry(path=f"{relative}/", size=0, md5=hashlib.md5().hexdigest(), file=here))
            for name in files:
                file = here / name
                path = (f"{relative}/{name}" if relative != "." else name)
                stat = file.stat()
                before = known.get(path)
                if before and before["size"] == stat.st_size and before.get("localMtimeMs") == stat.st_mtime_ns / 1e6:
                    entries.append(_Entry(path=path, size=stat.st_size, md5=before["md5"], file=file))
                else:
                    md5, sha256 = _hash_file(file)
                    entries.append(_Entry(path=path, size=stat.st_size, md5=md5, sha256=sha256, file=file))
        return sorted(entries, key=lambda entry: entry.path)

    def status(self, directory: str | os.PathLike[str]) -> LocalStatus:
        root = Path(directory)
        snapshot = self._read_snapshot(root)
        before = {entry["path"]: entry for entry in snapshot["objects"]}
        now = {entry.path: entry for entry in self._scan(root, snapshot)}
        status = LocalStatus()
        status.modified = [p for p, e in now.items() if p in before and (before[p]["md5"], before[p]["size"]) != (e.md5, e.size)]
        added = [p for p in now if p not in before]
        deleted = [p for p in before if p not in now]
        pairs = sorted(
            ((-name_similarity(a, b), a, b) for a in deleted for b in added if not a.endswith("/") and (before[a]["md5"], before[a]["size"]) == (now[b].md5, now[b].size)),
        )
        used_from: set[str] = set()
        used_to: set[str] = set()
        for _, a, b in pairs:
            if a in used_from or b in used_to:
                continue
            used_from.add(a)
            used_to.add(b)
            status.renamed.append((a, b))
        status.added = [p for p in added if p not in used_to]
        status.deleted = [p for p in deleted if p not in used_from]
        return status

    def push(self, directory: str | os.PathLike[str], description: str) -> PushResult:
        """Uploads only content the snapshot does not hold (in parallel), then proposes the target state."""
        root = Path(directory)
        snapshot = self._read_snapshot(root)
        case: str = snapshot["case"]
        tree = self._scan(root, snapshot)
        known = {(entry["md5"], entry["size"]) for entry in snapshot["objects"]}
        fresh: dict[tuple[str, int], _Entry] = {}
        for entry in tree:
            if not entry.path.endswith("/") and (entry.md5, entry.size) not in known:
                fresh.setdefault((entry.md5, entry.size), entry)
        uploaded = 0

        def upload(entry: _Entry) -> int:
            declaration = {"md5": entry.md5, "sha256": entry.sha256, "size": entry.size, "contentType": mimetypes.guess_type(entry.path)[0] or "application/octet-stream"}
            declared = self._client.declare_blob(case, declaration)
            if declared["exists"]:
                return 0
            with entry.file.open("rb") as body:
                self._client.upload_blob(declared["upload"], body)
            return 1

        with ThreadPoolExecutor(self._concurrency) as pool:
            uploaded = sum(pool.map(upload, fresh.values()))
        base = [{"path": e["path"], "generation": e["generation"], "md5": e["md5"]} for e in snapshot["objects"]]
        target: list[dict[str, Any]] = []
        for entry in tree:
            item: dict[str, Any] = {"path": entry.path, "size": entry.size, "md5": entry.md5}
            if (entry.md5, entry.size) in fresh and not entry.path.endswith("/"):
                item["blob"] = f"{case}/md5-{entry.md5}-{entry.size}"
            target.append(item)
        view = self._client.propose_target(case, description, base, target)
        report: dict[str, Any] = view.report.model_dump(mode="json", by_alias=True, exclude_none=True)
        return PushResult(
            plan_id=view.plan.id,
            plan_hash=view.plan.plan_hash,
            snapshot_hash=view.report.snapshot_hash,
            console_url=self._client.console_url(view.plan.id),
            valid=bool(report["valid"]),
            report=report,
            uploaded=uploaded,
            conflicts=[issue for issue in report["errors"] if str(issue["code"]).startswith("conflict_")],
        )
