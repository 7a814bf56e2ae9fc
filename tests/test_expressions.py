"""Specification of GitLab's CI/CD expression language for `spec:inputs:rules[].if`.

Each case states one GitLab behaviour (GitLab 18.11, `lib/gitlab/ci/pipeline/expression/`).
"""

from __future__ import annotations

import pytest

from ci_catalog.expressions import (
    ExpressionError,
    RegexpValue,
    evaluate,
    evaluate_value,
    is_valid,
)

INPUTS = {
    "env": "production",
    "empty": "",
    "blank": "  \t",
    "flag": True,
    "off": False,
    "count": 5,
    "ratio": 5.0,
    "big": 1e20,
    "zero": 0,
    "list": ["a", "b"],
    "no-items": [],
    "mapping": {"k": "v"},
    "nothing": None,
    "instance-type": "large",
}


def value_of(expression: str, inputs: dict[str, object] | None = None) -> object:
    return evaluate_value(expression, INPUTS if inputs is None else inputs)


def truthful(expression: str, inputs: dict[str, object] | None = None) -> bool:
    return evaluate(expression, INPUTS if inputs is None else inputs)


# ----------------------------------------------------------------- inputs and values


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$[[ inputs.env ]]", "production"),
        ("$[[inputs.env]]", "production"),
        ("$[[   inputs.env   ]]", "production"),
        ("$[[ inputs.instance-type ]]", "large"),
        ("$[[ inputs.count ]]", 5),
        ("$[[ inputs.list ]]", ["a", "b"]),
        ("$[[ inputs.flag ]]", True),
    ],
)
def test_input_reference_evaluates_to_the_resolved_value(expression, expected):
    assert value_of(expression) == expected


def test_missing_input_is_nil():
    assert value_of("$[[ inputs.undefined ]]") is None


def test_input_names_are_looked_up_in_the_given_mapping_only():
    assert value_of("$[[ inputs.env ]]", {}) is None


@pytest.mark.parametrize(
    "expression",
    ["$[[ inputs.a.b ]]", "$[[ input.env ]]", "$[[ inputs.env ]", "$[[ inputs. env ]]"],
)
def test_malformed_input_reference_is_a_syntax_error(expression):
    assert not is_valid(expression)


@pytest.mark.parametrize("expression", ["$CI_COMMIT_BRANCH", "$VAR", "$_", "$1"])
def test_variables_are_nil_because_only_inputs_are_supplied(expression):
    assert value_of(expression) is None


def test_variable_named_inputs_is_the_inputs_hash_itself():
    # Rules evaluate with variables `{inputs: ...}`, so `$inputs` names that hash.
    assert value_of("$inputs", {"a": "1"}) == {"a": "1"}
    assert truthful("$inputs", {"a": "1"})
    assert not truthful("$inputs", {})


@pytest.mark.parametrize("expression", ["${VAR}", "${VAR} == null", "$", "$ VAR"])
def test_braced_or_bare_dollar_is_a_syntax_error(expression):
    assert not is_valid(expression)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"double"', "double"),
        ("'single'", "single"),
        ('"it\'s"', "it's"),
        ("'say \"hi\"'", 'say "hi"'),
        ('""', ""),
        ("''", ""),
        (r'"a\nb"', "a\\nb"),
        ('"$[[ inputs.env ]]"', "$[[ inputs.env ]]"),
    ],
)
def test_string_literals_take_their_text_verbatim_in_either_quote(expression, expected):
    assert value_of(expression) == expected


@pytest.mark.parametrize("expression", ['"unterminated', "'a\nb'", '"a\\"b"'])
def test_strings_have_no_escapes_and_cannot_span_lines(expression):
    assert not is_valid(expression)


@pytest.mark.parametrize(("expression", "expected"), [("true", True), ("false", False)])
def test_boolean_literals(expression, expected):
    assert value_of(expression) is expected


@pytest.mark.parametrize("expression", ["trueish", "True", "FALSE", "true1"])
def test_boolean_literals_are_lowercase_whole_words(expression):
    assert not is_valid(expression)


def test_null_literal_is_nil():
    assert value_of("null") is None
    assert not truthful("null")


@pytest.mark.parametrize("expression", ["nil", "NULL", "nullable", "123", "1 == 1"])
def test_unknown_words_and_numbers_are_syntax_errors(expression):
    assert not is_valid(expression)


