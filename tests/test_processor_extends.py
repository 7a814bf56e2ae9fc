"""`extends`, as GitLab's Config::Extendable merges and refuses it (extendable/entry.rb)."""

from __future__ import annotations

from ci_catalog.processor.extends import extend_all
from ci_catalog.yamlread import read_document


def test_an_unknown_base_is_refused_at_the_extends_key(validate) -> None:
    text = ".uv-job:\n  image: python:3.12\ntypecheck:\n  extends: .uv-jobs\n  script: mypy\n"
    assert validate(text) == (
        1,
        ["4:3: error: typecheck: unknown keys in `extends` (.uv-jobs) [typecheck.extends]"],
    )


def test_every_unknown_base_is_named(validate) -> None:
    text = "job:\n  extends: [.a, .b]\n  script: x\n"
    assert validate(text)[1] == ["2:3: error: job: unknown keys in `extends` (.a, .b) [job.extends]"]


def test_a_base_that_is_not_a_mapping_is_an_invalid_base(validate) -> None:
    text = ".base: [a]\njob:\n  extends: .base\n  script: x\n"
    assert validate(text)[1] == ["3:3: error: job: invalid base hashes in `extends` (.base) [job.extends]"]


def test_a_circular_chain_is_refused(validate) -> None:
    text = "c:\n  extends: d\n  script: z\nd:\n  extends: c\n"
    assert validate(text)[1] == ["2:3: error: c: circular dependency detected in `extends` [c.extends]"]


def test_a_job_extending_itself_is_circular(validate) -> None:
    assert validate("job:\n  extends: job\n  script: x\n")[1] == [
        "2:3: error: job: circular dependency detected in `extends` [job.extends]"
    ]


def test_ten_levels_of_bases_are_allowed_and_eleven_are_too_deep(validate) -> None:
    chain = ".l0: {script: x}\n" + "".join(f".l{i}: {{extends: .l{i - 1}}}\n" for i in range(1, 12))
    assert validate(chain + "job: {extends: .l10}\n") == (0, [])
    code, lines = validate(chain + "job: {extends: .l11}\n")
    assert code == 1
    assert lines == ["2:7: error: .l1: nesting too deep in `extends` [.l1.extends]"]


def test_bases_are_deep_merged_in_order_and_lists_are_replaced() -> None:
    text = (
        ".a: {script: [a, b], variables: {X: '1', Y: '2'}, tags: [t1]}\n"
        ".b: {extends: .a, script: [c], variables: {Y: '3'}}\n"
        "job: {extends: [.b], variables: {Z: '4'}}\n"
    )
    document = read_document(text, 2**21)
    assert document is not None
    extended = extend_all(document.data, document.marks)
    assert extended.error is None
    job = extended.data["job"]
    assert job["script"] == ["c"]
    assert job["variables"] == {"X": "1", "Y": "3", "Z": "4"}
    assert job["tags"] == ["t1"]


def test_a_merged_key_is_placed_where_its_base_writes_it(validate) -> None:
    text = ".base:\n  script: 1\njob:\n  extends: .base\n"
    assert validate(text)[1] == [
        "2:3: error: jobs:job:script config should be a string or a nested array of strings up to 10 levels deep"
        " [job.script]"
    ]


def test_a_job_that_takes_its_script_from_a_base_is_valid(validate) -> None:
    assert validate(".template:\n  script: test\nrspec:\n  extends: .template\n") == (0, [])


def test_with_unmerged_includes_an_unknown_base_is_left_to_them(validate) -> None:
    text = "include: ci/templates.yml\njob:\n  extends: .from-the-include\n"
    assert validate(text) == (0, [])
