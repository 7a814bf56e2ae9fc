"""uv-cache and poetry-test choose the runner's cache archive format (`cache_format`).

The runner reads `CACHE_COMPRESSION_FORMAT` from the job's variables; gitlab-ci-local
ignores it, so these tests check what the components hand the runner, and the pipeline
benchmark models what each format costs.
"""

from __future__ import annotations

from typing import Any

import pytest

from ci_catalog.processor import process
from ci_catalog.render import RenderOptions, RenderResult, render_path
from pipelines import ROOT

# The components with caches (every input has a default).
COMPONENTS = ("uv-cache", "poetry-test")


def rendered(component: str, inputs: dict[str, Any]) -> RenderResult:
    return render_path(ROOT / "templates" / component / "template.yml", RenderOptions(inputs=inputs))


def caching_jobs(component: str, inputs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The jobs of `component` that save or restore a cache, as GitLab builds them (`extends` merged)."""
    result = rendered(component, inputs)
    assert not result.problems, result.problems
    built = process(result.data, result.marks, result.path, component=True)
    assert not built.problems, built.problems
    return {name: body for name, body in built.data.items() if not name.startswith(".") and "cache" in body}


@pytest.mark.parametrize("component", COMPONENTS)
def test_every_caching_job_asks_the_runner_for_tar_and_zstd_by_default(component: str) -> None:
    jobs = caching_jobs(component, {})
    assert jobs
    for name, body in jobs.items():
        assert body["variables"]["CACHE_COMPRESSION_FORMAT"] == "tarzstd", name
        assert body["variables"]["CACHE_COMPRESSION_LEVEL"] == "fastest", name


@pytest.mark.parametrize("component", COMPONENTS)
def test_cache_format_zip_is_handed_to_the_runner_for_runners_before_17_1(component: str) -> None:
    jobs = caching_jobs(component, {"cache_format": "zip"})
    assert {body["variables"]["CACHE_COMPRESSION_FORMAT"] for body in jobs.values()} == {"zip"}


@pytest.mark.parametrize("component", COMPONENTS)
def test_a_cache_format_the_runner_does_not_know_is_refused_as_gitlab_refuses_it(component: str) -> None:
    result = rendered(component, {"cache_format": "gzip"})
    assert [problem.message for problem in result.problems] == [
        "`cache_format` input: `gzip` cannot be used because it is not in the list of allowed options"
    ]
