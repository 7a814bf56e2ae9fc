"""Stage 6: lint rules for component authors, run over files or a whole catalog.

Many files are linted as one batch (`lint_files`): ShellCheck checks the scripts of many
files per process, on every core, while the next files are read and the other rules
run; with a `FindingsCache`, a file whose findings are cached is not read at all.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ci_catalog.catalog import Catalog, load_catalog
from ci_catalog.lint.suppress import drop_suppressed
from ci_catalog.loading import LoadedFile, SourceFile, load_text, read_source_file
from ci_catalog.problems import Problem

# The rules and what they look at (a file rendered, `lint.context`) are imported only for a
# file whose findings are not in the cache: a `lint` from pre-commit with nothing changed
# needs neither.
if TYPE_CHECKING:
    from ci_catalog.lint.cache import FindingsCache
    from ci_catalog.lint.config import LintConfig
    from ci_catalog.lint.shellcheck_runner import Outcome, Runner

# A batch rule's scripts wait for ShellCheck at most this many batches deep: reading files
# faster than ShellCheck checks them must not hold a whole large catalog in memory.
BACKLOG_BATCHES = 2


def lint_loaded(loaded: LoadedFile, config: LintConfig) -> list[Problem]:
    """Every enabled file rule over one loaded file, minus inline suppressions."""
    linter = _Linter(config)
    linter.add(loaded)
    return linter.finish()


def lint_text(text: str, path: str, config: LintConfig | None = None) -> list[Problem]:
    from ci_catalog.lint.config import LintConfig  # see the note at the imports

    return lint_loaded(load_text(text, path), config or LintConfig())


def lint_file(path: Path, config: LintConfig, cache: FindingsCache | None = None) -> list[Problem]:
    return lint_files([path], config, cache)


def lint_files(
    paths: Iterable[Path],
    config: LintConfig,
    cache: FindingsCache | None = None,
    progress: Callable[[], None] | None = None,
) -> list[Problem]:
    """The file rules over each file, as one batch; `progress` is called as each file is done."""
    return start_lint_files(paths, config, cache, progress).finish()


def lint_catalog(
    root: Path, config: LintConfig, cache: FindingsCache | None = None, progress: Callable[[], None] | None = None
) -> list[Problem]:
    """Catalog rules over the folder, then file rules over each component."""
    catalog = load_catalog(root)
    run = open_lint_catalog(root, config, catalog, cache, progress)
    for component in catalog.components:
        run.add(read_source_file(component.path))
    return run.finish()


class LintRun:
    """Linting that ShellCheck may still be busy with: the caller can do other work meanwhile,
    calling `poll` now and then so that finished processes hand over and waiting ones start;
    `finish` waits for the rest and gives every finding."""

    def __init__(self, linter: _Linter, problems: list[Problem]) -> None:
        self._linter = linter
        self._problems = problems

    def add(self, source: SourceFile) -> None:
        """Lint one more file; its scripts go to ShellCheck as batches fill."""
        self._linter.add_source(source)

    def poll(self) -> None:
        """Let finished ShellCheck processes hand over their findings and waiting batches start."""
        self._linter.poll()

    def finish(self) -> list[Problem]:
        return sort_problems(self._problems + self._linter.finish())


def start_lint_files(
    paths: Iterable[Path],
    config: LintConfig,
    cache: FindingsCache | None = None,
    progress: Callable[[], None] | None = None,
) -> LintRun:
    """`lint_files`, returning once every file is read and its scripts are handed to ShellCheck."""
    return _start(list(paths), config, cache, progress, [])


def open_lint_catalog(
    root: Path,
    config: LintConfig,
    catalog: Catalog,
    cache: FindingsCache | None = None,
    progress: Callable[[], None] | None = None,
) -> LintRun:
    """The catalog rules over the folder (`catalog`, read from `root`), and a run that the
    caller adds each component to."""
    from ci_catalog.lint.context import CatalogContext  # see the note at the imports

    problems = unique_problems(catalog.problems + config.problems)
    for rule in config.enabled("catalog"):
        problems.extend(rule.check(CatalogContext(root, catalog, rule.ID, config.severity_of(rule), catalog.files)))
    paths = [component.path for component in catalog.components]
    return LintRun(_Linter(config, cache, progress, expected_bytes=_size(paths)), problems)


def _start(
    paths: list[Path],
    config: LintConfig,
    cache: FindingsCache | None,
    progress: Callable[[], None] | None,
    problems: list[Problem],
) -> LintRun:
    linter = _Linter(config, cache, progress, expected_bytes=_size(paths))
    for path in paths:
        linter.add_source(read_source_file(path))
    linter.poll(flush=True)
    return LintRun(linter, problems)


def unique_problems(problems: list[Problem]) -> list[Problem]:
    """Each problem once, though two readers of one file (by two names of it) found it."""
    found: dict[tuple[str, int, int, str], Problem] = {}
    for problem in problems:
        found.setdefault((os.path.realpath(problem.file), problem.line, problem.column, problem.message), problem)
    return list(found.values())


def sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line, p.column, p.code, p.message))


@dataclass(eq=False)
class _File:
    """One file's findings as they come in: the rules that hand work to ShellCheck finish later."""

    text: str  # for its suppression comments ("" when it did not load: nothing to suppress)
    key: str | None
    problems: list[Problem] = field(default_factory=list)
    waiting: int = 0
    sealed: bool = False


