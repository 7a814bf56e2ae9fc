"""The one way files and folders are written: beside the target, synced, then renamed over it.

Readers (and a crash) see the old file or the new one, never a part of one. A link is
written through to the file it names, so it stays a link; with `within`, a link that
leads outside that folder is refused instead. Staging carries the writer's process id:
what a killed run left behind is removed by the next write to the same place, and what
a failed write made is removed at once. Every failure is a `WriteError` that names the
path and the reason (a read-only file system, a full disk, a missing folder).
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from ci_catalog.exits import UsageError

# `.<name>.ci-catalog-<pid>-<random>.<new|old|tmp>`: the pid says whether its writer still runs.
_STAGING_TAG = "ci-catalog"

_REASONS = {
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is larger than this process may write",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EPIPE: "the reader closed it (broken pipe)",
    errno.ENOENT: "the folder it goes in does not exist",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder; name a file",
}


class WriteError(UsageError):
    """A file or folder could not be written; the old one, if any, is intact."""


def reason(error: OSError) -> str:
    """What an OSError means to someone writing a file, in a few words."""
    return _REASONS.get(error.errno or 0) or error.strerror or str(error)


def real_path(path: Path, within: Path | None = None) -> Path:
    """Where writing `path` lands: links followed, and refused when that leaves `within`."""
    target = path.resolve()
    if within is not None and not target.is_relative_to(within.resolve()):
        raise WriteError(
            f"{path} leads to {target}, outside {within}: refusing to write there; "
            "replace the link with a real file or folder"
        )
    return target


def write_text(path: Path, text: str, within: Path | None = None) -> None:
    """Write `text` (UTF-8, line ends as given) to `path`; an existing file keeps its mode."""
    target = real_path(path, within)
    _check_folder(path, target.parent)
    remove_stale_staging(target)
    staging = _staging_name(target, "tmp")
    try:
        _write_file(staging, text.encode("utf-8", "surrogateescape"), _mode_for(target))
        os.replace(staging, target)
        _sync_folder(target.parent)
    except OSError as error:
        _discard(staging)
        raise _error(path, error) from None
    except BaseException:
        _discard(staging)
        raise


def replace_tree(out: Path, files: dict[str, str], within: Path | None = None) -> None:
    """Make folder `out` hold exactly `files` (relative path -> text): built beside it, swapped in whole."""
    target = real_path(out, within)
    make_folder(target.parent, named=out.parent)
    remove_stale_staging(target)
    staging = _staging_name(target, "new")
    try:
        _build_tree(staging, files)
        _swap(staging, target)
        _sync_folder(target.parent)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise _error(out, error) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def make_folder(path: Path, within: Path | None = None, named: Path | None = None) -> Path:
    """Make folder `path` (and those above it) unless it exists; returns where it is."""
    target = real_path(path, within)
    shown = named or path
    try:
        target.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise WriteError(f"cannot create {shown}: a file stands where the folder must go") from None
    except OSError as error:
        raise WriteError(f"cannot create {shown}: {reason(error)}") from None
    return target


def remove_file(path: Path, within: Path | None = None) -> None:
    """Remove the file `path` names (a link itself, never what it points at)."""
    if within is not None:
        real_path(path.parent, within)
    try:
        path.unlink()
    except OSError as error:
        raise _error(path, error) from None


def remove_stale_staging(target: Path) -> None:
    """Remove what killed writers of `target` left beside it; an `old` copy whose swap never
    finished is put back first when `target` itself is gone."""
    for leftover, pid, kind in _staging_beside(target):
        if pid == os.getpid() or _running(pid):
            continue
        try:
            if kind == "old" and not target.exists() and not target.is_symlink():
                os.replace(leftover, target)
            elif leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
        except OSError:
            continue  # a read-only folder, say: the write itself will say what is wrong


# ----- the parts -----


def _check_folder(path: Path, folder: Path) -> None:
    if not folder.is_dir():
        what = "is a file" if folder.exists() else "does not exist"
        raise WriteError(f"cannot write {path}: the folder {folder} {what}; create the folder first")
    if path.is_dir():
        raise WriteError(f"cannot write {path}: it is a folder; name a file")


def _write_file(path: Path, data: bytes, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as output:
        output.write(data)
        output.flush()
        os.fsync(output.fileno())
    os.chmod(path, mode)


def _build_tree(staging: Path, files: dict[str, str]) -> None:
    staging.mkdir(mode=0o700)
    file_mode, folder_mode = _mode_for(None), _mode_for(None, folder=True)
    for name, text in files.items():
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_file(path, text.encode("utf-8", "surrogateescape"), file_mode)
    for folder in sorted((path for path in staging.rglob("*") if path.is_dir()), reverse=True):
        folder.chmod(folder_mode)
    staging.chmod(folder_mode)


def _swap(staging: Path, target: Path) -> None:
    if not target.exists():
        os.replace(staging, target)
        return
    old = _staging_name(target, "old")
    os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _discard(path: Path) -> None:
    """Remove a staging file if there is one (on a read-only file system there is none)."""
    try:
        path.unlink()
    except OSError:
        pass


def _sync_folder(folder: Path) -> None:
    """The rename is durable only once the folder that holds the name is synced."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems cannot sync a folder; the data itself was synced
    finally:
        os.close(descriptor)


def _mode_for(target: Path | None, folder: bool = False) -> int:
    """An existing file keeps its mode; a new one gets what the umask allows (staging is private)."""
    if target is not None and target.exists():
        return target.stat().st_mode & 0o7777
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if folder else 0o666) & ~mask


def _staging_name(target: Path, kind: str) -> Path:
    return target.with_name(f".{target.name}.{_STAGING_TAG}-{os.getpid()}-{secrets.token_hex(4)}.{kind}")


def _staging_beside(target: Path) -> Iterator[tuple[Path, int, str]]:
    prefix = f".{target.name}.{_STAGING_TAG}-"
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        stem, _, kind = entry.name[len(prefix) :].rpartition(".")
        pid, _, _ = stem.partition("-")
        if kind in ("new", "old", "tmp") and pid.isdigit():
            yield entry, int(pid), kind


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _error(path: Path, error: OSError) -> WriteError:
    if error.errno == errno.ENOENT and path.parent.is_dir():
        # The folder is there, yet a file cannot be made in it: /proc, say.
        return WriteError(f"cannot write {path}: the folder {path.parent} takes no new files")
    return WriteError(f"cannot write {path}: {reason(error)}")
