"""Run the pipeline benchmark: `python -m bench.pipeline [--repeat N] [--quick] [--local-index] [--out DIR]`."""

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
from pathlib import Path
from typing import Any

from ..machine import describe
from . import ROOT
from .contenders import EXECUTOR, POETRY_VERSION, Fixtures, Setting, groups
from .report import chart, goals, markdown, summarise

HERE = Path(__file__).resolve().parent


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.pipeline", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of every contender (default 5)")
    parser.add_argument(
        "--quick", action="store_true", help="the small fixtures of the end-to-end tests, one uv link mode fewer"
    )
    parser.add_argument("--local-index", action="store_true", help="serve the locked packages from 127.0.0.1")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a new temporary one)")
    parser.add_argument("--note", default="", help="a sentence for the report, such as how loaded the machine was")
    parser.add_argument(
        "--before",
        metavar="REV",
        help="also run the cold jobs of uv-cache and poetry-test as their templates were at git revision REV",
    )
    parser.add_argument(
        "--contenders",
        metavar="WORDS",
        default="",
        help="only the contenders whose names start with one of these comma-separated words, and the seed "
        "baseline (such as poetry-test,uv-cache hardlink); default: all",
    )
    return parser.parse_args()


def tool_versions(setting: Setting) -> dict[str, str]:
    from pipelines import GITLAB_CI_LOCAL

    def first_line(*command: str) -> str:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        return (done.stdout or done.stderr).strip().splitlines()[0]

    return {
        "python": platform.python_version(),
        "uv": first_line(str(setting.tools / "uv"), "--version").split()[1],
        "poetry": POETRY_VERSION,
        "gitlab-ci-local": first_line(str(GITLAB_CI_LOCAL), "--version"),
    }


def main() -> None:
    args = arguments()
    from pipelines import job_tools

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.quick:
        fixtures = Fixtures(ROOT / "tests" / "fixtures" / "uv-project", ROOT / "tests" / "fixtures" / "poetry-project")
    else:
        fixtures = Fixtures(HERE / "fixtures" / "uv-service", HERE / "fixtures" / "poetry-service")
    setting = Setting(fixtures, work, job_tools(work / "bin"), before=args.before)
    # Read now: the scratch folder, with the job tools, is gone by the time the report is written.
    tools = tool_versions(setting)
    index = None
    if args.local_index:
        from .index import LocalIndex

        index = LocalIndex(work / "index", setting)
        setting.fixtures, setting.index_variables = index.start()
    try:
        runs = run_all(setting, args.repeat, args.quick, [word for word in args.contenders.split(",") if word])
    finally:
        if index is not None:
            index.stop()
        if args.work is None:
            # Its projects, caches and virtual environments take a few GB: kept only when asked for.
            shutil.rmtree(work, ignore_errors=True)
    write(runs, tools, args, fixtures)


def run_all(setting: Setting, repeat: int, quick: bool, only: list[str]) -> dict[str, list[dict[str, Any]]]:
    chosen = groups(setting, quick, only)
    for group in chosen:
        print(f"preparing {group.folder.name}", file=sys.stderr, flush=True)
        group.prepare()
    runs: dict[str, list[dict[str, Any]]] = {name: [] for group in chosen for name in group.contenders}
    for repetition in range(repeat):
        setting.zip_costs.clear()
        # Each repetition starts one group later, so that no contender always follows the same one.
        turn = repetition % len(chosen)
        for group in chosen[turn:] + chosen[:turn]:
            for name, result in group.repeat().items():
                runs[name].append(result)
                print(
                    f"rep {repetition + 1}/{repeat} {name}: {result['steps']['job']:.2f} s", file=sys.stderr, flush=True
                )
    return runs


def write(
    runs: dict[str, list[dict[str, Any]]], tools: dict[str, str], args: argparse.Namespace, fixtures: Fixtures
) -> None:
    summary = summarise(runs)
    checked = goals(summary)
    meta = {
        "date": datetime.date.today().isoformat(),
        "machine": describe(),
        "load_average": os.getloadavg(),
        "repetitions": args.repeat,
        "quick": args.quick,
        "fixtures": f"{fixtures.uv.name} (uv), {fixtures.poetry.name} (Poetry)",
        "index": "a local pypiserver on 127.0.0.1" if args.local_index else "PyPI",
        "executor": EXECUTOR,
        "before": args.before,
        "tools": tools,
        "note": args.note,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    document = {"meta": meta, "goals": checked, "summary": summary, "runs": runs}
    (args.out / "pipeline.json").write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    table = markdown(summary, checked, meta)
    (args.out / "pipeline.md").write_text(table, encoding="utf-8")
    chart(summary, args.out / "pipeline.png")
    print(table)


if __name__ == "__main__":
    main()
