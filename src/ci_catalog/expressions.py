"""GitLab's CI/CD expression language, as evaluated for `spec:inputs:<name>:rules[].if` (and `include:rules:if`).

This is an independent re-implementation. The behaviour follows these GitLab files
(GitLab 18.11; read for their rules, nothing copied):

* `lib/gitlab/ci/pipeline/expression/lexer.rb` - lexeme order, whitespace, token limit
* `lib/gitlab/ci/pipeline/expression/parser.rb` - shunting-yard to reverse Polish, tree
* `lib/gitlab/ci/pipeline/expression/statement.rb` - `truthful?` and `valid?`
* `lib/gitlab/ci/pipeline/expression/lexeme/*.rb` - `input`, `variable`, `string`,
  `pattern` (+ `pattern/regular_expression.rb`), `null`, `boolean`, `equals`,
  `not_equals`, `matches`, `not_matches`, `and`, `or`, `not`, `parenthesis_open`,
  `parenthesis_close`, `logical_operator` (the boolean/string comparison rule), `base`
  (operator precedence and associativity)
* `lib/gitlab/untrusted_regexp.rb`, `lib/gitlab/untrusted_regexp/ruby_syntax.rb` -
  `/pattern/flags` to RE2
* `lib/ci/inputs/rules_evaluator.rb` - statements see `{inputs: <resolved inputs>}`
* `lib/gitlab/config/entry/validators.rb` (`ExpressionValidator`) and
  `lib/gitlab/ci/config/header/input/rules/rule.rb` - `if` must be a valid statement

Values are Python values standing in for Ruby ones; the Ruby semantics that matter
(`==`, `to_s`, `present?`, `&&`/`||` returning an operand) are re-created below.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import re2

from ci_catalog.rubyfmt import ruby_inspect, ruby_to_s

__all__ = [
    "ExpressionError",
    "RegexpValue",
    "evaluate",
    "evaluate_value",
    "is_regexp",
    "is_valid",
    "looks_like_regexp",
    "variables_match",
]

MAX_TOKENS = 100
"""GitLab's lexer budget; because it checks for the end before each token, 99 is the most."""


class ExpressionError(Exception):
    """The statement cannot be lexed, parsed or evaluated; the message says why."""


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class RegexpValue:
    """The value of a `/pattern/flags` literal: an RE2 regexp (GitLab's UntrustedRegexp)."""

    source: str

    def search(self, text: str) -> bool:
        return _compile_re2(self.source).search(text) is not None


@functools.lru_cache(maxsize=512)
def _compile_re2(source: str) -> re2._Regexp:  # the re2 module exports no public name
    options = re2.Options()
    # A bad pattern is an expected, reported outcome; RE2 must not also write to stderr.
    options.log_errors = False
    try:
        return re2.compile(source, options)
    except re2.error as error:
        detail = error.args[0] if error.args else error
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise ExpressionError(f"Invalid regular expression: {detail}") from None


# GitLab's Ruby-syntax reader (ruby_syntax.rb). Ruby's `^`/`$` are line anchors, hence re.M.
_RUBY_REGEXP_SYNTAX = re.compile(r"^/(?P<regexp>.*)/(?P<flags>[ismU]*)$", re.MULTILINE)


def _regexp_from_ruby_syntax(text: str) -> RegexpValue:
    """`/body/flags` (escaped slashes already unescaped) to an RE2 regexp, flags inline."""
    found = _RUBY_REGEXP_SYNTAX.search(text)
    if found is None:
        raise ExpressionError("Invalid regular expression!")
    flags = found["flags"]
    source = f"(?{flags}){found['regexp']}" if flags else found["regexp"]
    _compile_re2(source)
    return RegexpValue(source)


def looks_like_regexp(text: str) -> bool:
    """GitLab's `RubySyntax.matches_syntax?`: written as `/pattern/flags`."""
    return _RUBY_REGEXP_SYNTAX.search(text) is not None


def is_regexp(text: str) -> bool:
    """GitLab's `RubySyntax.valid?`: a `/pattern/flags` that RE2 compiles."""
    try:
        _regexp_from_ruby_syntax(text)
    except ExpressionError:
        return False
    return True


def _unescape_slashes(text: str) -> str:
    return text.replace("\\/", "/")


# ------------------------------------------------------------------ Ruby semantics

