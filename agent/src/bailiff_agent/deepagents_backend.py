"""A DeepAgents backend over one Bailiff case: reads are live, changes become a plan.

``ls``, ``read``, ``grep``, ``glob`` and ``download_files`` see the case as Bailiff lists it
now, with this session's draft laid over it; ``write``, ``edit``, ``delete`` and
``upload_files`` change nothing in the workspace: they record steps in the draft, which later
reads in the same session see. The ``submit_changes`` tool proposes the draft as one plan and
pauses the graph (LangGraph ``interrupt``) until a person decides in Bailiff's console; an
approved plan is then applied and awaited. ``move_file`` and ``copy_file`` add what DeepAgents'
own tools lack.

Mount it beside the backend an agent already has, so only the case's paths go through Bailiff:

    backend = CompositeBackend(
        default=FilesystemBackend(root_dir="/mnt/workspace", virtual_mode=True),
        routes={"/cases/abby-sitgraves/": case},          # case = BailiffBackend(client, "abby-sitgraves")
    )
    agent = create_deep_agent(model=..., backend=backend, tools=case.tools(), checkpointer=InMemorySaver())

The draft lives in this object's memory, one per LangGraph thread (``thread_id``).

Reading file content needs Bailiff's ``GET /cases/{case}/files/content``. On a Bailiff
without it, files this session wrote stay readable, listings work, and reads of other files
answer an error saying so.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import Any

from deepagents.backends.composite import CompositeBackend
from deepagents.backends.protocol import (
    FILE_NOT_FOUND,
    INVALID_PATH,
    IS_DIRECTORY,
    BackendProtocol,
    DeleteResult,
    EditResult,
    FileData,
    FileDownloadResponse,
    FileInfo,
    FileUploadResponse,
    GlobResult,
    GrepResult,
    LsResult,
    ReadResult,
    WriteResult,
)
from deepagents.backends.utils import (
    InvalidGlobPatternError,
    compile_grep_include_glob,
    grep_matches_from_files,
    perform_string_replacement,
    slice_read_response,
)
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, Field

from .approval_flow import await_decision, carry_out
from .client import CONTENT_ROUTE, AsyncBailiffClient, BailiffClient
from .draft import CaseView, Draft, Live, Node, Step, Written
from .errors import BailiffError, ContentUnavailableError, PlanWaitTimeout
from .report import describe_outcome, describe_proposal, next_step

#: grep skips files larger than this rather than downloading them.
MAX_GREP_FILE_BYTES = 1_000_000


class _InvalidPath(ValueError):
    pass


def case_path(path: str) -> str:
    """``/intake/a.pdf`` → ``intake/a.pdf``; ``/`` → ``""``. Bailiff judges the rest at proposal."""
    if "\\" in path or "\x00" in path:
        raise _InvalidPath(f"invalid path {path!r}")
    stripped = path.strip("/")
    if stripped == "":
        return ""
    segments = stripped.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise _InvalidPath(f"invalid path {path!r}: no empty, '.' or '..' segments")
    return stripped


def _absolute(path: str) -> str:
    return "/" + path


class BailiffBackend(BackendProtocol):
    """DeepAgents ``BackendProtocol`` over the Bailiff case ``case``.

    ``async_client`` makes the async twins (``als``, ``aread``, ...) truly asynchronous;
    without it they run the synchronous methods in a worker thread.
    """

    def __init__(
        self,
        client: BailiffClient,
        case: str,
        *,
        async_client: AsyncBailiffClient | None = None,
        description: str = "File changes made by an agent",
        wait_timeout: float = 300.0,
    ) -> None:
        self.client = client
        self.async_client = async_client
        self.case = case
        self.default_description = description
        self.wait_timeout = wait_timeout
        self._drafts: dict[str, Draft] = {}
        self._content_cache: dict[tuple[str, str], bytes] = {}
        self._lock = threading.RLock()

    # --- the session's draft --------------------------------------------------------------
    def draft(self, thread_id: str | None = None) -> Draft:
        """The draft of ``thread_id``, by default the current LangGraph thread's (one shared draft outside a graph)."""
        thread = thread_id or "default"
        if thread_id is None:
            try:
                from langgraph.config import get_config

                thread = str(get_config().get("configurable", {}).get("thread_id", "default"))
            except RuntimeError:
                pass
        with self._lock:
            return self._drafts.setdefault(thread, Draft())

    def _live(self) -> CaseView:
        return CaseView.from_listing(self.client.list_files(self.case).files)

    async def _alive(self) -> CaseView:
        assert self.async_client is not None
        return CaseView.from_listing((await self.async_client.list_files(self.case)).files)

    def view(self) -> CaseView:
        """The case as this session sees it: live listing plus draft."""
        return self.draft().replay(self._live())

    # --- content ---------------------------------------------------------------------------
    def _cached(self, node: Live) -> bytes | None:
        return self._content_cache.get((node.path, node.generation))

    def _remember(self, node: Live, data: bytes) -> bytes:
        with self._lock:
            self._content_cache[(node.path, node.generation)] = data
        return data

    def _bytes(self, node: Node) -> bytes:
        if isinstance(node, Written):
            return node.data
        cached = self._cached(node)
        if cached is not None:
            return cached
        if not self.client.supports(*CONTENT_ROUTE):
            raise ContentUnavailableError(_NO_CONTENT.format(path=node.path))
        return self._remember(node, self.client.read_file(self.case, node.path).data)

    async def _abytes(self, node: Node) -> bytes:
        assert self.async_client is not None
        if isinstance(node, Written):
            return node.data
        cached = self._cached(node)
        if cached is not None:
            return cached
        if not await self.async_client.supports(*CONTENT_ROUTE):
            raise ContentUnavailableError(_NO_CONTENT.format(path=node.path))
        return self._remember(node, (await self.async_client.read_file(self.case, node.path)).data)

    # --- ls --------------------------------------------------------------------------------
    def ls(self, path: str) -> LsResult:
        try:
            return _ls(self.view(), path)
        except BailiffError as error:
            return LsResult(error=f"Cannot list '{path}': {error.describe()}")

    async def als(self, path: str) -> LsResult:
        if self.async_client is None:
            return await asyncio.to_thread(self.ls, path)
        try:
            return _ls(self.draft().replay(await self._alive()), path)
        except BailiffError as error:
            return LsResult(error=f"Cannot list '{path}': {error.describe()}")

    # --- read ------------------------------------------------------------------------------
    def read(self, file_path: str, offset: int = 0, limit: int = 2000) -> ReadResult:
        try:
            node = _file_node(self.view(), file_path)
            if isinstance(node, str):
                return ReadResult(error=node)
            return _read_result(self._bytes(node), offset, limit)
        except BailiffError as error:
            return ReadResult(error=f"Error reading file '{file_path}': {error.describe()}")

    async def aread(self, file_path: str, offset: int = 0, limit: int = 2000) -> ReadResult:
        if self.async_client is None:
            return await asyncio.to_thread(self.read, file_path, offset, limit)
        try:
            node = _file_node(self.draft().replay(await self._alive()), file_path)
            if isinstance(node, str):
                return ReadResult(error=node)
            return _read_result(await self._abytes(node), offset, limit)
        except BailiffError as error:
            return ReadResult(error=f"Error reading file '{file_path}': {error.describe()}")

    # --- grep ------------------------------------------------------------------------------
    def grep(self, pattern: str, path: str | None = None, glob: str | None = None, *, max_count: int | None = None) -> GrepResult:
        try:
            targets = _grep_targets(self.view(), path, glob)
        except (BailiffError, ValueError) as error:
            return GrepResult(error=str(error))
        contents: dict[str, bytes | Exception] = {}
        for p, node in targets.items():
            try:
                contents[p] = self._bytes(node)
            except BailiffError as error:
                contents[p] = error
        return _grep(contents, pattern, path, glob, max_count)

    async def agrep(self, pattern: str, path: str | None = None, glob: str | None = None, *, max_count: int | None = None) -> GrepResult:
        if self.async_client is None:
            return await asyncio.to_thread(lambda: self.grep(pattern, path, glob, max_count=max_count))
        try:
            targets = _grep_targets(self.draft().replay(await self._alive()), path, glob)
        except (BailiffError, ValueError) as error:
            return GrepResult(error=str(error))
        results = await asyncio.gather(*(self._abytes(node) for node in targets.values()), return_exceptions=True)
        contents: dict[str, bytes | Exception] = {}
        for p, result in zip(targets, results):
            if isinstance(result, BaseException) and not isinstance(result, BailiffError):
                raise result
            contents[p] = result
        return _grep(contents, pattern, path, glob, max_count)

    # --- glob ------------------------------------------------------------------------------
    def glob(self, pattern: str, path: str | None = None) -> GlobResult:
        try:
            return _glob(self.view(), pattern, path)
        except BailiffError as error:
            return GlobResult(error=error.describe())

    async def aglob(self, pattern: str, path: str | None = None) -> GlobResult:
        if self.async_client is None:
            return await asyncio.to_thread(self.glob, pattern, path)
        try:
            return _glob(self.draft().replay(await self._alive()), pattern, path)
        except BailiffError as error:
            return GlobResult(error=error.describe())

    # --- changes: recorded in the draft ----------------------------------------------------
    def write(self, file_path: str, content: str) -> WriteResult:
        return self._write(file_path, content.encode("utf-8"), self.view)

    async def awrite(self, file_path: str, content: str) -> WriteResult:
        if self.async_client is None:
            return await asyncio.to_thread(self.write, file_path, content)
        view = self.draft().replay(await self._alive())
        return self._write(file_path, content.encode("utf-8"), lambda: view)

    def _write(self, file_path: str, data: bytes, view_of: Any) -> WriteResult:
        try:
            path = case_path(file_path)
            if path == "" or view_of().is_dir(path):
                return WriteResult(error=f"Error writing file '{file_path}': it is a folder")
        except _InvalidPath as error:
            return WriteResult(error=f"Error writing file '{file_path}': {error}")
        except BailiffError as error:
            return WriteResult(error=f"Error writing file '{file_path}': {error.describe()}")
        self.draft().record(Step("write", path, data=data))
        return WriteResult(path=file_path)

    def edit(self, file_path: str, old_string: str, new_string: str, replace_all: bool = False) -> EditResult:  # noqa: FBT001, FBT002
        try:
            node = _file_node(self.view(), file_path)
            if isinstance(node, str):
                return EditResult(error=f"Error: {node}")
            return self._edit(file_path, self._bytes(node), old_string, new_string, replace_all)
        except BailiffError as error:
            return EditResult(error=f"Error editing file '{file_path}': {error.describe()}")

    async def aedit(self, file_path: str, old_string: str, new_string: str, replace_all: bool = False) -> EditResult:  # noqa: FBT001, FBT002
        if self.async_client is None:
            return await asyncio.to_thread(self.edit, file_path, old_string, new_string, replace_all)
        try:
            node = _file_node(self.draft().replay(await self._alive()), file_path)
            if isinstance(node, str):
                return EditResult(error=f"Error: {node}")
            return self._edit(file_path, await self._abytes(node), old_string, new_string, replace_all)
        except BailiffError as error:
            return EditResult(error=f"Error editing file '{file_path}': {error.describe()}")

    def _edit(self, file_path: str, data: bytes, old: str, new: str, replace_all: bool) -> EditResult:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return EditResult(error=f"Error editing file '{file_path}': not a text file")
        result = perform_string_replacement(text, old, new, replace_all)
        if isinstance(result, str):
            return EditResult(error=result)
        content, occurrences = result
        self.draft().record(Step("write", case_path(file_path), data=content.encode("utf-8")))
        return EditResult(path=file_path, occurrences=int(occurrences))

    def delete(self, file_path: str) -> DeleteResult:
        try:
            return self._delete(file_path, self.view())
        except BailiffError as error:
            return DeleteResult(error=f"Error deleting '{file_path}': {error.describe()}")

    async def adelete(self, file_path: str) -> DeleteResult:
        if self.async_client is None:
            return await asyncio.to_thread(self.delete, file_path)
        try:
            return self._delete(file_path, self.draft().replay(await self._alive()))
        except BailiffError as error:
            return DeleteResult(error=f"Error deleting '{file_path}': {error.describe()}")

    def _delete(self, file_path: str, view: CaseView) -> DeleteResult:
        try:
            path = case_path(file_path)
        except _InvalidPath as error:
            return DeleteResult(error=f"Error deleting '{file_path}': {error}")
        if path == "":
            return DeleteResult(error="Error: the case folder itself cannot be deleted")
        if not view.exists(path):
            return DeleteResult(error=f"Error: '{file_path}' not found")
        self.draft().record(Step("delete", path))
        return DeleteResult(path=file_path)

    def upload_files(self, files: list[tuple[str, bytes]]) -> list[FileUploadResponse]:
        view = self.view()
        return [self._upload(path, data, view) for path, data in files]

    async def aupload_files(self, files: list[tuple[str, bytes]]) -> list[FileUploadResponse]:
        if self.async_client is None:
            return await asyncio.to_thread(self.upload_files, files)
        view = self.draft().replay(await self._alive())
        return [self._upload(path, data, view) for path, data in files]

    def _upload(self, file_path: str, data: bytes, view: CaseView) -> FileUploadResponse:
        try:
            path = case_path(file_path)
        except _InvalidPath:
            return FileUploadResponse(path=file_path, error=INVALID_PATH)
        if path == "" or view.is_dir(path):
            return FileUploadResponse(path=file_path, error=IS_DIRECTORY)
        self.draft().record(Step("write", path, data=bytes(data)))
        view.apply(Step("write", path, data=bytes(data)))
        return FileUploadResponse(path=file_path)

    def download_files(self, paths: list[str]) -> list[FileDownloadResponse]:
        view = self.view()
        responses: list[FileDownloadResponse] = []
        for file_path in paths:
            node = _download_node(view, file_path)
            if isinstance(node, FileDownloadResponse):
                responses.append(node)
                continue
            try:
                responses.append(FileDownloadResponse(path=file_path, content=self._bytes(node)))
            except BailiffError as error:
                responses.append(FileDownloadResponse(path=file_path, error=error.describe()))
        return responses

    async def adownload_files(self, paths: list[str]) -> list[FileDownloadResponse]:
        if self.async_client is None:
            return await asyncio.to_thread(self.download_files, paths)
        view = self.draft().replay(await self._alive())
        responses: list[FileDownloadResponse] = []
        for file_path in paths:
            node = _download_node(view, file_path)
            if isinstance(node, FileDownloadResponse):
                responses.append(node)
                continue
            try:
                responses.append(FileDownloadResponse(path=file_path, content=await self._abytes(node)))
            except BailiffError as error:
                responses.append(FileDownloadResponse(path=file_path, error=error.describe()))
        return responses

    # --- moves and copies (DeepAgents has no tools for them) --------------------------------
    def move(self, source: str, destination: str) -> str:
        return self._transfer("move", source, destination)

    def copy(self, source: str, destination: str) -> str:
        return self._transfer("copy", source, destination)

    def _transfer(self, kind: str, source: str, destination: str) -> str:
        try:
            src, dst = case_path(source), case_path(destination)
        except _InvalidPath as error:
            raise ToolException(str(error)) from error
        view = self.view()
        if src == "" or dst == "":
            raise ToolException("the case folder itself cannot be moved or copied")
        if not view.exists(src):
            raise ToolException(f"'{source}' not found")
        if view.exists(dst):
            raise ToolException(f"'{destination}' already exists; name a destination that does not (it names the target itself, not a folder to put it into)")
        if dst.startswith(src + "/"):
            raise ToolException(f"cannot {kind} '{source}' into itself")
        self.draft().record(Step("move" if kind == "move" else "copy", src, target=dst))
        return f"{'Moved' if kind == 'move' else 'Copied'} {source} to {destination} in the draft (nothing changes until submit_changes is approved)."

    # --- submitting ------------------------------------------------------------------------
    def pending_operations(self) -> list[dict[str, Any]]:
        """The draft as Bailiff plan operations, against the live case now."""
        return self.draft().operations(self._live())

    def submit(self, description: str | None = None) -> str:
        """Propose the draft as one plan, pause for a person's decision, and apply it if approved.

        Must run inside a LangGraph graph with a checkpointer (it calls ``interrupt``). Re-running
        after a resume reuses the plan already proposed for the same draft.
        """
        draft = self.draft()
        if not draft.steps:
            return "There are no changes to submit."
        try:
            if draft.proposed is not None and draft.proposed[1] == draft.version:
                plan_id = draft.proposed[0]
            else:
                view = self.client.propose(self.case, description or self.default_description, draft.operations(self._live()))
                plan_id = view.plan.id
                draft.proposed = (plan_id, draft.version)
            url = self.client.console_url(plan_id)
            view = await_decision(self.client, plan_id)
            if view.decisions.approve.offered:  # still awaiting approval: its dry run has errors, nobody can approve it
                draft.proposed = None
                return describe_proposal(view, url)
            view = carry_out(self.client, view, wait_timeout=self.wait_timeout)
        except PlanWaitTimeout:
            return f"Plan {plan_id} is still running after {self.wait_timeout:g} s; see {url}"
        except BailiffError as error:
            draft.proposed = None
            raise ToolException(f"Bailiff refused the changes: {error.describe()}") from error
        if view.plan.status == "succeeded":
            draft.clear()  # the workspace now holds what the draft said
            return describe_outcome(view, url)
        if view.plan.rejection is not None or view.decisions.approval_expired:
            draft.proposed = None  # the draft stays: amend it and submit again, or discard it
            return next_step(view, url) + " Your changes are still in the draft."
        return describe_outcome(view, url)

    def discard(self) -> str:
        count = len(self.draft().steps)
        self.draft().clear()
        return f"Discarded {count} pending changes."

    def tools(self, mount: str | None = None) -> list[BaseTool]:
        """``submit_changes``, ``discard_changes``, ``move_file`` and ``copy_file`` for this case.

        ``mount`` is where the agent sees the case (default ``/cases/<case>/``, as a
        ``CompositeBackend`` route); the tools take paths as the agent sees them.
        """
        prefix = mount if mount is not None else f"/cases/{self.case}/"
        prefix = prefix if prefix.endswith("/") else prefix + "/"

        def inside(path: str) -> str:
            if prefix == "/" or not path.startswith("/"):
                return path
            if path.startswith(prefix) or path == prefix.rstrip("/"):
                return "/" + path[len(prefix) :]
            raise ToolException(f"'{path}' is not in case {self.case}: its paths start with {prefix}")

        def move_file(source: str, destination: str) -> str:
            return self.move(inside(source), inside(destination))

        def copy_file(source: str, destination: str) -> str:
            return self.copy(inside(source), inside(destination))

        def submit_changes(description: str) -> str:
            return self.submit(description)

        def discard_changes() -> str:
            return self.discard()

        where = f"in case {self.case} (under {prefix})"
        return [
            StructuredTool.from_function(
                func=move_file,
                args_schema=_TransferArgs,
                handle_tool_error=True,
                description=f"Move or rename a file or folder {where}. The destination names the target itself. Recorded in the draft; submit_changes proposes it.",
            ),
            StructuredTool.from_function(
                func=copy_file,
                args_schema=_TransferArgs,
                handle_tool_error=True,
                description=f"Copy a file or folder {where}. Recorded in the draft; submit_changes proposes it.",
            ),
            StructuredTool.from_function(
                func=submit_changes,
                args_schema=_SubmitArgs,
                handle_tool_error=True,
                description=(
                    f"Propose every change you made {where} as one plan. A person reviews and approves it in Bailiff's "
                    "console; this waits for the decision, applies an approved plan and reports the outcome."
                ),
            ),
            StructuredTool.from_function(
                func=discard_changes,
                args_schema=_NoArgs,
                description=f"Throw away every change not yet submitted {where}.",
            ),
        ]

    def mount(self, default: BackendProtocol, at: str | None = None) -> CompositeBackend:
        """``default`` for every path but this case's, which go through Bailiff."""
        return CompositeBackend(default=default, routes={at or f"/cases/{self.case}/": self})


