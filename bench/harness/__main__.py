"""Run the harness benchmark: `python -m bench.harness [--repeat N] [--quick] [--out DIR]`."""

from __future__ import annotations

import argparse
import compileall
import csv
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import ci_catalog
from ci_catalog.catalog import load_catalog
from ci_catalog.cli.commands import validate_report
from ci_catalog.lint import lint_catalog
from ci_catalog.lint.config import find_config
from ci_catalog.lint.shellcheck_runner import find_shellcheck
from ci_catalog.local import gitlab_ci_local
from ci_catalog.render import RenderOptions, render_path
from ci_catalog.schema import as_json, fast_validator, fast_verdict, gitlab_ci_validator
from ci_catalog.validate import schema_problems
from ci_catalog.yamlread import read_document

from ..machine import describe
from ..stats import cell, least_squares
from .documents import Document, component_context, git_project, render_documents, synthetic_catalog
from .measure import cache_runs, command_samples, timed

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GITLAB_CI_LOCAL = gitlab_ci_local.executable()  # pinned; scripts/setup --test installs it
SCHEMA_TESTS = Path(os.environ.get("CI_CATALOG_SHARED", ROOT.parent / "shared")) / "conformance" / "schema-tests"
SIZES = (10, 100, 1000)
QUICK_SIZES = (10, 30)
# check-jsonschema's own copy of GitLab's schema (the one ci-catalog also loads), and its
# loader for GitLab's `!reference` tags.
CHECK_JSONSCHEMA = ["--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci"]
# The goals (seconds; medians), and the memory budget of every run.
GOALS = {
    "check on this catalog, cold cache": 1.0,
    "check on this catalog, nothing changed": 0.4,
    "check on 100 components, cold cache": 8.0,
    "check on 100 components, nothing changed": 1.5,
    "lint of one component (pre-commit), nothing changed": 0.3,
}
MEMORY_GOAL_MIB = 200


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.harness", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="synthetic catalogs of 10 and 30 components only")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--catalog", type=Path, default=ROOT)
    return parser.parse_args()


def compile_bytecode() -> None:
    """Byte-compile the harness and its libraries, as pip and uv install them: an environment
    that may not write bytecode (PYTHONDONTWRITEBYTECODE) would otherwise compile every module
    on every run, a cost no installed tool pays."""
    folders = {Path(ci_catalog.__file__).parent, Path(sysconfig.get_paths()["purelib"])}
    for folder in sorted(folders):
        compileall.compile_dir(folder, quiet=2, workers=0)


def check_command(catalog: Path, repeat: int, work: Path) -> dict[str, Any]:
    """`ci-catalog check` as a user runs it: a new process, with an empty findings cache and
    with the cache the last run left. A synthetic catalog of 1,000 components breaks the
    too-many-components rule: exit 1 is expected."""
    return cache_runs([BIN / "ci-catalog", "check", catalog], catalog, repeat, work / "cache-check", allowed=(0, 1))


def lint_one_command(catalog: Path, repeat: int, work: Path) -> dict[str, Any]:
    """The pre-commit hook on a commit that changed one component: `ci-catalog lint FILE`."""
    first = sorted((catalog / "templates").glob("*/template.yml"))[0].relative_to(catalog)
    runs = cache_runs([BIN / "ci-catalog", "lint", first], catalog, repeat, work / "cache-lint", allowed=(0, 1))
    return runs | {"file": str(first)}


def _render_and_validate(document: Document) -> object:
    return validate_report(render_path(document.template, document.options))


def _validate_rendered(document: Document) -> object:
    return validate_report(render_path(document.rendered))


def _jsonschema_verdict(data: Any) -> bool:
    return gitlab_ci_validator().is_valid(as_json(data))