class _Linter:
    """Lints files one after another; batch rules (`prepare`/`findings`) share one Runner."""

    def __init__(
        self,
        config: LintConfig,
        cache: FindingsCache | None = None,
        progress: Callable[[], None] | None = None,
        expected_bytes: int = 0,
    ) -> None:
        self.config = config
        self.cache = cache
        self.progress = progress
        self.expected_bytes = expected_bytes
        self.results: list[Problem] = []
        self._runner: Runner | None = None

    @functools.cached_property
    def rules(self) -> list[tuple[ModuleType, str]]:
        """The file rules and their severities, imported when the first file is linted (not
        for a run whose findings all come from the cache)."""
        return [(rule, self.config.severity_of(rule)) for rule in self.config.enabled("file")]

    def runner(self, rule: ModuleType) -> Runner:
        if self._runner is None:
            from ci_catalog.lint.shellcheck_runner import Runner, default_workers

            workers = default_workers()
            # Scripts are about half of a file: four batches a process, so that all end about together.
            self._runner = Runner(rule.SHELL, workers=workers, batch_bytes=self.expected_bytes // (8 * workers))
        return self._runner

    def add_source(self, source: SourceFile) -> None:
        """Lint a file read already: from the cache when its findings are there (it is not loaded then)."""
        key = None
        if self.cache is not None and source.raw is not None:
            key = self.cache.key(source.path, source.raw)
            cached = self.cache.get(key)
            if cached is not None:
                self._done(cached)
                return
        self.add(source.loaded, key)

    def add(self, loaded: LoadedFile, key: str | None = None) -> None:
        entry = _File("" if loaded.problems else loaded.text, key)
        if loaded.problems:
            entry.problems = list(loaded.problems)
        else:
            from ci_catalog.lint.context import FileContext  # see the note at the imports

            context = FileContext(loaded)
            for rule, severity in self.rules:
                ctx = context.for_rule(rule.ID, severity)
                if not hasattr(rule, "prepare"):
                    entry.problems.extend(rule.check(ctx))
                    continue
                prepared = rule.prepare(ctx)
                texts = prepared.texts
                if not texts:
                    entry.problems.extend(rule.findings(prepared, []))
                    continue
                entry.waiting += 1
                self.runner(rule).submit(texts, self._collect(entry, rule, prepared))
        entry.sealed = True
        self._maybe_complete(entry)
        if self._runner is not None:
            self._runner.throttle(BACKLOG_BATCHES)

    def poll(self, flush: bool = False) -> None:
        """Let ShellCheck's finished processes hand over and waiting batches start (with `flush`,
        the batch being filled too)."""
        if self._runner is not None:
            self._runner.poll(flush)

    def finish(self) -> list[Problem]:
        if self._runner is not None:
            self._runner.wait()
        return sort_problems(self.results)

    def _collect(self, entry: _File, rule: ModuleType, prepared: object) -> Callable[[list[Outcome]], None]:
        def done(outcomes: list[Outcome]) -> None:
            entry.problems.extend(rule.findings(prepared, outcomes))
            entry.waiting -= 1
            self._maybe_complete(entry)

        return done

    def _maybe_complete(self, entry: _File) -> None:
        if not entry.sealed or entry.waiting:
            return
        problems = entry.problems
        if entry.text:
            problems = drop_suppressed(problems, entry.text)
        problems = sort_problems(problems)
        if entry.key is not None and self.cache is not None:
            self.cache.put(entry.key, problems)
        self._done(problems)

    def _done(self, problems: list[Problem]) -> None:
        self.results.extend(problems)
        if self.progress is not None:
            self.progress()


def _size(paths: list[Path]) -> int:
    """The files' bytes together (what cannot be read counts nothing)."""
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total