class _TransferArgs(BaseModel):
    source: str = Field(description="The file or folder now, e.g. /cases/abby-sitgraves/intake/records_001.pdf")
    destination: str = Field(description="Its new path (the target itself, not the folder to put it into)")


class _SubmitArgs(BaseModel):
    description: str = Field(description="What the changes do and why, for the person approving them")


class _NoArgs(BaseModel):
    pass


_NO_CONTENT = "cannot read '{path}': this Bailiff has no GET /cases/{{case}}/files/content (files written in this session remain readable)"


# --- the pure parts, shared by the sync and async methods ---------------------------------


def _ls(view: CaseView, path: str) -> LsResult:
    try:
        root = case_path(path)
    except _InvalidPath as error:
        return LsResult(error=str(error))
    if root in view.files:
        return LsResult(error=f"Path '{path}': not_a_directory")
    if not view.is_dir(root):
        return LsResult(error=f"Path '{path}': path_not_found")
    prefix = root + "/" if root else ""
    entries: dict[str, FileInfo] = {}
    for p, node in view.files.items():
        if not p.startswith(prefix):
            continue
        rest = p[len(prefix) :]
        if "/" in rest:
            name = prefix + rest.split("/", 1)[0]
            entries[name] = FileInfo(path=_absolute(name) + "/", is_dir=True, size=0)
        else:
            entries[p] = _file_info(p, node)
    for folder in view.folders:
        if folder.startswith(prefix) and folder != root:
            name = prefix + folder[len(prefix) :].split("/", 1)[0]
            entries.setdefault(name, FileInfo(path=_absolute(name) + "/", is_dir=True, size=0))
    return LsResult(entries=sorted(entries.values(), key=lambda info: info["path"]))


