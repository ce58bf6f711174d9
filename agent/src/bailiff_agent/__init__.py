"""Bailiff for Python agents.

- :class:`BailiffClient` / :class:`AsyncBailiffClient`: the whole HTTP API, typed.
- :mod:`bailiff_agent.errors`: one exception class per error code family.
- :mod:`bailiff_agent.tools`: LangChain tools under the original proposal's names (extra ``langchain``).
- :mod:`bailiff_agent.approval_flow`: propose → ``interrupt()`` → apply, for LangGraph (extra ``langgraph``).
- :mod:`bailiff_agent.human_in_the_loop`: ``create_agent`` that pauses before applying, LangChain HITL middleware (extra ``langchain``).
- :mod:`bailiff_agent.deepagents_backend`: a DeepAgents backend whose writes become a plan (extra ``deepagents``).
"""

from .client import AsyncBailiffClient, BailiffClient
from .config import BailiffSettings
from .errors import (
    AuthenticationError,
    BailiffError,
    ConflictError,
    ContentUnavailableError,
    ErrorDetail,
    HashMismatchError,
    ReportChangedError,
    InternalServerError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PlanInvalidError,
    PlanWaitTimeout,
    PreconditionFailedError,
    ProtocolError,
    RangeNotSatisfiableError,
    ObjectHeldError,
    RetryableError,
    TransportError,
)
from .models import Copy, CreateDir, Delete, Move, PlanView, WriteFile

__all__ = [
    "AsyncBailiffClient",
    "AuthenticationError",
    "BailiffClient",
    "BailiffError",
    "BailiffSettings",
    "ConflictError",
    "ContentUnavailableError",
    "Copy",
    "CreateDir",
    "Delete",
    "ErrorDetail",
    "HashMismatchError",
    "ReportChangedError",
    "InternalServerError",
    "InvalidInputError",
    "Move",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PlanInvalidError",
    "PlanView",
    "PlanWaitTimeout",
    "PreconditionFailedError",
    "ProtocolError",
    "RangeNotSatisfiableError",
    "ObjectHeldError",
    "RetryableError",
    "TransportError",
    "WriteFile",
]
