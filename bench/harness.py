"""Benchmark: render + validate one component, and `check` of a whole catalog.

Run: .venv/bin/python bench/harness.py [--repeat N] [--catalog PATH]
Prints a Markdown table and writes bench/results/harness.json. GitLab's CI schema is
compiled once per process: the first (cold) run includes that cost, the others do not.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from ci_catalog.catalog import load_catalog
from ci_catalog.commands import validate_report
from ci_catalog.render import RenderOptions, render_path
from ci_catalog.schema import gitlab_ci_validator

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "real-components"


def timed(action: Callable[[], object], repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": statistics.median(samples), "min_ms": min(samples), "max_ms": max(samples), "runs": repeat}


def check_catalog(root: Path) -> None:
    catalog = load_catalog(root)
    for component in catalog.components:
        for example in component.examples:
            validate_report(render_path(component.path, RenderOptions(inputs=example.inputs)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--catalog", type=Path, default=ROOT)
    args = parser.parse_args()
    one = next(iter(sorted((args.catalog / "templates").rglob("*.yml"))))
    big = REAL / "l3montree-dev__devguard-ci-components" / "templates" / "full.yml"

    start = time.perf_counter()
    gitlab_ci_validator()
    results = {"schema compile (once per process)": {"median_ms": (time.perf_counter() - start) * 1000, "runs": 1}}
    results[f"render+validate {one.relative_to(args.catalog)}"] = timed(
        lambda: validate_report(render_path(one)), args.repeat
    )
    if big.exists():
        results["render+validate real full.yml (39 inputs, 26 KB)"] = timed(
            lambda: validate_report(render_path(big)), args.repeat
        )
    results[f"check catalog {args.catalog.name}"] = timed(lambda: check_catalog(args.catalog), args.repeat)

    print("| what | median ms | min ms | max ms | runs |\n|---|---|---|---|---|")
    for name, row in results.items():
        cells = [f"{row.get(key, row['median_ms']):.1f}" for key in ("median_ms", "min_ms", "max_ms")]
        print(f"| {name} | {' | '.join(cells)} | {row['runs']} |")
    out = ROOT / "bench" / "results" / "harness.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