def _file_info(path: str, node: Node) -> FileInfo:
    if isinstance(node, Live):
        return FileInfo(path=_absolute(path), is_dir=False, size=node.size, modified_at=node.updated)
    return FileInfo(path=_absolute(path), is_dir=False, size=len(node.data))


def _file_node(view: CaseView, file_path: str) -> Node | str:
    """The file's node, or an error message the protocol expects."""
    try:
        path = case_path(file_path)
    except _InvalidPath as error:
        return str(error)
    node = view.files.get(path)
    if node is None:
        return f"File '{file_path}' not found"
    return node


def _download_node(view: CaseView, file_path: str) -> Node | FileDownloadResponse:
    try:
        path = case_path(file_path)
    except _InvalidPath:
        return FileDownloadResponse(path=file_path, error=INVALID_PATH)
    node = view.files.get(path)
    if node is not None:
        return node
    if view.is_dir(path):
        return FileDownloadResponse(path=file_path, error=IS_DIRECTORY)
    return FileDownloadResponse(path=file_path, error=FILE_NOT_FOUND)


def _read_result(data: bytes, offset: int, limit: int) -> ReadResult:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ReadResult(file_data=FileData(content=base64.standard_b64encode(data).decode("ascii"), encoding="base64"))
    return slice_read_response(FileData(content=text, encoding="utf-8"), offset, limit)


