"""What a runner pays to move a job's cache: zip the cache paths, and unzip them.

gitlab-ci-local copies cache folders, which costs far less than a runner's archive; a
runner zips the paths after the job (unless no file changed: "Archive is up to date!")
and unzips them before the next one. This times the same work two ways, each at the
runner's default deflate level and at its fastest setting, which the components set
(`CACHE_COMPRESSION_LEVEL: fastest`):

- with Python's zipfile (the model of earlier runs);
- with Info-ZIP's `zip` and `unzip`, native code like the runner's Go archiver;
- as tar and Zstandard, the runner's `tarzstd` format (`CACHE_COMPRESSION_FORMAT`, which
  the components set), at its fastest level only: GNU tar piped through the `zstd`
  command-line tool on one core, at level 1 (the runner's fastest maps to Zstandard's
  fastest speed).

The upload and download are not timed: on a runner's local cache, or a nearby object
store, they are the smaller part. Their size is reported (`megabytes`, the archive's size).
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

# zlib's levels: 6 is the deflate default, 1 its fastest.
LEVELS = {"default": 6, "fastest": 1}
INFO_ZIP = "Info-ZIP"
TAR_ZSTD = "tarzstd"
# Each way of moving a cache, by name: the archiver and its level.
MODELS = {
    **{name: ("zipfile", level) for name, level in LEVELS.items()},
    **{f"{name}, {INFO_ZIP}": (INFO_ZIP, level) for name, level in LEVELS.items()},
    f"fastest, {TAR_ZSTD}": (TAR_ZSTD, 1),
}


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
    """Unzip into `target`, making symbolic links again, as the runner does (zipfile would
    write each as a file holding its target)."""
    with zipfile.ZipFile(source) as archive_file:
        for info in archive_file.infolist():
            if stat.S_ISLNK(info.external_attr >> 16):
                link = target / info.filename
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(archive_file.read(info).decode())
            else:
                archive_file.extract(info, target)


def info_zip_archive(folder: Path, target: Path, level: int) -> None:
    # -y keeps symbolic links as links, as the runner does.
    subprocess.run([_tool("zip"), "-q", "-r", "-y", f"-{level}", str(target), "."], cwd=folder, check=True)


def info_zip_extract(source: Path, target: Path) -> None:
    subprocess.run([_tool("unzip"), "-q", str(source), "-d", str(target)], check=True)


def tar_zstd_archive(folder: Path, target: Path, level: int) -> None:
    _piped(f"{_tool('tar')} -cf - . | {_tool('zstd')} -q -T1 -{level} -o {shlex.quote(str(target))}", folder)


def tar_zstd_extract(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    _piped(f"{_tool('zstd')} -q -d -c {shlex.quote(str(source))} | {_tool('tar')} -xf -", target)


def _piped(command: str, folder: Path) -> None:
    # pipefail: a failing archiver must fail the run, not time half an archive.
    subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=folder, check=True)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"`{name}` is not on PATH: install it (Debian: `apt-get install zip unzip zstd tar`)")
    return found


ARCHIVERS: dict[str, tuple[Callable[[Path, Path, int], None], Callable[[Path, Path], None]]] = {
    "zipfile": (archive, extract),
    INFO_ZIP: (info_zip_archive, info_zip_extract),
    TAR_ZSTD: (tar_zstd_archive, tar_zstd_extract),
}


def transfer_cost(folder: Path, model: str, scratch: Path) -> dict[str, float]:
    """Seconds to archive `folder` and to extract the archive again, and the archive's size."""
    archiver, level = MODELS[model]
    pack, unpack = ARCHIVERS[archiver]
    work = Path(tempfile.mkdtemp(dir=scratch))
    try:
        zipped = work / "cache.archive"
        start = time.perf_counter()
        pack(folder, zipped, level)
        archived = time.perf_counter() - start
        start = time.perf_counter()
        unpack(zipped, work / "out")
        extracted = time.perf_counter() - start
        return {"archive": archived, "extract": extracted, "megabytes": zipped.stat().st_size / 1e6}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cache_costs(caches: list[Path], scratch: Path) -> dict[str, dict[str, float]]:
    """For each model, the summed cost of the job's cache keys (one archive per key, as a runner makes)."""
    costs: dict[str, dict[str, float]] = {}
    for model in MODELS:
        total = {"archive": 0.0, "extract": 0.0, "megabytes": 0.0}
        for cache in caches:
            for key, value in transfer_cost(cache, model, scratch).items():
                total[key] += value
        costs[model] = total
    return costs
