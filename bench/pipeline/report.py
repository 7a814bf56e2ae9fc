"""The pipeline benchmark's figures, goals, Markdown table, JSON and bar chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..stats import cell, spread
from .steps import STEPS

SEED = "seed baseline"
# The goals: ratio of a contender's dependency cost to the seed's, same run.
GOALS = [
    ("uv-cache hardlink warm", "with transfer", 0.15),
    ("uv-cache hardlink warm", "no transfer", 0.07),
    ("poetry-test warm", "with transfer", 0.15),
    ("poetry-test warm", "no transfer", 0.07),
    ("deps-image consumer", "with transfer", 0.07),
]


def figures(result: dict[str, Any], level: str = "fastest") -> dict[str, float]:
    """One run's figures; the cache steps are what a runner's zip and unzip cost at `level`."""
    steps = result["steps"]
    transfer = result["transfer"]
    dependencies = steps["tool install"] + steps["dependency install"]
    row = {
        "cache restore": transfer[level]["restore"],
        "tool install": steps["tool install"],
        "dependency install": steps["dependency install"],
        "tests": steps["tests"],
        "cache save": transfer[level]["save"],
        "no transfer": dependencies,
        "with transfer": dependencies + transfer["fastest"]["restore"] + transfer["fastest"]["save"],
        "with transfer (default zip)": dependencies + transfer["default"]["restore"] + transfer["default"]["save"],
        "gitlab-ci-local job": steps["job"],
    }
    return row


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Medians with min and max of every figure, and of the ratios to the seed's run of the same repetition."""
    seeds = [figures(run)["no transfer"] for run in runs[SEED]]
    summary: dict[str, dict[str, Any]] = {}
    for name, results in runs.items():
        rows = [figures(run) for run in results]
        entry = {key: spread([row[key] for row in rows]) for key in rows[0]}
        for key in ("no transfer", "with transfer", "with transfer (default zip)"):
            ratios = [row[key] / seed for row, seed in zip(rows, seeds, strict=False)]
            entry[f"ratio {key}"] = spread(ratios)
        summary[name] = entry
    return summary


def goals(summary: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each goal, met or not; a missed one says what each step costs."""
    checked = []
    for contender, figure, limit in GOALS:
        if contender not in summary:
            continue
        ratio = summary[contender][f"ratio {figure}"]["median"]
        goal = {"contender": contender, "figure": figure, "goal": limit, "ratio": ratio, "met": ratio <= limit}
        if ratio > limit:
            goal["steps_seconds"] = {step: summary[contender][step]["median"] for step in STEPS}
        checked.append(goal)
    return checked


def markdown(summary: dict[str, dict[str, Any]], checked: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        "# Pipeline benchmark",
        "",
        f"{meta['date']}; {meta['machine']}; {meta['repetitions']} repetitions, alternating; "
        f"fixtures: {meta['fixtures']}; index: {meta['index']}.",
        f"Tools: {', '.join(f'{name} {version}' for name, version in meta['tools'].items())}.",
        "",
        "Seconds, median (min-max). Cache restore and save are a runner's unzip and zip of the job's "
        "cache paths at the fastest level the components set; *no transfer* is tool plus dependency install; "
        "*with transfer* adds the cache restore and save; ratios are to the seed baseline's dependency cost "
        "(tool plus dependency install) in the same repetition.",
        "",
        "| contender | cache restore | tool install | dependency install | tests | cache save "
        "| no transfer | with transfer | with transfer (default zip) | ratio, no transfer | ratio, with transfer |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in summary.items():
        cells = [cell(entry[step]) for step in STEPS]
        cells += [cell(entry[key]) for key in ("no transfer", "with transfer", "with transfer (default zip)")]
        cells += [cell(entry["ratio no transfer"], 3), cell(entry["ratio with transfer"], 3)]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines += ["", "## Goals", "", "| contender | figure | goal | median ratio | met |", "|---|---|---|---|---|"]
    for goal in checked:
        mark = "yes" if goal["met"] else "**no**"
        lines.append(f"| {goal['contender']} | {goal['figure']} | ≤ {goal['goal']} | {goal['ratio']:.3f} | {mark} |")
    missed = [goal for goal in checked if not goal["met"]]
    if missed:
        lines += ["", "Where a goal is missed, each step's median (seconds):", ""]
        for goal in missed:
            parts = ", ".join(f"{step} {seconds:.2f}" for step, seconds in goal["steps_seconds"].items())
            lines.append(f"- {goal['contender']} ({goal['figure']}): {parts}")
    if meta.get("note"):
        lines += ["", meta["note"]]
    return "\n".join(lines) + "\n"


def chart(summary: dict[str, dict[str, Any]], target: Path) -> None:
    """A horizontal bar per contender, one segment per step (medians)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    figure, axes = plt.subplots(figsize=(11, 0.5 * len(names) + 1.8))
    left = [0.0] * len(names)
    for step in STEPS:
        widths = [summary[name][step]["median"] for name in names]
        axes.barh(names, widths, left=left, label=step)
        left = [start + width for start, width in zip(left, widths, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel("seconds (median); cache restore and save as a runner's unzip and zip, fastest level")
    axes.set_title("Pipeline benchmark: time per step of each contender's jobs")
    axes.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    figure.savefig(target, dpi=110)
    plt.close(figure)