# ----------------------------------------------------------------- equality


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('$[[ inputs.env ]] == "production"', True),
        ("$[[ inputs.env ]] == 'production'", True),
        ('"production" == $[[ inputs.env ]]', True),
        ('$[[ inputs.env ]] == "staging"', False),
        ('$[[ inputs.env ]] != "staging"', True),
        ('$[[ inputs.env ]] != "production"', False),
        ('$[[ inputs.env ]] == "Production"', False),
        ("$[[ inputs.undefined ]] == null", True),
        ("null == $[[ inputs.undefined ]]", True),
        ("$[[ inputs.nothing ]] == null", True),
        ("$[[ inputs.empty ]] == null", False),
        ('$[[ inputs.empty ]] == ""', True),
        ("$[[ inputs.undefined ]] != null", False),
        ("null == null", True),
    ],
)
def test_equality_operators(expression, expected):
    assert value_of(expression) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('$[[ inputs.flag ]] == "true"', True),
        ('"true" == $[[ inputs.flag ]]', True),
        ('$[[ inputs.off ]] == "false"', True),
        ('$[[ inputs.flag ]] == "false"', False),
        ('$[[ inputs.flag ]] == "True"', False),
        ("$[[ inputs.flag ]] == true", True),
        ("$[[ inputs.off ]] == false", True),
        ('$[[ inputs.flag ]] != "true"', False),
        ('true == "true"', True),
    ],
)
def test_boolean_compared_with_string_compares_its_text(expression, expected):
    assert value_of(expression) is expected


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"a": 5, "b": "5"}, False),
        ({"a": 5, "b": 5.0}, True),
        ({"a": True, "b": 1}, False),
        ({"a": False, "b": 0}, False),
        ({"a": None, "b": ""}, False),
        ({"a": ["a", "b"], "b": ["a", "b"]}, True),
        ({"a": [True], "b": ["true"]}, False),
        ({"a": [True], "b": [1]}, False),
        ({"a": {"k": "v"}, "b": {"k": "v"}}, True),
        ({"a": {1: "v"}, "b": {1.0: "v"}}, False),
        ({"a": ["a"], "b": "a"}, False),
    ],
)
def test_values_keep_their_type_when_compared(inputs, expected):
    assert value_of("$[[ inputs.a ]] == $[[ inputs.b ]]", inputs) is expected


def test_number_input_never_equals_a_string_literal():
    assert not truthful('$[[ inputs.count ]] == "5"')
    assert truthful('$[[ inputs.count ]] != "5"')


def test_pattern_literals_are_equal_when_their_sources_are():
    assert value_of("/ab/ == /ab/") is True
    assert value_of("/ab/i == /ab/") is False
    assert value_of("/ab/i == /(?i)ab/") is True


def test_string_never_equals_a_pattern_literal():
    assert value_of('"ab" == /ab/') is False


def test_pattern_literal_on_the_left_of_a_non_pattern_is_an_error():
    # GitLab fails with NoMethodError (UntrustedRegexp#== reads `other.source`).
    with pytest.raises(ExpressionError):
        value_of('/ab/ == "ab"')
    assert not is_valid("/ab/ == null")


# ----------------------------------------------------------------- pattern matching


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$[[ inputs.env ]] =~ /^prod/", True),
        ("$[[ inputs.env ]] =~ /^stag/", False),
        ("$[[ inputs.env ]] !~ /^stag/", True),
        ("$[[ inputs.env ]] !~ /^prod/", False),
        ("$[[ inputs.env ]] =~ /duct/", True),
        ("$[[ inputs.env ]] =~ /PROD/", False),
    ],
)
def test_match_operators_search_the_left_text_with_the_right_pattern(expression, expected):
    assert value_of(expression) is expected


@pytest.mark.parametrize(
    ("expression", "inputs", "expected"),
    [
        ("$[[ inputs.v ]] =~ /PROD/i", {"v": "production"}, True),
        ("$[[ inputs.v ]] =~ /^b$/", {"v": "a\nb"}, False),
        ("$[[ inputs.v ]] =~ /^b$/m", {"v": "a\nb"}, True),
        ("$[[ inputs.v ]] =~ /a.b/", {"v": "a\nb"}, False),
        ("$[[ inputs.v ]] =~ /a.b/s", {"v": "a\nb"}, True),
        ("$[[ inputs.v ]] =~ /^B$/mi", {"v": "a\nb"}, True),
        ("$[[ inputs.v ]] =~ /^a+?$/U", {"v": "aaa"}, True),
        ("$[[ inputs.v ]] =~ /^a+$/ii", {"v": "AAA"}, True),
    ],
)
def test_pattern_flags_i_m_s_and_u_are_re2_flags(expression, inputs, expected):
    assert value_of(expression, inputs) is expected


