"""The hand-written names of the package against the generated contract (``_contract.py``)."""

from __future__ import annotations

from typing import get_args

import pytest

from bailiff_agent import _contract as wire
from bailiff_agent.errors import ERROR_CLASSES, ConflictError, RangeNotSatisfiableError, error_from_response
from bailiff_agent.models import Copy, CreateDir, Delete, Move, PlanStatus, WriteFile


def test_every_error_code_of_the_server_has_its_own_exception_class() -> None:
    assert set(ERROR_CLASSES) == set(wire.ERROR_STATUSES)
    assert set(wire.ERROR_STATUSES) == {code.value for code in wire.ErrorErrorCode}


@pytest.mark.parametrize(("code", "status"), sorted(wire.ERROR_STATUSES.items()))
def test_an_error_answer_becomes_its_codes_class_and_a_bare_status_its_family(code: str, status: int) -> None:
    error = error_from_response(status, {"error": {"code": code, "message": "m"}})
    assert type(error) is ERROR_CLASSES[code] and error.code == code and error.status == status
    bare = error_from_response(status, None)
    assert isinstance(error, type(bare)) and bare.status == status


def test_range_not_satisfiable_is_known() -> None:
    error = error_from_response(416, {"error": {"code": "range_not_satisfiable", "message": "bytes=9-"}})
    assert isinstance(error, RangeNotSatisfiableError) and not isinstance(error, ConflictError)


def test_the_status_literal_is_the_generated_enum() -> None:
    assert set(get_args(PlanStatus)) == {status.value for status in wire.PlanStatus}


def test_the_operation_builders_are_what_the_plan_route_accepts() -> None:
    operations = [
        CreateDir(destination="Police"),
        WriteFile(destination="Police/notes.txt", content="x"),
        Copy(source="a.pdf", destination="Police/a.pdf"),
        Move(source="b.pdf", destination="Police/b.pdf"),
        Delete(source="c.pdf"),
    ]
    body = {"case": "abby-sitgraves", "description": "sort", "operations": [operation.to_wire() for operation in operations]}
    parsed = wire.ProposePlanRequestProposePlanRequest.model_validate(body)
    assert len(parsed.operations) == len(operations)
