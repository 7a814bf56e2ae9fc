"""`ci-catalog expand PIPELINE`: print the merged pipeline GitLab would build, as YAML or JSON.

Exit codes: 0 printed (warnings, if any, on stderr); 1 problems (each on stderr with its
file and place, and nothing on stdout); 2 usage (no such file, a catalog that cannot be
opened or cloned).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from ci_catalog.cli.versions_command import print_problems, resolve_context
from ci_catalog.emit import to_json, to_yaml
from ci_catalog.exits import Exit, UsageError
from ci_catalog.local.expand import ExpandOptions, Expansion, check_expansion, expand_pipeline
from ci_catalog.options import parse_input_flags
from ci_catalog.yamlread import Reference


def expansion_for(args: argparse.Namespace) -> Expansion:
    """The merged pipeline the options describe, with its problems: what `expand` prints."""
    path = Path(args.pipeline)
    if not path.is_file():
        raise UsageError(f"{path}: no such file (name the project's pipeline file)")
    root = Path(args.root) if args.root else project_root(path)
    if not root.is_dir():
        raise UsageError(f"--root {root}: no such folder")
    context, notes = resolve_context(args, path)
    inputs = parse_input_flags(args.input) or None
    options = ExpandOptions(keep_unresolved=args.keep_unresolved, inputs=inputs)
    expansion = expand_pipeline(path, root, context, options)
    expansion.problems = notes + expansion.problems
    return expansion


def expand(args: argparse.Namespace) -> int:
    expansion = expansion_for(args)
    pipeline = expansion.pipeline
    if expansion.ok:
        built = check_expansion(expansion)
        if args.resolve_extends:
            pipeline = built
    print_problems(expansion.problems, sys.stderr)
    if not expansion.ok:
        errors = sum(problem.severity == "error" for problem in expansion.problems)
        print(f"{expansion.path}: not expanded: {errors} error(s)", file=sys.stderr)
        return Exit.PROBLEMS
    if args.format == "json":
        print(to_json(tagged_references(pipeline)))
    else:
        sys.stdout.write(to_yaml(pipeline))
    return Exit.OK


def project_root(pipeline: Path) -> Path:
    """The top of the git work tree that holds the pipeline file, else the file's folder."""
    folder = pipeline.resolve().parent
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
        )
    except OSError:
        return pipeline.parent
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else pipeline.parent


def tagged_references(value: Any) -> Any:
    """The pipeline for JSON: a `!reference` list becomes `{"!reference": [...]}`, not a plain list."""
    if isinstance(value, Reference):
        return {"!reference": [tagged_references(item) for item in value]}
    if isinstance(value, dict):
        return {key: tagged_references(item) for key, item in value.items()}
    if isinstance(value, list):
        return [tagged_references(item) for item in value]
    return value