# Ruby's [[:space:]] (Unicode White_Space), which ActiveSupport's String#blank? uses.
_RUBY_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _ruby_truthy(value: object) -> bool:
    """Ruby conditions: only nil and false are false ("" and 0 are true)."""
    return value is not None and value is not False


def _present(value: object) -> bool:
    """ActiveSupport `present?`, which decides whether a statement is truthful."""
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return any(char not in _RUBY_SPACE for char in value)
    if isinstance(value, (list, tuple, Mapping)):
        return len(value) > 0
    return True


def _ruby_eq(left: object, right: object) -> bool:
    """Ruby `left == right` for the value types an expression can hold."""
    if isinstance(left, RegexpValue):
        if isinstance(right, RegexpValue):
            return left.source == right.source
        # UntrustedRegexp#== reads `other.source`; GitLab fails with NoMethodError here.
        raise ExpressionError(f"cannot compare a regular expression with {_ruby_inspect(right)}")
    if isinstance(left, bool) or isinstance(right, bool):
        # Ruby's true/false are not numbers: true != 1, unlike Python.
        return left is right
    if left is None or right is None:
        return left is right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, str) or isinstance(right, str):
        return isinstance(left, str) and isinstance(right, str) and left == right
    if isinstance(left, (list, tuple)) or isinstance(right, (list, tuple)):
        return _arrays_eq(left, right)
    if isinstance(left, Mapping) or isinstance(right, Mapping):
        return _hashes_eq(left, right)
    return left == right


def _arrays_eq(left: object, right: object) -> bool:
    if not (isinstance(left, (list, tuple)) and isinstance(right, (list, tuple))):
        return False
    return len(left) == len(right) and all(map(_ruby_eq, left, right))


def _hashes_eq(left: object, right: object) -> bool:
    if not (isinstance(left, Mapping) and isinstance(right, Mapping)):
        return False
    if len(left) != len(right):
        return False
    for key, value in left.items():
        # Hash keys match by `eql?`, which is type-strict (1 and 1.0 are different keys).
        twins = [other for other in right if type(other) is type(key) and other == key]
        if not twins or not _ruby_eq(value, right[twins[0]]):
            return False
    return True


def _ruby_to_s(value: object) -> str:
    """Ruby `to_s`: the text a value is matched as on the left of `=~`."""
    if isinstance(value, RegexpValue):
        # Object#to_s embeds a memory address, which no re-implementation can reproduce.
        return "#<Gitlab::UntrustedRegexp:0x0000000000000000>"
    # Inputs reach expressions with indifferent access: hash keys print as strings.
    return ruby_to_s(value, symbol_keys=False)


def _ruby_inspect(value: object) -> str:
    if isinstance(value, RegexpValue):
        return _ruby_to_s(value)
    return ruby_inspect(value, symbol_keys=False)


# --------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


# In GitLab's lexer order: the first lexeme matching at the cursor wins. Ruby's \w, \s
# and \b are ASCII-only, hence re.ASCII throughout.
_LEXEMES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.ASCII))
    for kind, pattern in (
        ("(", r"\("),
        (")", r"\)"),
        ("input", r"\$\[\[\s*inputs\.(?P<name>[\w-]+)\s*\]\]"),
        ("variable", r"\$(?P<name>\w+)"),
        ("string", r'"(?P<dq>.*?)"|\'(?P<sq>.*?)\''),
        # Needs two characters between the slashes; `\/` does not end the pattern.
        ("pattern", r"/(?:[^/]|\\/)+[^\\]/[ismU]*"),
        ("null", r"null"),
        ("boolean", r"\b(?:true|false)\b"),
        ("==", r"=="),
        ("=~", r"=~"),
        ("!=", r"!="),
        ("!~", r"!~"),
        ("&&", r"&&"),
        ("||", r"\|\|"),
        ("!", r"!"),
    )
)

_WHITESPACE = re.compile(r"\s+", re.ASCII)