def test_pattern_literal_evaluates_to_an_re2_regexp_with_inline_flags():
    assert value_of("/pattern/") == RegexpValue("pattern")
    assert value_of("/pattern/im") == RegexpValue("(?im)pattern")


@pytest.mark.parametrize(
    ("expression", "source"),
    [
        (r"/a\/b/", "a/b"),
        (r"/some numeric \/$ pattern/", "some numeric /$ pattern"),
        (r"/some numeric \$ pattern/", r"some numeric \$ pattern"),
        ("/a//", "a/"),
    ],
)
def test_escaped_slash_is_part_of_the_pattern(expression, source):
    assert value_of(expression) == RegexpValue(source)


@pytest.mark.parametrize(
    "expression",
    [
        "$[[ inputs.env ]] =~ /a/",  # one character between slashes is never a pattern
        "$[[ inputs.env ]] =~ //",
        "$[[ inputs.env ]] =~ /ab/x",  # unknown flag is left over as an unknown lexeme
        "$[[ inputs.env ]] =~ /ab/I",
        "$[[ inputs.env ]] =~ /a\\/",
        "$[[ inputs.env ]] =~ /some .* / pattern/",  # the first unescaped slash ends it
    ],
)
def test_malformed_pattern_literal_is_a_syntax_error(expression):
    assert not is_valid(expression)


@pytest.mark.parametrize(
    "pattern",
    ["/a(b/", "/(?=ab)/", r"/(a)\1/", "/(?x)ab/", r"/ab\Z/", "/[ab/"],
)
def test_pattern_that_re2_rejects_is_a_syntax_error(pattern):
    assert not is_valid(f"$[[ inputs.env ]] =~ {pattern}")
    assert not truthful(f"$[[ inputs.env ]] !~ {pattern}")


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        (None, "/^$/", True),
        (None, "/.+/", False),
        (5, "/^5$/", True),
        (5.0, r"/^5\.0$/", True),
        (1e20, r"/^1\.0e\+20$/", True),
        (True, "/^true$/", True),
        (False, "/^false$/", True),
        (["a", "b"], r'/^\["a", "b"\]$/', True),
        ({"k": "v"}, r'/^\{"k"=>"v"\}$/', True),
        ("", "/^$/", True),
        ("", "/xy/", False),
    ],
)
def test_left_side_is_matched_as_its_ruby_text(value, pattern, expected):
    assert value_of(f"$[[ inputs.v ]] =~ {pattern}", {"v": value}) is expected


@pytest.mark.parametrize(
    ("right", "matches_value", "not_matches_value"),
    [(None, False, True), (False, False, True)],
)
def test_nil_or_false_pattern_never_matches(right, matches_value, not_matches_value):
    inputs = {"v": "text", "p": right}
    assert value_of("$[[ inputs.v ]] =~ $[[ inputs.p ]]", inputs) is matches_value
    assert value_of("$[[ inputs.v ]] !~ $[[ inputs.p ]]", inputs) is not_matches_value


def test_undefined_variable_as_pattern_never_matches():
    assert value_of("$[[ inputs.env ]] =~ $PATTERN") is False
    assert value_of("$[[ inputs.env ]] !~ $PATTERN") is True


@pytest.mark.parametrize(
    ("pattern_value", "expected"),
    [
        ("/^prod/", True),
        ("/^PROD/i", True),
        ("/^stag/", False),
        ("/^prod\\/x/", False),
    ],
)
def test_string_holding_slash_syntax_on_the_right_is_used_as_a_pattern(pattern_value, expected):
    inputs = {"v": "production", "p": pattern_value}
    assert value_of("$[[ inputs.v ]] =~ $[[ inputs.p ]]", inputs) is expected
    assert value_of("$[[ inputs.v ]] !~ $[[ inputs.p ]]", inputs) is not expected


def test_string_literal_in_slash_syntax_on_the_right_is_used_as_a_pattern():
    assert value_of("$[[ inputs.env ]] =~ '/^prod/'") is True


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("prod", "production", True),  # the right side contains the left side
        ("production", "prod", False),
        ("", "anything", True),
        ("x(", "/x(/", True),  # not valid RE2, so it stays a plain string
    ],
)
def test_other_string_on_the_right_is_searched_for_the_left_text(left, right, expected):
    inputs = {"v": left, "p": right}
    assert value_of("$[[ inputs.v ]] =~ $[[ inputs.p ]]", inputs) is expected
    assert value_of("$[[ inputs.v ]] !~ $[[ inputs.p ]]", inputs) is not expected


