"""The one writer of files and folders (`ci_catalog.writing`): all or nothing, through links, and tidy.

`docs`, `pin --write`, `site` and `lint --output` all write through it; the commands'
own tests show it from the outside, these show each promise on its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ci_catalog.writing import WriteError, remove_stale_staging, replace_tree, write_text


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_a_failed_write_leaves_the_old_file_whole_and_no_staging(tmp_path: Path, monkeypatch) -> None:
    page = tmp_path / "page.md"
    page.write_text("old page\n", encoding="utf-8")

    def refuse(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(WriteError, match=f"cannot write {page}: no space left on the device"):
        write_text(page, "new page\n" * 1000)
    assert page.read_text(encoding="utf-8") == "old page\n"
    assert names(tmp_path) == ["page.md"]


def test_a_rewritten_file_keeps_its_mode_and_a_new_one_gets_the_umasks(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("old\n", encoding="utf-8")
    script.chmod(0o750)
    write_text(script, "new\n")
    write_text(tmp_path / "new.txt", "text\n")
    mask = os.umask(0)
    os.umask(mask)
    assert (script.stat().st_mode & 0o777, (tmp_path / "new.txt").stat().st_mode & 0o777) == (0o750, 0o666 & ~mask)


def test_writing_a_link_writes_the_file_it_names_and_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real.yml").write_text("old\n", encoding="utf-8")
    (tmp_path / "link.yml").symlink_to("real.yml")
    write_text(tmp_path / "link.yml", "new\n")
    assert (tmp_path / "link.yml").is_symlink()
    assert (tmp_path / "real.yml").read_text(encoding="utf-8") == "new\n"


def test_a_link_that_leaves_the_allowed_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "inside").mkdir()
    (tmp_path / "outside.md").write_text("theirs\n", encoding="utf-8")
    (tmp_path / "inside" / "page.md").symlink_to(tmp_path / "outside.md")
    with pytest.raises(WriteError, match=r"outside .*inside: refusing to write there"):
        write_text(tmp_path / "inside" / "page.md", "ours\n", within=tmp_path / "inside")
    assert (tmp_path / "outside.md").read_text(encoding="utf-8") == "theirs\n"


def test_a_tree_replaces_the_old_one_whole(tmp_path: Path) -> None:
    replace_tree(tmp_path / "out", {"a.html": "a", "sub/b.html": "b"})
    replace_tree(tmp_path / "out", {"c.html": "c"})
    assert names(tmp_path / "out") == ["c.html"]
    assert names(tmp_path) == ["out"]


def _die_while_staging(target: Path, kind: str) -> None:
    """A real process that stages a write of `target` and is killed before it finishes."""
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "import ci_catalog.writing as writing\n"
        "target = Path(sys.argv[1])\n"
        "staged = writing._staging_name(target, sys.argv[2])\n"
        "staged.mkdir() if sys.argv[2] != 'tmp' else staged.write_text('half')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(target), kind], check=False)


@pytest.mark.parametrize("kind", ["tmp", "new"])
def test_what_a_killed_writer_staged_is_removed_by_the_next_write(tmp_path: Path, kind: str) -> None:
    _die_while_staging(tmp_path / "out", kind)
    assert len(names(tmp_path)) == 1
    if kind == "tmp":
        write_text(tmp_path / "out", "whole\n")
    else:
        replace_tree(tmp_path / "out", {"index.html": "whole"})
    assert names(tmp_path) == ["out"]


def test_a_folder_a_killed_swap_moved_aside_is_put_back_by_the_next_write(tmp_path: Path) -> None:
    replace_tree(tmp_path / "out", {"index.html": "first"})
    _die_while_staging(tmp_path / "out", "old")
    (old,) = [path for path in tmp_path.iterdir() if path.name.endswith(".old")]
    old.rmdir()
    (tmp_path / "out").rename(old)  # as if the swap was killed between its two renames
    remove_stale_staging(tmp_path / "out")
    assert names(tmp_path) == ["out"]
    assert (tmp_path / "out" / "index.html").read_text(encoding="utf-8") == "first"


def test_staging_of_a_writer_that_still_runs_is_left_alone(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        staged = tmp_path / f".out.ci-catalog-{sleeper.pid}-0badcafe.tmp"
        staged.write_text("in progress", encoding="utf-8")
        write_text(tmp_path / "out", "mine\n")
        assert staged.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
