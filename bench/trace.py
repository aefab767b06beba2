"""Isolation trace speed against a bare scipy breadth-first search over the same graph.

    DATABASE_URL=postgis://gasdispatch:gasdispatch@127.0.0.1:5432/gasdispatch_bench \\
        .venv/bin/python bench/trace.py [--traces 1000] [--seed 1]

The database must hold a network of about 100,000 mains; build one with
    manage.py make_demo_city --premises 1000000 --blocks 177 --replace
Both sides run on the same in-memory graph, in the same process, on the same damaged mains:
the baseline is one `scipy.sparse.csgraph.breadth_first_order` from the damaged main's node,
the least any whole-network answer can cost. Prints a Markdown block for bench/RESULTS.md.
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.main")
django.setup()

import numpy as np  # noqa: E402
from scipy.sparse.csgraph import breadth_first_order  # noqa: E402

from gis.selectors import isolation_for_segment  # noqa: E402
from gis.topology import network_graph  # noqa: E402
from gis.trace import isolation_trace  # noqa: E402


def timed(run: Callable[[int], object], items: list[int]) -> list[float]:
    samples = []
    for item in items:
        started = time.perf_counter()
        run(item)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100)
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "mean": statistics.fmean(samples)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-segments", type=int, default=100_000)
    args = parser.parse_args()

    started = time.perf_counter()
    graph = network_graph()
    build_s = time.perf_counter() - started
    if len(graph.edge_u) < args.min_segments:
        print(
            f"the database holds {len(graph.edge_u)} mains, fewer than {args.min_segments}: "
            "build the bench city first with\n  manage.py make_demo_city --premises 1000000 "
            "--blocks 177 --replace",
            file=sys.stderr,
        )
        return 2
    segments = random.Random(args.seed).sample(sorted(graph.segment_edge), args.traces)
    start_node = {s: int(graph.edge_u[graph.segment_edge[s]]) for s in segments}

    def trace(segment: int) -> object:
        return isolation_trace(graph, segment_id=segment)

    def trace_with_register(segment: int) -> object:  # + reads seized valves and revision
        return isolation_for_segment(segment_id=segment)

    def bare_bfs(segment: int) -> object:
        return breadth_first_order(
            graph.matrix, start_node[segment], directed=False, return_predecessors=False
        )

    # The worst case: damage on the largest connected part (the medium-pressure grid), where
    # the trace's own connectivity pass is as big as it gets.
    largest = int(np.bincount(graph.part_of_node).argmax())
    on_largest = [
        s
        for s in sorted(graph.segment_edge)
        if graph.part_of_node[graph.edge_u[graph.segment_edge[s]]] == largest
    ]
    worst = random.Random(args.seed).sample(on_largest, min(args.traces, len(on_largest)))
    start_node.update({s: int(graph.edge_u[graph.segment_edge[s]]) for s in worst})
    for run in (trace, trace_with_register, bare_bfs):  # warm caches and the graph
        timed(run, segments[:50] + worst[:50])
    rows = {
        name: summary(timed(run, sample))
        for name, run, sample in (
            ("baseline: scipy BFS over the whole graph", bare_bfs, segments),
            ("isolation_trace (in memory)", trace, segments),
            ("isolation_for_segment (with register reads)", trace_with_register, segments),
            (f"baseline, damage on the largest part ({len(on_largest)} mains)", bare_bfs, worst),
            ("isolation_trace, damage on the largest part", trace, worst),
        )
    }
    results = [isolation_trace(graph, segment_id=s) for s in segments]
    base_p95 = rows["baseline: scipy BFS over the whole graph"]["p95"]

    print(
        f"command: DATABASE_URL=<bench db> python bench/trace.py --traces {args.traces} "
        f"--seed {args.seed}"
    )
    print(
        f"network: {len(graph.edge_u)} mains, {graph.node_count} nodes, "
        f"{len(graph.valve_node)} valves, {len(graph.source_node)} stations; "
        f"graph built from PostGIS in {build_s:.2f}s"
    )
    print(
        f"traces: mean {statistics.fmean(len(r.valves_to_close) for r in results):.1f} valves "
        f"to close, mean {statistics.fmean(len(r.isolated_segment_ids) for r in results):.0f}"
        f" mains isolated, max {max(len(r.isolated_segment_ids) for r in results)}\n"
    )
    print("| measured (ms) | p50 | p95 | p99 | mean | p95 / baseline p95 |")
    print("|---|---:|---:|---:|---:|---:|")
    worst_p95 = list(rows.values())[3]["p95"]
    for n, (name, s) in enumerate(rows.items()):
        base = base_p95 if n < 3 else worst_p95
        print(
            f"| {name} | {s['p50']:.2f} | {s['p95']:.2f} | {s['p99']:.2f} | {s['mean']:.2f} | "
            f"{s['p95'] / base:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