@pytest.mark.parametrize("right", [True, 5, ["/a/"], {"k": "v"}])
def test_non_string_pattern_value_is_an_error(right):
    # GitLab fails with NoMethodError (it calls String#gsub on the value).
    inputs = {"v": "a", "p": right}
    with pytest.raises(ExpressionError):
        value_of("$[[ inputs.v ]] =~ $[[ inputs.p ]]", inputs)
    assert not truthful("$[[ inputs.v ]] =~ $[[ inputs.p ]]", inputs)


def test_boolean_literal_as_pattern_is_invalid():
    assert not is_valid("$[[ inputs.env ]] =~ true")


def test_matching_uses_re2_not_a_backtracking_engine():
    assert value_of(r"$[[ inputs.v ]] =~ /^\pL+$/", {"v": "héllo"}) is True
    assert value_of("$[[ inputs.v ]] =~ /^(a+)+$/", {"v": "a" * 5000 + "b"}) is False


# ----------------------------------------------------------------- logic


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("true && true", True),
        ("true && false", False),
        ("false && true", False),
        ("true || false", True),
        ("false || false", False),
        ("null || false", False),
        ('"a" && "b"', "b"),
        ('"" && "b"', "b"),
        ("null && true", None),
        ('"a" || "b"', "a"),
        ('null || "b"', "b"),
        ('"" || "b"', ""),
        ("$[[ inputs.zero ]] || true", 0),
    ],
)
def test_and_or_return_an_operand_with_ruby_truthiness(expression, expected):
    assert value_of(expression) == expected
    assert type(value_of(expression)) is type(expected)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("!true", False),
        ("!false", True),
        ("!null", True),
        ('!""', True),
        ('!"x"', False),
        ("!$[[ inputs.blank ]]", True),
        ("!$[[ inputs.no-items ]]", True),
        ("!$[[ inputs.zero ]]", False),
        ("!!true", True),
        ("!(true && false)", True),
    ],
)
def test_not_negates_presence(expression, expected):
    assert value_of(expression) is expected


@pytest.mark.parametrize(("expression", "expected"), [("true !", False), ("null !", True)])
def test_trailing_not_negates_the_value_before_it(expression, expected):
    # GitLab's parser pushes `!` without checking its position, so it also works postfix.
    assert value_of(expression) is expected


@pytest.mark.parametrize(
    "expression",
    ["false && ($[[ inputs.env ]] =~ $[[ inputs.flag ]])", "true || /ab/ == null"],
)
def test_and_or_do_not_evaluate_the_right_side_when_decided(expression):
    assert value_of(expression) in (False, True)


# ----------------------------------------------------------------- precedence


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("true || false && false", True),  # && binds tighter than ||
        ("false && false || true", True),
        ("(true || false) && false", False),
        ('"a" == "a" && "b" == "c"', False),  # comparisons bind tighter than &&
        ('"a" == "b" || "c" == "c"', True),
        ('"a" == "a" == true', True),  # left-associative: ("a" == "a") == true
        ('"x" == "y" == false', True),
        ('!$[[ inputs.s ]] == "false"', True),  # ! binds tightest: (!s) == "false"
        ('!($[[ inputs.s ]] == "false")', False),
        ("!true || true", True),
        ("!(true || true)", False),
        ('"a" == !"b"', False),
    ],
)
def test_operator_precedence_and_associativity(expression, expected):
    assert value_of(expression, {"s": "false"}) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("(true)", True),
        ("((true))", True),
        ("(false || (true && (null == null)))", True),
        (
            '($[[ inputs.env ]] == "production") && ($[[ inputs.count ]] == $[[ inputs.ratio ]])',
            True,
        ),
        ("(true && false) || (false || true)", True),
        ("true && (false || false)", False),
    ],
)
def test_parentheses_group_subexpressions(expression, expected):
    assert value_of(expression) is expected


# ----------------------------------------------------------------- truthiness


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("production", True),
        ("", False),
        ("  \t\n", False),
        ("\u3000\u00a0", False),
        ("\x1c", True),
        (None, False),
        (False, False),
        (True, True),
        (0, True),
        (0.0, True),
        ([], False),
        ([""], True),
        ({}, False),
        ({"k": None}, True),
    ],
)
def test_statement_is_truthful_when_its_value_is_present(value, expected):
    assert evaluate("$[[ inputs.v ]]", {"v": value}) is expected


