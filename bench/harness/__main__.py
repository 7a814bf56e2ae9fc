"""Run the harness benchmark: `python -m bench.harness [--repeat N] [--quick] [--out DIR]`."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ci_catalog.catalog import load_catalog
from ci_catalog.cli.commands import validate_report
from ci_catalog.lint import lint_catalog
from ci_catalog.lint.config import find_config
from ci_catalog.local import gitlab_ci_local
from ci_catalog.render import RenderOptions, render_path
from ci_catalog.schema import gitlab_ci_validator
from ci_catalog.validate import schema_problems

from ..stats import cell, least_squares
from .documents import Document, component_context, git_project, render_documents, synthetic_catalog
from .measure import command_samples, timed

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GITLAB_CI_LOCAL = gitlab_ci_local.executable()  # pinned; scripts/setup --test installs it
SIZES = (10, 100, 1000)
QUICK_SIZES = (10, 30)
# check-jsonschema's own copy of GitLab's schema (the one ci-catalog also loads), and its
# loader for GitLab's `!reference` tags.
CHECK_JSONSCHEMA = ["--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci"]


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.harness", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="synthetic catalogs of 10 and 30 components only")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--catalog", type=Path, default=ROOT)
    return parser.parse_args()


def check_command(catalog: Path, repeat: int) -> dict[str, Any]:
    """`ci-catalog check` as a user runs it: a new process, wall time and peak memory."""
    # A synthetic catalog of 1,000 components breaks the too-many-components rule: exit 1 is expected.
    return command_samples([BIN / "ci-catalog", "check", catalog], catalog, repeat, allowed=(0, 1))


def per_document(documents: list[Document], repeat: int, work: Path) -> dict[str, Any]:
    """Each way of checking the same rendered documents, in seconds per document."""
    gitlab_ci_validator()  # compiled once per process: a cost the check command's row carries
    files = [document.rendered for document in documents]
    count = len(documents)
    rows: dict[str, Any] = {
        "ci-catalog render + validate, in process (per component document)": _mean_of(
            [
                timed(lambda d=document: validate_report(render_path(d.template, d.options)), repeat)
                for document in documents
            ]
        ),
        "ci-catalog validate of the rendered document, in process": _mean_of(
            [timed(lambda d=document: validate_report(render_path(d.rendered)), repeat) for document in documents]
        ),
    }
    batch = {
        "ci-catalog validate, one process for all documents": [BIN / "ci-catalog", "validate", *files],
        "check-jsonschema, one process for all documents": [BIN / "check-jsonschema", *CHECK_JSONSCHEMA, *files],
    }
    # check-jsonschema refuses some documents GitLab accepts (see `verdicts`): exit 1 is allowed.
    for name, command in batch.items():
        samples = command_samples(command, work, repeat, allowed=(0, 1))
        rows[name] = {key: value / count if key != "runs" else value for key, value in samples["seconds"].items()}
    single = {
        "ci-catalog validate, one process per document": lambda file: [BIN / "ci-catalog", "validate", file],
        "check-jsonschema, one process per document": lambda file: [BIN / "check-jsonschema", *CHECK_JSONSCHEMA, file],
    }
    verdicts: dict[str, dict[str, str]] = {}
    for name, command in single.items():
        samples = [command_samples(command(file), work, repeat, allowed=(0, 1)) for file in files]
        rows[name] = _mean_of([sample["seconds"] for sample in samples])
        tool = name.split(",")[0]
        for file, sample in zip(files, samples, strict=True):
            verdicts.setdefault(file.name, {})[tool] = "valid" if sample["returncode"] == 0 else "invalid"
    if GITLAB_CI_LOCAL.exists():
        rows["gitlab-ci-local --preview, one process per document"] = _mean_of(
            [_preview(document, work / "preview", repeat) for document in documents]
        )
    return {"rows": rows | marginal_rows(rows, count), "verdicts": verdicts}


def marginal_rows(rows: dict[str, Any], count: int) -> dict[str, Any]:
    """What one more document costs each CLI, start-up left out: (all in one process - one alone) / (n - 1)."""
    derived = {}
    for tool in ("ci-catalog validate", "check-jsonschema"):
        together = rows.get(f"{tool}, one process for all documents")
        alone = rows.get(f"{tool}, one process per document")
        if together is None or alone is None or count < 2:
            continue
        each = (together["median"] * count - alone["median"]) / (count - 1)
        derived[f"{tool}, each further document in one process (start-up left out)"] = {
            "median": each,
            "min": each,
            "max": each,
            "runs": 1,  # one figure derived from two medians: no spread of its own
        }
    derived_start = {
        f"{tool}, start-up (one process for one document, less one further document)": {
            "median": rows[f"{tool}, one process per document"]["median"] - derived[name]["median"],
            "min": 0.0,
            "max": 0.0,
            "runs": 1,
        }
        for tool, name in ((name.split(",")[0], name) for name in derived)
    }
    return derived | derived_start


def _preview(document: Document, project: Path, repeat: int) -> dict[str, float]:
    if not project.exists():
        git_project(project)
    shutil.copyfile(document.rendered, project / ".gitlab-ci.yml")
    return command_samples([GITLAB_CI_LOCAL, "--preview"], project, repeat, allowed=(0, 1))["seconds"]


def _mean_of(summaries: list[dict[str, float]]) -> dict[str, float]:
    """The per-document figures averaged over the documents (median, min and max each)."""
    count = len(summaries)
    merged = {key: sum(summary[key] for summary in summaries) / count for key in ("median", "min", "max")}
    return {**merged, "runs": min(summary["runs"] for summary in summaries), "documents": count}


def scaling(sizes: tuple[int, ...], repeat: int, work: Path) -> dict[str, Any]:
    """`ci-catalog check` on synthetic catalogs: time against size, and the least-squares line."""
    points = {}
    for size in sizes:
        catalog = synthetic_catalog(ROOT, work / f"catalog-{size}", size)
        # The largest catalog costs minutes a run: one run of it.
        samples = check_command(catalog, repeat if size < 1000 else 1)
        seconds = samples["seconds"]
        points[size] = {**samples, "ms_per_component": seconds["median"] * 1000 / size}
    # The breakdown of the middle size, in this process.
    middle = sizes[len(sizes) // 2]
    split = breakdown(work / f"catalog-{middle}")
    xs = list(points)
    slope, intercept = least_squares(xs, [points[size]["seconds"]["median"] for size in xs])
    return {
        "points": points,
        "slope_ms_per_component": slope * 1000,
        "intercept_s": intercept,
        "breakdown": {"components": middle, "seconds": split},
    }


def breakdown(catalog: Path) -> dict[str, float]:
    """Where `check`'s time goes, in process: rendering, schema validation, and the lint rules (seconds)."""
    gitlab_ci_validator()
    start = time.perf_counter()
    loaded = load_catalog(catalog)
    results = [
        render_path(
            component.path,
            RenderOptions(inputs=example.inputs, component=component_context(component.name, loaded.version)),
        )
        for component in loaded.components
        for example in component.examples
    ]
    rendered = time.perf_counter()
    for result in results:
        schema_problems(result)
    validated = time.perf_counter()
    lint_catalog(catalog, find_config(catalog))
    linted = time.perf_counter()
    return {"load and render": rendered - start, "schema validation": validated - rendered, "lint": linted - validated}