def per_document(documents: list[Document], repeat: int, work: Path) -> dict[str, Any]:
    """Each way of checking the same rendered documents, in seconds per document."""
    gitlab_ci_validator()  # compiled once per process: a cost the check command's row carries
    fast_validator()
    files = [document.rendered for document in documents]
    data = [render_path(file).data for file in files]
    count = len(documents)
    rows: dict[str, Any] = {
        "ci-catalog render + validate, in process (per component document)": _mean_of(
            [timed(partial(_render_and_validate, document), repeat) for document in documents]
        ),
        "ci-catalog validate of the rendered document, in process": _mean_of(
            [timed(partial(_validate_rendered, document), repeat) for document in documents]
        ),
        "schema verdict, jsonschema (Python), in process": _mean_of(
            [timed(partial(_jsonschema_verdict, document), repeat) for document in data]
        ),
        "schema verdict, jsonschema-rs (ci-catalog's fast path), in process": _mean_of(
            [timed(partial(fast_verdict, document), repeat) for document in data]
        ),
    }
    batch: dict[str, list[str | Path]] = {
        "ci-catalog validate, one process for all documents": [BIN / "ci-catalog", "validate", *files],
        "check-jsonschema, one process for all documents": [BIN / "check-jsonschema", *CHECK_JSONSCHEMA, *files],
    }
    # check-jsonschema refuses some documents GitLab accepts (see `verdicts`): exit 1 is allowed.
    for name, command in batch.items():
        samples = command_samples(command, work, repeat, allowed=(0, 1))
        rows[name] = {key: value / count if key != "runs" else value for key, value in samples["seconds"].items()}
    single: dict[str, Callable[[Path], list[str | Path]]] = {
        "ci-catalog validate, one process per document": lambda file: [BIN / "ci-catalog", "validate", file],
        "check-jsonschema, one process per document": lambda file: [BIN / "check-jsonschema", *CHECK_JSONSCHEMA, file],
    }
    verdicts: dict[str, dict[str, str]] = {}
    for name, command_for in single.items():
        per_file = [command_samples(command_for(file), work, repeat, allowed=(0, 1)) for file in files]
        rows[name] = _mean_of([sample["seconds"] for sample in per_file])
        tool = name.split(",")[0]
        for file, sample in zip(files, per_file, strict=True):
            verdicts.setdefault(file.name, {})[tool] = "valid" if sample["returncode"] == 0 else "invalid"
    if GITLAB_CI_LOCAL.exists():
        rows["gitlab-ci-local --preview, one process per document"] = _mean_of(
            [_preview(document, work / "preview", repeat) for document in documents]
        )
    return {"rows": rows | marginal_rows(rows, count), "verdicts": verdicts}


def schema_validators(documents: list[Document]) -> dict[str, Any]:
    """jsonschema against jsonschema-rs on the same documents: GitLab's schema tests (../shared)
    and this catalog's rendered documents. Seconds for all of them, and how often they agree."""
    data = [render_path(document.rendered).data for document in documents]
    if (SCHEMA_TESTS / "manifest.tsv").exists():
        with (SCHEMA_TESTS / "manifest.tsv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                document = read_document((SCHEMA_TESTS / row["file"]).read_text(encoding="utf-8"), 2 * 1024 * 1024)
                assert document is not None
                for key, value in document.data.items():
                    data.append(value if row["mode"] == "global" else {key: value})
    python, fast = gitlab_ci_validator(), fast_validator()
    start = time.perf_counter()
    slow_verdicts = [python.is_valid(as_json(document)) for document in data]
    python_seconds = time.perf_counter() - start
    start = time.perf_counter()
    fast_verdicts = [fast_verdict(document) for document in data]
    fast_seconds = time.perf_counter() - start
    decided = [(slow, quick) for slow, quick in zip(slow_verdicts, fast_verdicts, strict=True) if quick is not None]
    return {
        "documents": len(data),
        "jsonschema_seconds": python_seconds,
        "jsonschema_rs_seconds": fast_seconds,
        "decided_by_jsonschema_rs": len(decided),
        "disagreements": sum(slow != quick for slow, quick in decided),
        "available": fast is not None,
    }


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
    samples: dict[str, float] = command_samples([GITLAB_CI_LOCAL, "--preview"], project, repeat, allowed=(0, 1))[
        "seconds"
    ]
    return samples


def _mean_of(summaries: list[dict[str, float]]) -> dict[str, float]:
    """The per-document figures averaged over the documents (median, min and max each)."""
    count = len(summaries)
    merged = {key: sum(summary[key] for summary in summaries) / count for key in ("median", "min", "max")}
    return {**merged, "runs": min(summary["runs"] for summary in summaries), "documents": count}


def scaling(sizes: tuple[int, ...], repeat: int, work: Path) -> dict[str, Any]:
    """`ci-catalog check` on synthetic catalogs, cold and warm: time against size, and the least-squares line."""
    points = {}
    for size in sizes:
        catalog = synthetic_catalog(ROOT, work / f"catalog-{size}", size)
        # The largest catalog costs minutes a run: one run of it.
        runs = check_command(catalog, repeat if size < 1000 else 1, work / f"scale-{size}")
        cold = runs["cold"]
        points[size] = {**cold, "ms_per_component": cold["seconds"]["median"] * 1000 / size, "warm": runs["warm"]}
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
    """Where a cold `check`'s time goes, in process: rendering, schema validation, and the lint
    rules (seconds of wall time; the lint's CPU time in this process and in ShellCheck's)."""
    gitlab_ci_validator()
    fast_validator()
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
    own, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    lint_catalog(catalog, find_config(catalog))
    linted = time.perf_counter()
    return {
        "load and render": rendered - start,
        "schema validation": validated - rendered,
        "lint": linted - validated,
        "lint, CPU in the harness": _cpu(resource.RUSAGE_SELF) - own,
        "lint, CPU in ShellCheck": _cpu(resource.RUSAGE_CHILDREN) - children,
    }


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def meta(repeat: int) -> dict[str, Any]:
    def version(*command: str | Path) -> str:
        done = subprocess.run(list(map(str, command)), capture_output=True, text=True, check=False)
        return (done.stdout or done.stderr).strip().splitlines()[-1]

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    shellcheck = find_shellcheck()
    return {
        "date": datetime.date.today().isoformat(),
        "commit": git("rev-parse", "HEAD"),
        # The results of an earlier run are not a change to what is measured.
        "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results")),
        "machine": describe(),
        "load_average": os.getloadavg(),
        "repetitions": repeat,
        "tools": {
            "python": platform.python_version(),
            "shellcheck": _shellcheck_version(shellcheck),
            "jsonschema": metadata.version("jsonschema"),
            "jsonschema-rs": metadata.version("jsonschema-rs"),
            "check-jsonschema": version(BIN / "check-jsonschema", "--version").split()[-1],
            "gitlab-ci-local": version(GITLAB_CI_LOCAL, "--version") if GITLAB_CI_LOCAL.exists() else "missing",
        },
    }


