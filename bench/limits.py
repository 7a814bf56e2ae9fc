"""Benchmark: does rendering slow down worse than linearly on the way to GitLab's limits?

Run: .venv/bin/python bench/limits.py [--repeat N] [--quick] [--output FILE]
Times each limit's input at 1/4, 1/2 and all of the limit (best of N runs, in-process,
GitLab's schema not involved) and prints a Markdown table with the time per unit;
a time per unit that stays flat is linear growth. Writes bench/results/limits.json.
`--quick` runs a hundredth of each size once: a check that the script works, not a
measurement (the test suite runs it that way, into a temporary file).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ci_catalog.functions import FunctionContext
from ci_catalog.interpolate import MAX_BLOCKS, MAX_FUNCTIONS, MAX_NODE_SIZE, MAX_NODES, interpolate
from ci_catalog.loading import MAX_YAML_SIZE_BYTES, load_text
from ci_catalog.problems import Marks
from ci_catalog.render import render_text

RESULTS = Path(__file__).resolve().parent / "results" / "limits.json"
FRACTIONS = (0.25, 0.5, 1.0)
MAX_OPTIONS = 50
MAX_ACCESS_BYTES = 1024
# Ruby's memsize of `a: [1, ...]`: the root hash (200), the key (40), the list (40 + 8 a item).
MAX_LIST_ITEMS = (MAX_YAML_SIZE_BYTES - 280) // 8


def component(inputs: str, body: str) -> str:
    return f"spec:\n  inputs:\n{inputs}---\n{body}"


def blocks(count: int) -> Callable[[], Any]:
    script = "".join(f"    - echo $[[ inputs.s | truncate({index}, 1) ]]\n" for index in range(count))
    text = component("    s:\n      default: abcdef\n", "job:\n  script:\n" + script)
    return lambda: render_text(text)


def nodes(count: int) -> Callable[[], Any]:
    content = {"a": [0] * max(count - 3, 0)}  # the root, `a` and its list are three visits
    return lambda: interpolate(content, Marks(), {"inputs": {}, "component": {}}, FunctionContext())


def string_bytes(size: int) -> Callable[[], Any]:
    block = "$[[ inputs.s ]]"
    body = f"job:\n  script: echo\n  variables:\n    BIG: {block}{'x' * max(size - len(block), 0)}\n"
    text = component("    s:\n      default: ''\n", body)
    return lambda: render_text(text)


def access_bytes(size: int) -> Callable[[], Any]:
    name = "n" * max(size - len("inputs."), 1)
    text = component(f"    {name}:\n      default: x\n", f"job:\n  script: echo $[[ inputs.{name} ]]\n")
    return lambda: render_text(text)


def functions(count: int) -> Callable[[], Any]:
    chain = " | ".join(["truncate(0, 5)"] * count)
    text = component("    s:\n      default: abcdefgh\n", f"job:\n  script: echo $[[ inputs.s | {chain} ]]\n")
    return lambda: render_text(text)


def options(count: int) -> Callable[[], Any]:
    listed = ", ".join(f"o{index}" for index in range(count))
    text = component(
        f"    s:\n      default: o0\n      options: [{listed}]\n", "job:\n  script: echo $[[ inputs.s ]]\n"
    )
    return lambda: render_text(text)


def list_items(count: int) -> Callable[[], Any]:
    text = "a: [" + ",".join(["1"] * count) + "]\n"
    return lambda: load_text(text, "ci.yml")


@dataclass(frozen=True)
class Limit:
    name: str
    unit: str
    value: int
    make: Callable[[int], Callable[[], Any]]


LIMITS = (
    Limit("interpolation blocks", "block", MAX_BLOCKS, blocks),
    Limit("nodes walked", "node", MAX_NODES, nodes),
    Limit("string node size", "byte", MAX_NODE_SIZE, string_bytes),
    Limit("access path size", "byte", MAX_ACCESS_BYTES, access_bytes),
    Limit("functions per block", "function", MAX_FUNCTIONS, functions),
    Limit("options per input", "option", MAX_OPTIONS, options),
    Limit("parsed document (integers in a list)", "item", MAX_LIST_ITEMS, list_items),
)


def best_of(action: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return min(samples)


def measure(limit: Limit, repeat: int, scale: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for fraction in FRACTIONS:
        size = max(1, round(limit.value * fraction * scale))
        seconds = best_of(limit.make(size), repeat)
        first = rows[0] if rows else None
        # What each unit past the first size adds: flat when growth is linear, whatever
        # the fixed cost of a render (which dominates the small limits).
        added = (seconds - first["seconds"]) / (size - first["size"]) * 1e6 if first and size > first["size"] else None
        rows.append(
            {
                "limit": limit.name,
                "limit_value": limit.value,
                "fraction": fraction,
                "size": size,
                "unit": limit.unit,
                "seconds": seconds,
                "us_per_unit": seconds / size * 1e6,
                "us_per_added_unit": added,
            }
        )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| limit | share | size | ms | µs per unit | µs per added unit |", "|---|---|---|---|---|---|"]
    for row in rows:
        added = "" if row["us_per_added_unit"] is None else f"{row['us_per_added_unit']:.3f}"
        lines.append(
            f"| {row['limit']} ({row['limit_value']:,}) | {row['fraction']:g} | {row['size']:,} {row['unit']}s "
            f"| {row['seconds'] * 1000:.2f} | {row['us_per_unit']:.3f} | {added} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best counts (default 3)")
    parser.add_argument("--quick", action="store_true", help="a hundredth of each size, once: a smoke run")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"where the JSON goes (default {RESULTS})")
    args = parser.parse_args(argv)
    repeat, scale = (1, 0.01) if args.quick else (args.repeat, 1.0)
    rows = [row for limit in LIMITS for row in measure(limit, repeat, scale)]
    print(table(rows))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"repeat": repeat, "scale": scale, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