def meta(repeat: int) -> dict[str, Any]:
    def version(*command: str | Path) -> str:
        done = subprocess.run(list(map(str, command)), capture_output=True, text=True, check=False)
        return (done.stdout or done.stderr).strip().splitlines()[-1]

    return {
        "date": datetime.date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "load_average": os.getloadavg(),
        "repetitions": repeat,
        "tools": {
            "python": platform.python_version(),
            "check-jsonschema": version(BIN / "check-jsonschema", "--version").split()[-1],
            "gitlab-ci-local": version(GITLAB_CI_LOCAL, "--version") if GITLAB_CI_LOCAL.exists() else "missing",
        },
    }


def markdown(results: dict[str, Any]) -> str:
    info = results["meta"]
    check = results["check"]
    lines = [
        "# Harness benchmark",
        "",
        f"{info['date']}; {info['machine']}; {info['repetitions']} repetitions; "
        f"tools: {', '.join(f'{k} {v}' for k, v in info['tools'].items())}.",
        "",
        "## `ci-catalog check` on this catalog (goal: ≤ 2 s, well under 200 MB)",
        "",
        "| wall seconds | peak MiB |",
        "|---|---|",
        f"| {cell(check['seconds'])} | {cell(check['peak_mib'], 0)} |",
        "",
        f"## Per document ({results['documents']} rendered component documents)",
        "",
        "Milliseconds per document, median (min-max) averaged over the documents.",
        "",
        "| what | ms per document |",
        "|---|---|",
    ]
    lines += [f"| {name} | {cell(row, 1, 1000)} |" for name, row in results["per_document"]["rows"].items()]
    lines += [
        "",
        "The last rows subtract medians of different runs: a figure near zero, or below it, is within their "
        "noise. The in-process rows measure ci-catalog's own cost per document directly.",
    ]
    differing = {
        name: verdict for name, verdict in results["per_document"]["verdicts"].items() if len(set(verdict.values())) > 1
    }
    lines += ["", "Verdicts that differ between the validators (GitLab accepts every one of these documents):", ""]
    lines += [f"- {name}: {verdict}" for name, verdict in differing.items()] or ["- none"]
    scale = results["scaling"]
    lines += [
        "",
        "## Scaling: `ci-catalog check` on synthetic catalogs",
        "",
        "| components | wall seconds | ms per component | peak MiB |",
        "|---|---|---|---|",
    ]
    for size, point in scale["points"].items():
        lines.append(
            f"| {size} | {cell(point['seconds'])} | {point['ms_per_component']:.1f} | {cell(point['peak_mib'], 0)} |"
        )
    lines += [
        "",
        f"Least-squares line: {scale['slope_ms_per_component']:.1f} ms per component, "
        f"{scale['intercept_s']:.2f} s fixed.",
        "",
        f"Where the time of `check` goes, in one process, on the catalog of {scale['breakdown']['components']} "
        "components: "
        + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in scale["breakdown"]["seconds"].items())
        + ".",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    args = arguments()
    work = Path(tempfile.mkdtemp(prefix="bench-harness-"))
    try:
        documents = render_documents(args.catalog, work / "rendered")
        results = {
            "meta": meta(args.repeat),
            "check": check_command(args.catalog, args.repeat),
            "documents": len(documents),
            "per_document": per_document(documents, args.repeat, work),
            "scaling": scaling(QUICK_SIZES if args.quick else SIZES, args.repeat, work),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "harness.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    table = markdown(results)
    (args.out / "harness.md").write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
