"""## What it does
Checks for script lines that pipe a download into a shell, such as `curl … | sh`.
The forms are `curl … | sh` (or `bash`, `zsh`, …, with or without `sudo`),
`wget -O- … | sh`, `bash <(curl …)`, `source <(curl …)`, `sh -c "$(curl …)"` and
`eval "$(curl …)"`, in any `before_script`, `script`, `after_script` or
`hooks:pre_get_sources_script`, at any level of nested script lists.

## Why is this bad?
The job executes whatever the server returns at that moment, with the job's
credentials (`$CI_JOB_TOKEN`, deploy keys, protected variables) in its environment.
Nothing pins or checks it: a compromised or hijacked host, a DNS or proxy attack, or a
changed upstream script runs code in every pipeline that uses the component, and a
download cut short runs half a script. Downloading to a file first lets the job check
a checksum or signature, and pins what runs.

## Example
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: lint
---
"$[[ inputs.job_prefix ]]-shell":
  script:
    - curl -fsSL https://example.com/install.sh | sh
    - shellcheck ./*.sh
```

Use instead:
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: lint
---
"$[[ inputs.job_prefix ]]-shell":
  script:
    - curl -fsSLo install.sh https://example.com/v1.2.3/install.sh
    - echo "5d41402abc4b2a76b9719d911017c592ae1a8d2c2b7a8c0b5e9f2e4e5b6c7d8e  install.sh" | sha256sum -c
    - sh install.sh
    - shellcheck ./*.sh
```

## Known problems
Only `curl` and `wget` are recognised as downloads, and only shells (`sh`, `bash`,
`dash`, `zsh`, `ksh`, `ash`), `source`, `.` and `eval` as what runs them: `curl … |
python3` is not reported. A download saved to a file and run without a check is not
reported either. Shell comment lines (`# curl … | sh`) are skipped, but the text of an
`echo` is not told apart from a command.

## References
- https://docs.gitlab.com/ci/components/ (security best practices)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ci_catalog.cimodel import all_script_lines
from ci_catalog.lint.context import FileContext
from ci_catalog.problems import Problem, format_json_path

ID = "pipe-to-shell"
SEVERITY = "error"
SCOPE = "file"

DOWNLOAD = r"(?<![\w-])(?:curl|wget)(?![\w-])"
SHELL_NAME = r"(?:/usr/local/bin/|/usr/bin/|/bin/)?(?:ba|da|z|k|a)?sh(?![\w.-])"
SHELL = rf"(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+(?:\w+=\S*\s+)*)?{SHELL_NAME}"
PATTERNS = (
    # curl … | sh, curl … | tee log | sudo bash -s --, but not `curl … || sh` or past `&&`, `;`
    re.compile(rf"{DOWNLOAD}(?:(?!&&|\|\||;)[^\n])*?(?<!\|)\|(?!\|)\s*{SHELL}"),
    # bash <(curl …), source <(curl …), . <(curl …)
    re.compile(rf"(?:(?<![\w-]){SHELL_NAME}|(?<![\w-])source|(?<![\w.-])\.)\s+(?:-\S+\s+)*<\(\s*{DOWNLOAD}"),
    # sh -c "$(curl …)", eval "$(curl …)", eval `curl …`
    re.compile(rf"(?:(?<![\w-]){SHELL_NAME}\s+(?:-\w+\s+)*-\w*c|(?<![\w-])eval)\s+[\"']?(?:\$\(|`)\s*{DOWNLOAD}"),
)
SNIPPET = 60


def check(ctx: FileContext) -> Iterator[Problem]:
    for line in all_script_lines(ctx.content):
        holder = line.holder
        owner = {"job": f"Job `{holder.name}`", "default": "`default`"}.get(holder.kind, "A global script")
        for offset, found in _downloads_run(line.text):
            message = (
                f"{owner} pipes a download into a shell (`{_snippet(found)}`); "
                "save it to a file, check its checksum or signature, then run it"
            )
            yield ctx.problem(message, ctx.string_place(line.path, line.text, offset), format_json_path(line.path))


def _downloads_run(text: str) -> Iterator[tuple[int, str]]:
    """Where each download run by a shell starts in `text`, and its text, continued lines joined."""
    if "curl" not in text and "wget" not in text:
        return  # every pattern needs one of them: the common case costs no regular expression
    # Two spaces for a backslash and line break keep every offset where it was.
    joined = re.sub(r"\\\n", "  ", text)
    start = 0
    for line in joined.split("\n"):
        if not line.lstrip().startswith("#"):
            for pattern in PATTERNS:
                for match in pattern.finditer(line):
                    yield start + match.start(), match.group(0)
        start += len(line) + 1


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"
