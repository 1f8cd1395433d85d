"""The benchmark runs end to end on a small table (its figures are for
``python -m dtgx.validation.bench``, not for the test suite)."""

from __future__ import annotations

import pytest

from dtgx.validation.bench import bench_audit


@pytest.mark.django_db(transaction=True)
def test_it_benchmarks_a_small_audit_and_checks_the_findings_agree(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench_audit(300)

    output = capsys.readouterr().out
    assert "300 person records" in output
    assert "bulk audit, findings written back" in output
    assert "per-record latency" in output
    assert "sample findings equal the bulk findings" in output
    assert (
        output.split("sample findings equal the bulk findings")[1].split()[0] == "True"
    )
