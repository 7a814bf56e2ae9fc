"""What a runner pays to move a job's cache: zip the cache paths, and unzip them.

gitlab-ci-local copies cache folders, which costs far less than a runner's archive; a
runner zips the paths after the job (unless no file changed: "Archive is up to date!")
and unzips them before the next one. This times the same work with Python's zipfile at
the runner's default deflate level and at its fastest setting, which the components set
(`CACHE_COMPRESSION_LEVEL: fastest`). The upload and download are not counted: on a
runner's local cache, or a nearby object store, they are the smaller part.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
import zipfile
from pathlib import Path

# zlib's levels: 6 is the deflate default, 1 its fastest.
LEVELS = {"default": 6, "fastest": 1}


def archive(folder: Path, target: Path, level: int) -> None:
    """Zip everything under `folder`, keeping symbolic links as links, as the runner does."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive_file:
        for root, directories, files in os.walk(folder):
            for name in sorted(directories + files):
                path = Path(root, name)
                relative = str(path.relative_to(folder))
                if path.is_symlink():
                    info = zipfile.ZipInfo(relative)
                    info.external_attr = (stat.S_IFLNK | 0o777) << 16
                    archive_file.writestr(info, os.readlink(path))
                elif path.is_file():
                    archive_file.write(path, relative)


def extract(source: Path, target: Path) -> None:
    with zipfile.ZipFile(source) as archive_file:
        archive_file.extractall(target)


def transfer_cost(folder: Path, level: int, scratch: Path) -> dict[str, float]:
    """Seconds to archive `folder` and to extract the archive again, and the archive's size."""
    work = Path(tempfile.mkdtemp(dir=scratch))
    try:
        zipped = work / "cache.zip"
        start = time.perf_counter()
        archive(folder, zipped, level)
        archived = time.perf_counter() - start
        start = time.perf_counter()
        extract(zipped, work / "out")
        extracted = time.perf_counter() - start
        return {"archive": archived, "extract": extracted, "megabytes": zipped.stat().st_size / 1e6}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cache_costs(caches: list[Path], scratch: Path) -> dict[str, dict[str, float]]:
    """For each level, the summed cost of the job's cache keys (one archive per key, as a runner makes)."""
    costs: dict[str, dict[str, float]] = {}
    for name, level in LEVELS.items():
        total = {"archive": 0.0, "extract": 0.0, "megabytes": 0.0}
        for cache in caches:
            for key, value in transfer_cost(cache, level, scratch).items():
                total[key] += value
        costs[name] = total
    return costs