def _search_root(path: str | None) -> str:
    return case_path(path or "/")


def _grep_targets(view: CaseView, path: str | None, glob: str | None) -> dict[str, Node]:
    """The files a grep reads: under ``path``, matching ``glob``, small enough to download."""
    root = _search_root(path)
    matcher = compile_grep_include_glob(glob) if glob else None
    targets: dict[str, Node] = {}
    for p, node in view.under(root).items():
        relative = p[len(root) + 1 :] if root and p != root else (p.rsplit("/", 1)[-1] if root else p)
        if matcher is not None and not matcher(relative):
            continue
        if isinstance(node, Live) and node.size > MAX_GREP_FILE_BYTES:
            continue
        targets[p] = node
    return targets


def _grep(contents: dict[str, bytes | Exception], pattern: str, path: str | None, glob: str | None, max_count: int | None) -> GrepResult:
    files: dict[str, FileData] = {}
    unreadable: list[str] = []
    for p, data in contents.items():
        if isinstance(data, Exception):
            unreadable.append(p)
            continue
        try:
            files[_absolute(p)] = FileData(content=data.decode("utf-8"), encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary files hold no lines to match
    result = grep_matches_from_files(files, pattern, _absolute(_search_root(path)), glob, max_count=max_count)
    if not unreadable or result.error is not None:
        return result
    failures = [contents[p] for p in unreadable]
    if all(isinstance(failure, ContentUnavailableError) for failure in failures):
        # A Bailiff without the content endpoint: what could be searched (the session's own
        # files) is valid but incomplete. An error here would make CompositeBackend drop the
        # other routes' matches and leave these without their mount prefix.
        return GrepResult(matches=result.matches, truncated=True)
    first = failures[0]
    reason = first.describe() if isinstance(first, BailiffError) else str(first)
    return GrepResult(error=f"searched {len(files)} files; {len(unreadable)} could not be read ({reason})", matches=result.matches, truncated=True)


def _glob(view: CaseView, pattern: str, path: str | None) -> GlobResult:
    try:
        root = _search_root(path)
        matcher = compile_grep_include_glob(pattern)
    except (InvalidGlobPatternError, _InvalidPath) as error:
        return GlobResult(error=str(error))
    matches: list[FileInfo] = []
    for p, node in view.under(root).items():
        relative = p[len(root) + 1 :] if root and p != root else (p.rsplit("/", 1)[-1] if root else p)
        if matcher(relative):
            matches.append(_file_info(p, node))
    return GlobResult(matches=sorted(matches, key=lambda info: info["path"]))