def test_pattern_value_is_present():
    assert truthful("/ab/")


# ----------------------------------------------------------------- syntax


@pytest.mark.parametrize(
    "expression",
    [
        '$[[ inputs.env ]] == "production"',
        "$[[ inputs.env ]]",
        '"some string"',
        "null",
        "$VAR",
        "/ab/",
        "!true",
        "  true  ",
        "\ttrue\n",
        '$[[ inputs.env ]] == "a" || ($[[ inputs.env ]] =~ /bc/i && !$[[ inputs.flag ]])',
    ],
)
def test_valid_expressions(expression):
    assert is_valid(expression)


@pytest.mark.parametrize(
    "expression",
    [
        "",
        "   ",
        "&&&&",
        "&&",
        '$VAR "text"',  # missing operator
        '== "123"',  # no left operand
        "$VAR ==",  # no right operand
        "!",
        "true ! false",
        "! = true",
        "true === true",
        "true & false",
        "true | false",
        "true and false",
        "(true",
        "true)",
        "(true))",
        "((true)",
        "()",
        ")(",
        "$[[ inputs.env ]] = 'a'",
        "$[[ inputs.env ]] ~= /ab/",
    ],
)
def test_invalid_expressions(expression):
    assert not is_valid(expression)


@pytest.mark.parametrize("expression", [None, 123, True, ["true"], {"if": "true"}])
def test_non_string_expressions_are_invalid(expression):
    assert not is_valid(expression)


@pytest.mark.parametrize("expression", ["&&&&", "(true", "", "$[[ inputs.env ]] =~ /a(/"])
def test_erroneous_statement_evaluates_to_false(expression):
    assert evaluate(expression, INPUTS) is False


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("&&&&", "Invalid left operand"),
        ("123", "Unknown lexeme"),
        ("(true", "Unmatched parenthesis"),
        ("true)", "Unmatched parenthesis"),
        ("()", "Empty parse tree"),
        ("", "Empty expression"),
        ("true false", "Unreachable nodes"),
        ("/a(b/", "Invalid regular expression"),
    ],
)
def test_evaluate_value_raises_an_error_that_says_what_is_wrong(expression, message):
    with pytest.raises(ExpressionError, match=message):
        value_of(expression)


def test_invalid_regexp_does_not_log_to_stderr(capfd):
    assert not is_valid("$[[ inputs.env ]] =~ /a(b/")
    assert capfd.readouterr().err == ""


# ----------------------------------------------------------------- token limit


@pytest.mark.parametrize(
    "expression",
    ["! " * 98 + "true", "true" + " || true" * 49, "true" + " || true" * 49 + "   "],
)
def test_ninety_nine_tokens_are_accepted(expression):
    # GitLab's lexer checks for the end only before each of its 100 scans, so the
    # 100th token already exhausts the budget.
    assert is_valid(expression)
    assert truthful(expression)


@pytest.mark.parametrize(
    "expression",
    ["! " * 99 + "true", "(" + "true" + " || true" * 49 + ")", "true" + " || true" * 60],
)
def test_a_hundred_tokens_or_more_are_a_syntax_error(expression):
    assert not is_valid(expression)
    with pytest.raises(ExpressionError, match="Too many tokens"):
        value_of(expression)


def test_the_token_limit_counts_tokens_not_characters():
    long_string = '"' + "x" * 10_000 + '"'
    assert is_valid(f"{long_string} == {long_string}")


# ----------------------------------------------------------------- GitLab's examples


@pytest.mark.parametrize(
    ("expression", "inputs", "expected"),
    [
        ('$[[ inputs.environment ]] == "production"', {"environment": "production"}, True),
        ('$[[ inputs.environment ]] == "staging"', {"environment": "production"}, False),
        ('$[[ inputs.undefined_input ]] == "value"', {"environment": "production"}, False),
        ("true", {"environment": "production"}, True),
        (
            '$[[ inputs.cloud_provider ]] == "aws" && $[[ inputs.environment ]] == "prod"',
            {"cloud_provider": "aws", "environment": "prod"},
            True,
        ),
        (
            '$[[ inputs.environment ]] == "prod" || $[[ inputs.environment ]] == "staging"',
            {"environment": "staging"},
            True,
        ),
        ("$[[ inputs.publish ]] == true", {"publish": True}, True),
        ("$[[ inputs.publish ]] == true", {"publish": "true"}, True),
    ],
)
def test_rules_evaluator_examples(expression, inputs, expected):
    assert evaluate(expression, inputs) is expected
