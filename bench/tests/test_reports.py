"""Every report is registered in the benchmark harness (bench/run.py times them; no timing is asserted here)."""

from __future__ import annotations

import pytest

from bench import reports as bench_reports
from reports.catalogue import REPORTS
from reports.models import RollupMark

pytestmark = pytest.mark.django_db


def test_every_report_has_a_bench_hook_that_runs_it():
    hooks = bench_reports.hooks()
    assert set(REPORTS) == set(hooks)
    assert bench_reports.widest_scope().start < bench_reports.widest_scope().end
    assert all(isinstance(hooks[slug](), float) for slug in REPORTS)
    assert RollupMark.objects.count() == 3  # the rollups were brought up to date before timing


def test_only_keeps_the_baseline_and_the_named_targets():
    from bench.run import selected, targets

    names = [t.name for t in selected(targets(), ["dashboard", "API ME"])]

    assert names == ["/healthz (baseline)", "dashboard", "API me"]
    assert len(selected(targets(), [])) == len(targets())
