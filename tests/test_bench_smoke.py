"""The benchmarks run once, with one repetition, so that they cannot rot: output is checked, speed is not."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bench.machine import describe

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "run"


def run_bench(only: str, out: Path) -> None:
    command = [RUN, "--only", only, "--quick", "--repeat", "1", "--out", out, "--no-setup"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_the_synthetic_catalogs_check_clean_so_the_benchmark_times_the_work_of_a_good_catalog(
    cli, tmp_path: Path
) -> None:
    from bench.harness.documents import synthetic_catalog

    catalog = synthetic_catalog(ROOT, tmp_path / "catalog", 6)
    result = cli("check", catalog, "--no-cache")
    assert (result.code, result.out) == (0, "checked 6 components, 6 input sets, 0 lint findings\n"), result.out


# About a minute: it times `check` at 10 and 30 components and `gitlab-ci-local --preview`.
@pytest.mark.slow
@pytest.mark.e2e
def test_harness_benchmark_writes_its_table_and_json(tmp_path: Path) -> None:
    run_bench("harness", tmp_path)
    results = json.loads((tmp_path / "harness.json").read_text())
    assert results["check"]["seconds"]["runs"] == 1
    assert results["check"]["peak_mib"]["median"] > 0
    rows = results["per_document"]["rows"]
    assert any(name.startswith("ci-catalog render + validate") for name in rows)
    assert any(name.startswith("check-jsonschema") for name in rows)
    assert set(results["scaling"]["points"]) == {"10", "30"}
    table = (tmp_path / "harness.md").read_text()
    assert "Least-squares line" in table and "| ci-catalog validate, one process for all documents |" in table
    # Runs on two machines compare only when the header says they are the same machine.
    assert f"; {describe()}; " in table.splitlines()[2]


@pytest.mark.slow
@pytest.mark.e2e
def test_pipeline_benchmark_writes_its_table_json_and_chart(tmp_path: Path) -> None:
    run_bench("pipeline", tmp_path)
    results = json.loads((tmp_path / "pipeline.json").read_text())
    contenders = set(results["summary"])
    assert {
        "seed baseline",
        "poetry-test cold",
        "poetry-test warm",
        "uv-cache hardlink cold",
        "uv-cache hardlink warm",
        "uv-cache hardlink warm job cold",
        "uv-cache hardlink warm job warm",
        "uv-cache copy warm",
        "uv-cache hardlink pruned cold",
        "uv-cache hardlink pruned warm",
        "deps-image consumer",
        "floor: copy .venv (cp -a)",
        "floor: hard-link .venv (cp -al)",
    } <= contenders
    for name in contenders:
        assert results["summary"][name]["no transfer"]["runs"] == 1, name
    assert {goal["contender"] for goal in results["goals"]} == {
        "uv-cache hardlink warm",
        "poetry-test warm",
        "deps-image consumer",
    }
    assert results["meta"]["executor"] in ("container", "shell")
    warm = results["summary"]["uv-cache hardlink warm"]
    assert warm["megabytes downloaded"]["median"] > 0
    assert warm["with transfer (Info-ZIP)"]["median"] > warm["no transfer"]["median"]
    assert warm["with transfer (tarzstd)"]["median"] > warm["no transfer"]["median"]
    assert 0 < warm["megabytes downloaded (tarzstd)"]["median"] < warm["megabytes downloaded"]["median"]
    table = (tmp_path / "pipeline.md").read_text()
    assert "| seed baseline |" in table and "## Goals" in table and "## Bytes moved" in table
    assert (tmp_path / "pipeline.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("archiver", ["zipfile", "Info-ZIP", "tarzstd"])
def test_each_model_of_the_runners_archiver_gives_back_the_files_and_links_it_archived(
    archiver: str, tmp_path: Path
) -> None:
    from bench.pipeline.cachezip import ARCHIVERS

    pack, unpack = ARCHIVERS[archiver]
    cache = tmp_path / "cache"
    (cache / "venv" / "bin").mkdir(parents=True)
    (cache / "venv" / "bin" / "python3.13").write_bytes(b"#!interpreter" * 1000)
    (cache / "venv" / "bin" / "python").symlink_to("python3.13")
    pack(cache, tmp_path / "archive", 1)
    unpack(tmp_path / "archive", tmp_path / "out")
    assert (tmp_path / "out" / "venv" / "bin" / "python3.13").read_bytes() == b"#!interpreter" * 1000
    assert (tmp_path / "out" / "venv" / "bin" / "python").readlink() == Path("python3.13")


def contender_names(only: list[str], tmp_path: Path) -> set[str]:
    from bench.pipeline.contenders import Fixtures, Setting, groups

    setting = Setting(Fixtures(tmp_path, tmp_path), tmp_path, tmp_path, before="HEAD")
    return {name for group in groups(setting, False, only) for name in group.contenders}


def test_pipeline_benchmark_runs_only_the_contenders_asked_for_and_the_seed_baseline(tmp_path: Path) -> None:
    assert contender_names(["poetry-test"], tmp_path) == {
        "seed baseline",
        "poetry-test cold",
        "poetry-test warm",
        "poetry-test cold (before)",
    }


def test_pipeline_benchmark_runs_the_deps_image_consumer_with_the_floors_that_copy_its_environment(
    tmp_path: Path,
) -> None:
    assert contender_names(["floor"], tmp_path) == {
        "seed baseline",
        "deps-image consumer",
        "floor: copy .venv (cp -a)",
        "floor: hard-link .venv (cp -al)",
    }


def test_pipeline_benchmark_runs_every_contender_unless_words_pick_some_by_the_start_of_their_names(
    tmp_path: Path,
) -> None:
    assert len(contender_names([], tmp_path)) == 16
    assert contender_names(["uv-cache hardlink"], tmp_path) == {
        "seed baseline",
        "uv-cache hardlink cold",
        "uv-cache hardlink warm",
        "uv-cache hardlink warm job cold",
        "uv-cache hardlink warm job warm",
        "uv-cache hardlink pruned cold",
        "uv-cache hardlink pruned warm",
        "uv-cache hardlink cold (before)",
    }
