"""The generated November (test_figures_recomputed's `month`), shared with test_rollup."""

from tests.reports.test_figures_recomputed import month

__all__ = ["month"]