def _tokenize(statement: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    for _ in range(MAX_TOKENS):
        skipped = _WHITESPACE.match(statement, position)
        if skipped:
            position = skipped.end()
        if position == len(statement):
            return tokens
        token = _scan(statement[position:])
        if token is None:
            raise ExpressionError(f"Unknown lexeme found at {statement[position:][:40]!r}")
        tokens.append(token)
        position += len(token.text)
    raise ExpressionError(f"Too many tokens (GitLab accepts at most {MAX_TOKENS - 1})")


def _scan(rest: str) -> _Token | None:
    # Ruby's StringScanner treats the cursor as the start of the text, so `\b` before
    # `true` never sees the previous character: scan a slice, not at an offset.
    for kind, pattern in _LEXEMES:
        found = pattern.match(rest)
        if found:
            return _Token(kind, found.group(0))
    return None


# ---------------------------------------------------------------------------- nodes

Variables = Mapping[str, object]


class _Node:
    def evaluate(self, variables: Variables) -> object:
        raise NotImplementedError


@dataclass(frozen=True)
class _Constant(_Node):
    value: object

    def evaluate(self, variables: Variables) -> object:
        return self.value


@dataclass(frozen=True)
class _Input(_Node):
    name: str

    def evaluate(self, variables: Variables) -> object:
        inputs = variables.get("inputs") or {}
        return inputs.get(self.name) if isinstance(inputs, Mapping) else None


@dataclass(frozen=True)
class _Variable(_Node):
    name: str

    def evaluate(self, variables: Variables) -> object:
        # Rules see `{inputs: ...}` as their variables, so `$inputs` is the inputs hash
        # and every other `$NAME` is nil.
        return variables.get(self.name)


@dataclass(frozen=True)
class _Not(_Node):
    operand: _Node

    def evaluate(self, variables: Variables) -> object:
        return not _present(self.operand.evaluate(variables))


@dataclass(frozen=True)
class _Binary(_Node):
    operator: str
    left: _Node
    right: _Node

    def evaluate(self, variables: Variables) -> object:
        if self.operator == "&&":
            left = self.left.evaluate(variables)
            return self.right.evaluate(variables) if _ruby_truthy(left) else left
        if self.operator == "||":
            left = self.left.evaluate(variables)
            return left if _ruby_truthy(left) else self.right.evaluate(variables)
        left = self.left.evaluate(variables)
        right = self.right.evaluate(variables)
        return _COMPARISONS[self.operator](left, right)


def _equals(left: object, right: object) -> bool:
    if isinstance(left, bool) and isinstance(right, str):
        return _ruby_to_s(left) == right
    if isinstance(left, str) and isinstance(right, bool):
        return left == _ruby_to_s(right)
    return _ruby_eq(left, right)


def _matches(left: object, right: object) -> bool:
    if not _ruby_truthy(right):
        return False
    return _search(_as_pattern(right), _ruby_to_s(left))


def _not_matches(left: object, right: object) -> bool:
    if not _ruby_truthy(right):
        return True
    return not _search(_as_pattern(right), _ruby_to_s(left))


def _as_pattern(value: object) -> RegexpValue | str:
    """A right-hand side that is not a literal pattern: a `/re/flags` string becomes a
    regexp; any other string stays a string, searched for the left side as a substring
    (GitLab ends up in Ruby's `String#scan(String)`)."""
    if isinstance(value, RegexpValue):
        return value
    if not isinstance(value, str):
        # GitLab calls String#gsub on it and fails with NoMethodError.
        raise ExpressionError(f"cannot use {_ruby_inspect(value)} as a pattern")
    try:
        return _regexp_from_ruby_syntax(_unescape_slashes(value))
    except ExpressionError:
        return value


def _search(pattern: RegexpValue | str, text: str) -> bool:
    if isinstance(pattern, RegexpValue):
        return pattern.search(text)
    return text in pattern


_COMPARISONS: dict[str, Callable[[object, object], bool]] = {
    "==": _equals,
    "!=": lambda left, right: not _equals(left, right),
    "=~": _matches,
    "!~": _not_matches,
}

# ---------------------------------------------------------------------------- parser

# GitLab's precedences (smaller binds tighter). An operator pops every stacked operator
# whose number is <= its own, which makes the binary operators left-associative.
_PRECEDENCE = {
    "!": 1,
    "==": 10,
    "!=": 10,
    "=~": 10,
    "!~": 10,
    "&&": 11,
    "||": 12,
    ")": 900,
    "(": 901,
}
_BINARY = frozenset({"==", "!=", "=~", "!~", "&&", "||"})
_VALUES = frozenset({"input", "variable", "string", "pattern", "null", "boolean"})


def _to_reverse_polish(tokens: list[_Token]) -> list[_Token]:
    """GitLab's shunting-yard pass, quirks included: `!` and `(` are pushed without
    popping, and an unclosed `(` is left in the output for the tree builder to reject."""
    output: list[_Token] = []
    operators: list[_Token] = []
    for token in tokens:
        if token.kind in _VALUES:
            output.append(token)
        elif token.kind in ("(", "!"):
            operators.append(token)
        else:
            own = _PRECEDENCE[token.kind]
            while operators and own >= _PRECEDENCE[operators[-1].kind]:
                output.append(operators.pop())
            if token.kind in _BINARY:
                operators.append(token)
            elif not operators:
                raise ExpressionError("Unmatched parenthesis")
            else:
                operators.pop()  # only a `(` can be left on top here
    output.extend(reversed(operators))
    return output


def _build_tree(tokens: list[_Token]) -> _Node:
    stack: list[_Node] = []
    for token in _to_reverse_polish(tokens):
        if token.kind in _VALUES:
            stack.append(_leaf(token))
        elif token.kind == "!":
            stack.append(_Not(_operand(stack.pop() if stack else None, "operand")))
        elif token.kind in _BINARY:
            right = stack.pop() if stack else None
            left = stack.pop() if stack else None
            left = _operand(left, "left operand")
            stack.append(_Binary(token.kind, left, _operand(right, "right operand")))
        else:
            raise ExpressionError("Unmatched parenthesis (unprocessable token in parse tree)")
    if len(stack) > 1:
        raise ExpressionError("Unreachable nodes in parse tree (missing operator?)")
    if not stack:
        raise ExpressionError("Empty parse tree")
    return stack[0]


def _operand(node: _Node | None, role: str) -> _Node:
    if node is None:
        raise ExpressionError(f"Invalid {role}")
    return node


def _lexeme(kind: str, text: str) -> re.Match[str]:
    """The parts of a token's text; the tokenizer matched it already, so it matches."""
    match = _LEXEME_PATTERNS[kind].match(text)
    assert match is not None, (kind, text)
    return match


def _leaf(token: _Token) -> _Node:
    kind, text = token.kind, token.text
    if kind in ("input", "variable"):
        name = _lexeme(kind, text)["name"]
        return _Input(name) if kind == "input" else _Variable(name)
    if kind == "string":
        quoted = _lexeme("string", text)
        return _Constant(quoted["dq"] if quoted["dq"] is not None else quoted["sq"])
    if kind == "pattern":
        # An invalid literal pattern is a syntax error, found while building the tree.
        return _Constant(_regexp_from_ruby_syntax(_unescape_slashes(text)))
    if kind == "boolean":
        return _Constant(text == "true")
    return _Constant(None)


_LEXEME_PATTERNS = dict(_LEXEMES)


def _parse(statement: str) -> _Node:
    tokens = _tokenize(statement)
    if not tokens:
        raise ExpressionError("Empty expression")
    return _build_tree(tokens)


# ------------------------------------------------------------------------ public API


def _evaluate_with(expression: object, variables: Variables) -> object:
    if not isinstance(expression, str):
        raise ExpressionError(f"Expression must be a string, not {type(expression).__name__}")
    try:
        return _parse(expression).evaluate(variables)
    except ExpressionError:
        raise
    except Exception as error:  # e.g. text RE2 cannot encode; GitLab would fail too
        raise ExpressionError(f"Expression could not be evaluated: {error}") from error


def evaluate_value(expression: str, inputs: Mapping[str, object]) -> object:
    """The statement's raw value with these resolved inputs (`$[[ inputs.x ]]`).

    `&&`/`||` return one of their operands, as in Ruby; a pattern literal evaluates to a
    `RegexpValue`. Raises ExpressionError for any lexer, parser or evaluation error.
    """
    return _evaluate_with(expression, {"inputs": inputs})


def evaluate(expression: str, inputs: Mapping[str, object]) -> bool:
    """Whether the rule `if` matches: the value is `present?`; any error means no match."""
    try:
        return _present(evaluate_value(expression, inputs))
    except ExpressionError:
        return False


def variables_match(expression: str, variables: Mapping[str, str]) -> bool:
    """Whether a `rules:if` statement over CI/CD variables (`$NAME`) matches, as an include's
    rules evaluate it (lib/gitlab/ci/build/rules/rule/clause/if.rb: `truthful?`, so any
    error means no match). Unknown variables are nil."""
    try:
        return _present(_evaluate_with(expression, variables))
    except ExpressionError:
        return False


def is_valid(expression: object) -> bool:
    """What GitLab's `expression: true` validator accepts: a string that lexes, parses and
    evaluates with no variables at all (every input and variable nil)."""
    try:
        _evaluate_with(expression, {})
    except ExpressionError:
        return False
    return True
