"""The draft a DeepAgents session builds: its file changes, recorded in order, replayed over the
live listing to show the case as it will be, and compiled into one Bailiff plan.

Pure code: no I/O. Paths here are case-relative (``intake/a.pdf``; ``""`` is the case root).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from .models import FileEntry


@dataclass(frozen=True)
class Live:
    """A file as it is in the workspace now (its content is read from Bailiff when needed)."""

    path: str
    size: int
    updated: str
    generation: str


@dataclass(frozen=True)
class Written:
    """A file whose content this session wrote."""

    data: bytes


Node = Union[Live, Written]


@dataclass(frozen=True)
class Step:
    """One recorded change. ``write``: path + data; ``delete``: path; ``move``/``copy``: path → target."""

    kind: Literal["write", "delete", "move", "copy"]
    path: str
    target: str = ""
    data: bytes = b""


@dataclass
class CaseView:
    """The case as this session sees it: files (by path) and empty folders."""

    files: dict[str, Node] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)

    @classmethod
    def from_listing(cls, entries: list[FileEntry]) -> CaseView:
        view = cls()
        for entry in entries:
            if entry.path.endswith("/"):
                view.folders.add(entry.path.rstrip("/"))
            else:
                view.files[entry.path] = Live(entry.path, entry.size, entry.updated, entry.generation)
        return view

    def is_dir(self, path: str) -> bool:
        if path == "":
            return True
        prefix = path + "/"
        return path in self.folders or any(f.startswith(prefix) for f in self.files) or any(d.startswith(prefix) for d in self.folders)

    def exists(self, path: str) -> bool:
        return path in self.files or self.is_dir(path)

    def under(self, path: str) -> dict[str, Node]:
        """Files at or below ``path`` (every file, for the root)."""
        if path == "":
            return dict(self.files)
        prefix = path + "/"
        return {p: n for p, n in self.files.items() if p == path or p.startswith(prefix)}

    def apply(self, step: Step) -> None:
        if step.kind == "write":
            self.files[step.path] = Written(step.data)
            return
        moving = {p: n for p, n in self.under(step.path).items()}
        moving_folders = {d for d in self.folders if d == step.path or d.startswith(step.path + "/")}
        if step.kind in ("delete", "move"):
            for p in moving:
                del self.files[p]
            self.folders -= moving_folders
        if step.kind in ("move", "copy"):
            for p, node in moving.items():
                self.files[step.target + p[len(step.path) :]] = node
            self.folders |= {step.target + d[len(step.path) :] for d in moving_folders}


def _touches(step: Step, path: str) -> bool:
    def related(a: str, b: str) -> bool:
        return a == b or a.startswith(b + "/") or b.startswith(a + "/")

    return related(step.path, path) or (step.kind in ("move", "copy") and related(step.target, path))


@dataclass
class Draft:
    """The changes of one session, in order. ``version`` grows with every change."""

    steps: list[Step] = field(default_factory=list)
    version: int = 0
    #: The plan this draft was proposed as, and the version it was proposed at.
    proposed: tuple[str, int] | None = None

    def record(self, step: Step) -> None:
        if step.kind == "write":
            # A later write to the same file replaces an earlier one nothing else touched since,
            # so an agent's write-then-edit becomes one write_file in the plan.
            for index in range(len(self.steps) - 1, -1, -1):
                earlier = self.steps[index]
                if _touches(earlier, step.path):
                    if earlier.kind == "write" and earlier.path == step.path:
                        del self.steps[index]
                    break
        self.steps.append(step)
        self.version += 1

    def clear(self) -> None:
        self.steps.clear()
        self.version += 1
        self.proposed = None

    def replay(self, live: CaseView) -> CaseView:
        view = CaseView(dict(live.files), set(live.folders))
        for step in self.steps:
            view.apply(step)
        return view

    def operations(self, live: CaseView) -> list[dict[str, Any]]:
        """The plan's operations, replayed over ``live`` so each one says what it finds."""
        view = CaseView(dict(live.files), set(live.folders))
        ops: list[dict[str, Any]] = []
        for step in self.steps:
            if step.kind == "write":
                ops.append({"type": "write_file", "destination": step.path, **_content(step.data), "overwrite": step.path in view.files})
            else:
                source = step.path + "/" if step.path not in view.files and view.is_dir(step.path) else step.path
                if step.kind == "delete":
                    ops.append({"type": "delete", "source": source})
                else:
                    ops.append({"type": step.kind, "source": source, "destination": step.target})
            view.apply(step)
        return ops


def _content(data: bytes) -> dict[str, str]:
    try:
        return {"content": data.decode("utf-8"), "encoding": "utf8"}
    except UnicodeDecodeError:
        return {"content": base64.b64encode(data).decode("ascii"), "encoding": "base64"}
