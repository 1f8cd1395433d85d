"""Fixtures for the reporting tests: the survey's personas and records."""

from __future__ import annotations

from dtgx.survey.tests.conftest import (  # noqa: F401
    cili_auditor,
    cili_clerk,
    farmer,
    national_director,
    record,
    round,
    sangzhi_clerk,
)