def _shellcheck_version(executable: str | None) -> str:
    if executable is None:
        return "missing"
    report = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False).stdout
    return next((line.split(":", 1)[1].strip() for line in report.splitlines() if line.startswith("version:")), "?")


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of the issue, what was measured, and whether it was met (medians)."""
    points = results["scaling"]["points"]
    measured = {
        "check on this catalog, cold cache": results["check"]["seconds"]["median"],
        "check on this catalog, nothing changed": results["check_warm"]["seconds"]["median"],
        "lint of one component (pre-commit), nothing changed": results["lint_one"]["warm"]["seconds"]["median"],
    }
    if 100 in points:
        measured["check on 100 components, cold cache"] = points[100]["seconds"]["median"]
        measured["check on 100 components, nothing changed"] = points[100]["warm"]["seconds"]["median"]
    rows = [
        {"goal": name, "target": GOALS[name], "measured": value, "met": value <= GOALS[name]}
        for name, value in measured.items()
    ]
    runs = [results["check"], results["check_warm"], results["lint_one"]["warm"]]
    runs += [run for point in points.values() for run in (point, point["warm"])]
    peak = max(run["tree_peak_mib"]["max"] for run in runs)
    memory = {"goal": "peak memory, every run (MiB)", "target": MEMORY_GOAL_MIB, "measured": peak}
    rows.append(memory | {"met": peak <= MEMORY_GOAL_MIB})
    return rows


def markdown(results: dict[str, Any]) -> str:
    info = results["meta"]
    check, warm, lint_one = results["check"], results["check_warm"], results["lint_one"]
    after = results["meta_after"]["load_average"]
    dirty = " (with uncommitted changes)" if info["uncommitted_changes"] else ""
    lines = [
        "# Harness benchmark",
        "",
        f"{info['date']}; commit {info['commit'][:12]}{dirty}; {info['machine']}; {info['repetitions']} repetitions; "
        f"tools: {', '.join(f'{k} {v}' for k, v in info['tools'].items())}.",
        "",
        f"Load average (1, 5, 15 min) at the start: {_load(info['load_average'])}; at the end: {_load(after)}. "
        "On a shared machine wall time grows with the load; CPU time (the harness and every ShellCheck "
        "process it starts, user + system) much less so.",
        "",
        "## Goals",
        "",
        "| goal | target | measured (median) | met |",
        "|---|---|---|---|",
    ]
    for goal in results["goals"]:
        unit = " MiB" if "MiB" in goal["goal"] else " s"
        digits = 0 if unit == " MiB" else 2
        lines.append(
            f"| {goal['goal']} | ≤ {goal['target']:g}{unit} | {goal['measured']:.{digits}f}{unit} | "
            f"{'yes' if goal['met'] else 'no'} |"
        )
    lines += [
        "",
        "## `ci-catalog check` and `lint` on this catalog",
        "",
        "Cold: an empty findings cache each run. Nothing changed: the cache the last cold run left.",
        "",
        "| run | wall seconds | CPU seconds | peak MiB, largest process | peak MiB, all processes |",
        "|---|---|---|---|---|",
    ]
    lint_name = f"`lint {lint_one['file']}`"
    for name, run in (
        ("`check`, cold cache", check),
        ("`check`, nothing changed", warm),
        (f"{lint_name}, cold cache", lint_one["cold"]),
        (f"{lint_name}, nothing changed", lint_one["warm"]),
    ):
        lines.append(_run_row(name, run))
    lines += [
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
        "The rows derived from two medians subtract medians of different runs: a figure near zero, or below it, "
        "is within their noise. The in-process rows measure ci-catalog's own cost per document directly.",
    ]
    differing = {
        name: verdict for name, verdict in results["per_document"]["verdicts"].items() if len(set(verdict.values())) > 1
    }
    lines += [
        "",
        "Verdicts that differ between the validators. An `invalid` from check-jsonschema alone is its schema "
        "check failing a document GitLab accepts; one from ci-catalog alone is a check GitLab's server makes "
        "beyond the schema, such as that a job's stage exists, which a document rendered on its own can fail "
        "where the project that includes it passes:",
        "",
    ]
    lines += [f"- {name}: {verdict}" for name, verdict in differing.items()] or ["- none"]
    schema = results["schema"]
    lines += [
        "",
        "## jsonschema against jsonschema-rs",
        "",
        f"The same {schema['documents']} documents (GitLab's schema tests from ../shared, when present, and "
        f"this catalog's rendered documents), one verdict each: jsonschema "
        f"{schema['jsonschema_seconds'] * 1000:.0f} ms, jsonschema-rs as ci-catalog uses it "
        f"{schema['jsonschema_rs_seconds'] * 1000:.0f} ms. jsonschema-rs decided "
        f"{schema['decided_by_jsonschema_rs']} of them (the others hold characters outside printable ASCII, "
        f"and go to jsonschema) and disagreed with jsonschema on {schema['disagreements']}.",
    ]
    scale = results["scaling"]
    lines += [
        "",
        "## Scaling: `ci-catalog check` on synthetic catalogs",
        "",
        "Copies of this catalog's components, each copy's scripts its own (a comment naming the copy opens "
        "each block script).",
        "",
        "| components | cold: wall seconds | ms per component | CPU seconds | peak MiB, largest / all | "
        "nothing changed: wall seconds | peak MiB, all |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, point in scale["points"].items():
        lines.append(
            f"| {size} | {cell(point['seconds'])} | {point['ms_per_component']:.1f} | {cell(point['cpu_seconds'])} | "
            f"{point['peak_mib']['median']:.0f} / {point['tree_peak_mib']['median']:.0f} | "
            f"{cell(point['warm']['seconds'])} | {point['warm']['tree_peak_mib']['median']:.0f} |"
        )
    lines += [
        "",
        f"Least-squares line (cold): {scale['slope_ms_per_component']:.1f} ms per component, "
        f"{scale['intercept_s']:.2f} s fixed.",
        "",
        f"Where the time of a cold `check` goes, in one process, on the catalog of "
        f"{scale['breakdown']['components']} components: "
        + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in scale["breakdown"]["seconds"].items())
        + ".",
    ]
    return "\n".join(lines) + "\n"


def _run_row(name: str, run: dict[str, Any]) -> str:
    return (
        f"| {name} | {cell(run['seconds'])} | {cell(run['cpu_seconds'])} | {cell(run['peak_mib'], 0)} | "
        f"{cell(run['tree_peak_mib'], 0)} |"
    )


def _load(averages: list[float] | tuple[float, ...]) -> str:
    return ", ".join(f"{value:.2f}" for value in averages)


def main() -> None:
    args = arguments()
    compile_bytecode()
    work = Path(tempfile.mkdtemp(prefix="bench-harness-"))
    try:
        documents = render_documents(args.catalog, work / "rendered")
        results: dict[str, Any] = {"meta": meta(args.repeat)}
        runs = check_command(args.catalog, args.repeat, work)
        results["check"], results["check_warm"] = runs["cold"], runs["warm"]
        results["lint_one"] = lint_one_command(args.catalog, args.repeat, work)
        results["documents"] = len(documents)
        results["per_document"] = per_document(documents, args.repeat, work)
        results["schema"] = schema_validators(documents)
        results["scaling"] = scaling(QUICK_SIZES if args.quick else SIZES, args.repeat, work)
        results["meta_after"] = {"load_average": os.getloadavg()}
        results["goals"] = goals(results)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "harness.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    table = markdown(results)
    (args.out / "harness.md").write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
