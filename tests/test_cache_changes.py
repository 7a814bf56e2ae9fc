"""Which entries of gitlab-ci-local's cache folders a runner would upload again after a warm run.

A runner's cache archiver archives and uploads a cache when an entry its paths match is newer
than its last archive; gitlab-ci-local also copies the folders above the paths, with the
times the job gave them, which a runner never looks at.
"""

from __future__ import annotations

import os
from pathlib import Path

from ci_catalog.local.cases import cache_entries_changed_since

BEFORE_NS = 1_000_000_000 * 1_000_000_000  # 2001-09-09: what the cache held is dated then
# The moment the warm run began: after what the cache held, before anything a test writes (a
# filesystem's clock may lag time.time_ns() by a tick, so "now" would not do).
MOMENT_NS = BEFORE_NS + 1


def cache_with_archive(folder: Path) -> Path:
    """A cache key's folder holding `.uv-cache/venv.tar`, every entry dated long ago."""
    archive = folder / "key" / ".uv-cache" / "venv.tar"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"archive")
    for path in (archive, archive.parent, archive.parent.parent):
        os.utime(path, ns=(BEFORE_NS, BEFORE_NS))
    return archive


def test_a_file_written_after_the_moment_counts(tmp_path: Path) -> None:
    archive = cache_with_archive(tmp_path)
    archive.write_bytes(b"another archive")
    assert cache_entries_changed_since(tmp_path, MOMENT_NS) == ["key/.uv-cache/venv.tar"]


def test_a_folder_above_the_cached_files_does_not_count_when_its_time_changed(tmp_path: Path) -> None:
    """The job made `.uv-cache/uv` beside the archive (uv's own cache, not a cache path)."""
    archive = cache_with_archive(tmp_path)
    (archive.parent / "uv").mkdir()
    (archive.parent / "uv" / "CACHEDIR.TAG").write_text("tag")
    (archive.parent / "uv" / "CACHEDIR.TAG").unlink()
    (archive.parent / "uv").rmdir()
    assert archive.parent.stat().st_mtime_ns > MOMENT_NS
    assert cache_entries_changed_since(tmp_path, MOMENT_NS) == []


def test_an_empty_folder_made_after_the_moment_counts(tmp_path: Path) -> None:
    cache_with_archive(tmp_path)
    (tmp_path / "key" / "empty").mkdir()
    assert cache_entries_changed_since(tmp_path, MOMENT_NS) == ["key/empty"]


def test_nothing_counts_when_nothing_was_written(tmp_path: Path) -> None:
    cache_with_archive(tmp_path)
    assert cache_entries_changed_since(tmp_path, MOMENT_NS) == []
