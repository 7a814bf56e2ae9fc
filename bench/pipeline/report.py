"""The pipeline benchmark's figures, goals, Markdown table, JSON and bar chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..stats import cell, spread
from .cachezip import INFO_ZIP, TAR_ZSTD
from .steps import STEPS

SEED = "seed baseline"
# Each figure with a transfer: the model of the runner's zip and unzip it adds (cachezip.MODELS).
TRANSFER_MODELS = {
    "with transfer": "fastest",
    "with transfer (Info-ZIP)": f"fastest, {INFO_ZIP}",
    f"with transfer ({TAR_ZSTD})": f"fastest, {TAR_ZSTD}",
    "with transfer (default zip)": "default",
}
# The figures the goals are checked on: the fastest level, in each model.
TRANSFERS = tuple(figure for figure, model in TRANSFER_MODELS.items() if model.startswith("fastest"))
# The goals (#18): ratio of a contender's dependency cost to the seed's, same run;
# each "with transfer" goal is checked with every fastest-level model of the runner's
# archiver: the two zip models (cache_format: zip, and runners before 17.1) and tarzstd
# (the components' default).
LIMITS = [
    ("uv-cache hardlink warm", 0.05, 0.12),
    ("poetry-test warm", 0.07, 0.15),
    ("deps-image consumer", 0.05, 0.05),
]
GOALS = [
    goal
    for contender, no_transfer, with_transfer in LIMITS
    for goal in [(contender, "no transfer", no_transfer), *((contender, figure, with_transfer) for figure in TRANSFERS)]
]
FIGURES = ("no transfer", *TRANSFER_MODELS)
# The figures whose ratios the table shows: those the goals are checked on.
RATIOS = ("no transfer", *TRANSFERS)


def figures(result: dict[str, Any], model: str = "fastest") -> dict[str, float]:
    """One run's figures; the cache steps are what a runner's zip and unzip cost (`model`)."""
    steps = result["steps"]
    transfer = result["transfer"]
    dependencies = steps["tool install"] + steps["dependency install"]
    row = {
        "cache restore": transfer[model]["restore"],
        "tool install": steps["tool install"],
        "dependency install": steps["dependency install"],
        "tests": steps["tests"],
        "cache save": transfer[model]["save"],
        "no transfer": dependencies,
        **{
            figure: dependencies + transfer[name]["restore"] + transfer[name]["save"]
            for figure, name in TRANSFER_MODELS.items()
        },
        # The bytes on the wire, at the fastest level: as a zip (zipfile's) and as tar and zstd.
        "megabytes downloaded": transfer["fastest"]["download"],
        "megabytes uploaded": transfer["fastest"]["upload"],
        f"megabytes downloaded ({TAR_ZSTD})": transfer[f"fastest, {TAR_ZSTD}"]["download"],
        f"megabytes uploaded ({TAR_ZSTD})": transfer[f"fastest, {TAR_ZSTD}"]["upload"],
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
        for key in FIGURES:
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
        f"fixtures: {meta['fixtures']}; index: {meta['index']}; jobs: {_executor(meta)}"
        + (f"; `(before)`: the templates at {meta['before']}." if meta.get("before") else "."),
        f"Tools: {', '.join(f'{name} {version}' for name, version in meta['tools'].items())}.",
        "",
        "Seconds, median (min-max). Cache restore and save are a runner's unzip and zip of the job's "
        "cache paths at the fastest level the components set, modelled with Python's zipfile; *no transfer* "
        "is tool plus dependency install; *with transfer* adds the cache restore and save (zipfile), "
        "*Info-ZIP* the same with Info-ZIP's zip and unzip, *tarzstd* with tar and zstd at the fastest "
        "level (the runner's `tarzstd` format, the components' default), *default zip* with zipfile at the "
        "runner's default level; ratios are to the seed baseline's dependency cost (tool plus dependency "
        "install) in the same repetition.",
        "",
        f"| contender | {' | '.join(STEPS)} | {' | '.join(FIGURES)} | "
        + " | ".join(f"ratio, {key}" for key in RATIOS)
        + " |",
        "|---" * (1 + len(STEPS) + len(FIGURES) + len(RATIOS)) + "|",
    ]
    for name, entry in summary.items():
        cells = [cell(entry[step]) for step in STEPS]
        cells += [cell(entry[key]) for key in FIGURES]
        cells += [cell(entry[f"ratio {key}"], 3) for key in RATIOS]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines += [
        "",
        "## Bytes moved",
        "",
        "Megabytes a runner would download and upload for the contender's pipeline: the archives of the "
        "caches each job restores, and of those it saves when a file changed (fastest level, as a zip and "
        "as tar and zstd), median (min-max). On a runner they go to and from the cache's object storage.",
        "",
        "| contender | downloaded (zip) | uploaded (zip) | downloaded (tarzstd) | uploaded (tarzstd) |",
        "|---|---|---|---|---|",
    ]
    for name, entry in summary.items():
        sizes: tuple[str, ...] = ("megabytes downloaded", "megabytes uploaded")
        sizes += tuple(f"{size} ({TAR_ZSTD})" for size in sizes)
        lines.append(f"| {name} | {' | '.join(cell(entry[size], 1) for size in sizes)} |")
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


def _executor(meta: dict[str, Any]) -> str:
    if meta.get("executor", "shell") == "shell":
        return "on this machine (shell executor)"
    return "each in a container of its look-alike image (podman)"


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
