"""The commands a shell script runs, read with tree-sitter's bash grammar.

For the `command-not-in-image` rule: the programs a script starts by name (from `PATH`),
the functions it defines, and the commands it installs on the way.

- A command is the first word of a simple command, after its assignments and redirections,
  wherever it is: in a pipeline, a list, `if`/`case`/loop bodies, a function's body, a
  subshell, `$(...)`, backquotes, `<(...)`, and in here-documents whose delimiter is not
  quoted (their `$(...)` run). A quoted here-document (`<<'PY'`) is data.
- Words that run the next word (`sudo`, `doas`, `env`, `exec`, `command`, `nice`,
  `nohup`, `time`, `timeout`, `stdbuf`, `ionice`, `setsid`, `xargs`) are commands
  themselves, and so is the word they run, after their options (and `env`'s assignments).
  `command -v NAME`, `command -V NAME`, `type`, `which` and `hash` only look a name up.
  `find`'s `-exec`/`-execdir`/`-ok`/`-okdir` runs the word after it.
- A script the grammar cannot read whole (its gaps are few: `${NAME%]}` is one) is read
  up to the first place it cannot: tree-sitter's recovery after it may take a keyword
  (`done`) for a command.
- Not commands: shell builtins and keywords, a name with a `/` (a path, such as
  `.venv/bin/python` or `"$tools/twine/bin/twine"`), and a name built from a variable or
  a substitution (`$cmd`), which cannot be known.
- Installs: `apt-get`/`apt`/`aptitude install`, `apk add`, `dnf`/`yum`/`microdnf install`,
  `pip`/`pip3`/`python3 -m pip install`, `uv pip install`, `uv tool install`,
  `pipx install` and `npm install -g`. A package gives the command of its own name, or
  those `PACKAGE_COMMANDS` lists (`xz-utils` gives `xz`, `openssh-client` gives `ssh`...).
  A package list that comes from a variable or a file (`$packages`, `-r requirements.txt`)
  may install anything: such an install has no known commands (`Install.commands` is None).

Commands given as a string to another program (`sh -c '...'`, `eval`, `uv run ...`,
`poetry run ...`) are not looked into: those run in the project's environment or are
text to this reader.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import tree_sitter
import tree_sitter_bash

# bash's builtins and keywords (`help` lists them), BusyBox ash's and POSIX's: never a
# program from PATH, even where one of the same name exists (`echo`, `test`, `kill`).
BUILTINS = frozenset(
    """
    : . [ [[ alias bg bind break builtin caller cd command compgen complete compopt continue
    coproc declare dirs disown echo enable eval exec exit export false fc fg getopts hash help
    history jobs kill let local logout mapfile popd printf pushd pwd read readarray readonly
    return select set shift shopt source suspend test time times trap true type typeset ulimit
    umask unalias unset wait
    """.split()
)
# Commands that run the command their arguments name, with the options of each that take
# a value (`sudo -u USER cmd`), and how many plain words come before the command
# (`timeout 10 cmd`).
WRAPPERS: dict[str, tuple[frozenset[str], int]] = {
    "sudo": (frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group"}), 0),
    "doas": (frozenset({"-u", "-C"}), 0),
    "env": (frozenset({"-u", "-C", "--unset", "--chdir"}), 0),
    "exec": (frozenset({"-a"}), 0),
    "command": (frozenset(), 0),
    "nice": (frozenset({"-n", "--adjustment"}), 0),
    "nohup": (frozenset(), 0),
    "time": (frozenset({"-f", "-o", "--format", "--output"}), 0),
    "timeout": (frozenset({"-s", "-k", "--signal", "--kill-after"}), 1),
    "stdbuf": (frozenset({"-i", "-o", "-e"}), 0),
    "ionice": (frozenset({"-c", "-n", "-p", "-P", "-u"}), 0),
    "setsid": (frozenset(), 0),
    "xargs": (
        frozenset({"-I", "-n", "-P", "-L", "-s", "-d", "-E", "-a", "--max-args", "--max-procs", "--delimiter"}),
        0,
    ),
}
# Commands that look a name up without running it.
LOOKUPS = frozenset({"type", "which", "hash"})
FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
# Packages whose commands are not (only) their own name. Both Debian's and Alpine's names.
PACKAGE_COMMANDS: dict[str, frozenset[str]] = {
    name: frozenset(commands.split())
    for name, commands in {
        "xz-utils": "xz unxz xzcat",
        "xz": "xz unxz xzcat",
        "zstd": "zstd unzstd zstdcat",
        "openssh-client": "ssh scp sftp ssh-add ssh-agent ssh-keygen ssh-keyscan",
        "openssh-client-default": "ssh scp sftp ssh-add ssh-agent ssh-keygen ssh-keyscan",
        "openssh": "ssh scp sftp ssh-add ssh-agent ssh-keygen ssh-keyscan",
        "openssh-clients": "ssh scp sftp ssh-add ssh-agent ssh-keygen ssh-keyscan",
        "build-essential": "gcc g++ cc c++ make cpp",
        "build-base": "gcc g++ cc c++ make cpp",
        "gnupg": "gpg gpgv gpg-agent",
        "gnupg2": "gpg gpgv gpg-agent",
        "dnsutils": "dig nslookup host",
        "bind-tools": "dig nslookup host",
        "bind9-dnsutils": "dig nslookup host",
        "procps": "ps pgrep pkill top free watch uptime",
        "procps-ng": "ps pgrep pkill top free watch uptime",
        "iproute2": "ip ss",
        "netcat-openbsd": "nc",
        "netcat-traditional": "nc",
        "python3-pip": "pip pip3",
        "py3-pip": "pip pip3",
        "python3-venv": "",
        "nodejs": "node",
        "postgresql-client": "psql pg_dump pg_restore pg_dumpall",
        "default-mysql-client": "mysql mysqldump",
        "mariadb-client": "mysql mysqldump mariadb",
        "libxml2-utils": "xmllint",
        "docker.io": "docker",
        "docker-cli": "docker",
        "awscli": "aws",
        "git-lfs": "git-lfs",
        "pre-commit": "pre-commit",
        "ca-certificates": "update-ca-certificates",
    }.items()
}
# What a package argument names, before a version, an architecture or extras:
# `poetry==2.5.1`, `git=1:2.39.5-0+deb12u2`, `curl:amd64`, `black[jupyter]`, `npm@10`.
_PACKAGE_NAME = re.compile(r"(@?[A-Za-z0-9][A-Za-z0-9._+-]*(?:/[A-Za-z0-9][A-Za-z0-9._+-]*)?)(.*)", re.DOTALL)
_VERSION_START = re.compile(r"(?:[=<>!~:@\[;]|$)")
# A node under which a word's value is not known before the script runs.
_DYNAMIC = frozenset(
    {
        "simple_expansion",
        "expansion",
        "command_substitution",
        "process_substitution",
        "arithmetic_expansion",
        "brace_expression",
    }
)


@dataclass(frozen=True)
class Call:
    """A command the script runs by name, and where its name starts in the script text."""

    name: str
    offset: int


@dataclass(frozen=True)
class Install:
    """Commands the script installs (None: not known, a variable or a file names them)."""

    offset: int
    commands: frozenset[str] | None


@dataclass
class ScriptCommands:
    """What one piece of script runs, defines and installs, in the order written."""

    calls: list[Call] = field(default_factory=list)
    functions: set[str] = field(default_factory=set)
    installs: list[Install] = field(default_factory=list)


@functools.cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


def script_commands(text: str) -> ScriptCommands:
    """The commands `text` runs, the functions it defines and what it installs."""
    source = text.encode("utf-8")
    tree = _parser().parse(source)
    reader = _Reader(source, len(source) != len(text))
    end = _first_error(tree.root_node)
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.start_byte >= end:
            continue  # the grammar lost its way here: what follows may be misread
        if node.type == "function_definition":
            name = node.child_by_field_name("name")
            if name is not None:
                reader.found.functions.add(reader.text(name))
        elif node.type == "command":
            reader.command(node)
        stack.extend(reversed(node.children))
    return reader.found


def _first_error(root: tree_sitter.Node) -> int:
    """Where the first part the grammar could not read starts (the text's end when none).

    After an error, tree-sitter resynchronises where it can, which may be in the middle of
    a loop (`done` read as a command): so only what comes before the first error counts.
    The grammar has its gaps (`${NAME%]}` is one), where bash reads on.
    """
    if not root.has_error:
        return root.end_byte + 1
    first = root.end_byte + 1
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            first = min(first, node.start_byte)
        elif node.has_error:
            stack.extend(node.children)
    return first


class _Reader:
    def __init__(self, source: bytes, multibyte: bool) -> None:
        self.source = source
        self.multibyte = multibyte
        self.found = ScriptCommands()

    def text(self, node: tree_sitter.Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def offset(self, node: tree_sitter.Node) -> int:
        """Where `node` starts in the text, in characters (tree-sitter counts bytes)."""
        if not self.multibyte:
            return node.start_byte
        return len(self.source[: node.start_byte].decode("utf-8", errors="ignore"))

    def literal(self, node: tree_sitter.Node) -> str | None:
        """A word's value when the text says it (quotes removed), else None."""
        if _is_dynamic(node):
            return None
        if node.type == "command_name" and node.named_children:
            return self.literal(node.named_children[0])
        if node.type == "raw_string":
            return self.text(node)[1:-1]
        if node.type == "string":
            return "".join(self.text(part) for part in node.named_children)
        if node.type == "concatenation":
            parts = [self.literal(part) for part in node.named_children]
            return None if any(part is None for part in parts) else "".join(part or "" for part in parts)
        return re.sub(r"\\(.)", r"\1", self.text(node))

    def command(self, node: tree_sitter.Node) -> None:
        name = node.child_by_field_name("name")
        if name is None:
            return
        words = [name, *node.children_by_field_name("argument")]
        values = [self.literal(word) for word in words]
        for index, value in _run_words(values):
            self.found.calls.append(Call(value, self.offset(words[index])))
            rest = values[index:]
            if value == "find":
                for position, flag in enumerate(rest[:-1]):
                    following = rest[position + 1]
                    if flag in FIND_EXEC and following and "/" not in following and following not in BUILTINS:
                        self.found.calls.append(Call(following, self.offset(words[index + position + 1])))
            is_install, installed = installs(rest, [self.text(word) for word in words[index:]])
            if is_install:
                self.found.installs.append(Install(self.offset(node), installed))


def _is_dynamic(node: tree_sitter.Node) -> bool:
    if node.type in _DYNAMIC:
        return True
    return any(_is_dynamic(child) for child in node.children)


def _run_words(values: list[str | None]) -> Iterator[tuple[int, str]]:
    """The words of a simple command that name programs: a wrapper, then what it runs."""
    index = 0
    while index < len(values):
        value = values[index]
        if value is None or not value or "/" in value:
            return  # built at run time, or a path
        if value == "command":
            following = values[index + 1] if index + 1 < len(values) else None
            if following in ("-v", "-V"):
                return
        if value in LOOKUPS:
            return
        wrapper = WRAPPERS.get(value)
        if wrapper is None:
            if value not in BUILTINS:
                yield index, value
            return
        if value not in BUILTINS:
            yield index, value
        index = _after_options(values, index + 1, value, *wrapper)


def _after_options(values: list[str | None], index: int, wrapper: str, takes_value: frozenset[str], plain: int) -> int:
    """Where the command a wrapper runs starts: past its options, assignments and leading words."""
    while index < len(values):
        value = values[index]
        if value == "--":
            return index + 1 + plain
        if value is not None and value.startswith("-") and len(value) > 1:
            index += 2 if value in takes_value else 1
        elif wrapper == "env" and value is not None and re.match(r"[A-Za-z_][A-Za-z0-9_]*=", value):
            index += 1
        else:
            break
    return index + plain


# --- installs -----------------------------------------------------------------------------

# The sub-command that installs, for each package manager.
_INSTALL_VERBS = {
    "apt-get": "install",
    "apt": "install",
    "aptitude": "install",
    "apk": "add",
    "dnf": "install",
    "dnf5": "install",
    "yum": "install",
    "microdnf": "install",
    "pipx": "install",
}
# Options of the package managers that take a value: the value is not a package.
_VALUE_OPTIONS = frozenset(
    {
        "-o",
        "-t",
        "--target-release",
        "--option",
        "-X",
        "--repository",
        "--virtual",
        "--root",
        "-p",
        "--python",
        "--index-url",
        "-i",
        "--extra-index-url",
        "--find-links",
        "-f",
        "--target",
        "--prefix",
        "--platform",
        "--python-version",
        "--constraint",
        "--setopt",
        "--enablerepo",
        "--disablerepo",
        "--releasever",
    }
)
# Options whose value is a file listing packages: what they install is not known.
_LIST_OPTIONS = frozenset({"-r", "--requirement", "-c", "--constraint", "-e", "--editable"})


_NOT_AN_INSTALL: tuple[bool, frozenset[str] | None] = (False, frozenset())


def installs(values: list[str | None], texts: list[str]) -> tuple[bool, frozenset[str] | None]:
    """Whether a command line installs packages, and the commands they give (None: not known).

    `values` are the words' values (None: built at run time), `texts` the words as written.
    """
    if not values or values[0] is None:
        return _NOT_AN_INSTALL
    program = values[0]
    words = list(zip(values[1:], texts[1:], strict=True))
    if re.fullmatch(r"pip(3(\.\d+)?)?", program):
        return _packages(words, ("install",), pip=True)
    if re.fullmatch(r"python(3(\.\d+)?)?", program):
        if len(words) >= 2 and words[0][0] == "-m" and words[1][0] == "pip":
            return _packages(words[2:], ("install",), pip=True)
        return _NOT_AN_INSTALL
    if program == "uv":
        if len(words) >= 2 and words[0][0] in ("pip", "tool"):
            return _packages(words[1:], ("install",), pip=True)
        return _NOT_AN_INSTALL
    if program in ("npm", "pnpm"):
        if not any(value in ("-g", "--global") for value, _ in words):
            return _NOT_AN_INSTALL
        return _packages([word for word in words if word[0] not in ("-g", "--global")], ("install", "i", "add"))
    verb = _INSTALL_VERBS.get(program)
    if verb is None:
        return _NOT_AN_INSTALL
    return _packages(words, (verb,), pip=program == "pipx")


def _packages(
    words: list[tuple[str | None, str]], verbs: tuple[str, ...], pip: bool = False
) -> tuple[bool, frozenset[str] | None]:
    """The commands of the packages after the sub-command (one of `verbs`)."""
    position = _first_operand(words)
    if position is None or words[position][0] not in verbs:
        return _NOT_AN_INSTALL
    commands: set[str] = set()
    skip = False
    for value, text in words[position + 1 :]:
        if skip:
            skip = False
            continue
        if value is not None and value in _LIST_OPTIONS:
            return True, None
        if value is not None and value.startswith("-"):
            skip = value in _VALUE_OPTIONS
            continue
        name = _package_name(text)
        if name is None:
            return True, None
        commands |= _package_commands(name.lower().replace("_", "-") if pip else name)
    return True, frozenset(commands)


def _first_operand(words: list[tuple[str | None, str]]) -> int | None:
    """Where the first word that is neither an option nor an option's value is."""
    skip = False
    for index, (value, _) in enumerate(words):
        if skip:
            skip = False
        elif value is not None and value.startswith("-"):
            skip = value in _VALUE_OPTIONS
        else:
            return index
    return None


def _package_name(text: str) -> str | None:
    """The package a word names, from its written text (`"poetry==$VERSION"` names poetry)."""
    word = text.strip("\"'")
    match = _PACKAGE_NAME.fullmatch(word)
    if match is None or not _VERSION_START.match(match.group(2)):
        return None
    name = match.group(1)
    if name.startswith("@") and "/" in name:  # an npm scope: @scope/name
        name = name.split("/", 1)[1]
    return name


def _package_commands(name: str) -> frozenset[str]:
    return PACKAGE_COMMANDS.get(name, frozenset({name}))
