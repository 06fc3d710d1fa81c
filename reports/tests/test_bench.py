"""Every report is registered in the benchmark harness (bench/run.py times them; no timing is asserted here)."""

from __future__ import annotations

import pytest

from bench.run import REPORT_HOOKS
from reports.catalogue import REPORTS
from reports.models import RollupMark

pytestmark = pytest.mark.django_db


def test_every_report_has_a_bench_hook_that_runs_it():
    import reports.bench

    assert set(REPORTS) <= set(REPORT_HOOKS)
    assert reports.bench.widest_scope().start < reports.bench.widest_scope().end
    assert all(isinstance(REPORT_HOOKS[slug](), float) for slug in REPORTS)
    assert RollupMark.objects.count() == 3  # the rollups were brought up to date before timing


def test_only_keeps_the_baseline_and_the_named_targets():
    from bench.run import selected, targets

    names = [t.name for t in selected(targets(), ["dashboard", "API ME"])]

    assert names == ["/healthz (baseline)", "dashboard", "API me"]
    assert len(selected(targets(), [])) == len(targets())
