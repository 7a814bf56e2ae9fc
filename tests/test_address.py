"""Component addresses, parsed as lib/gitlab/ci/components/instance_path.rb parses them."""

from __future__ import annotations

import pytest

from ci_catalog.versions.address import Address, parse_address

HOST = "gitlab.example.com"


def parse(written: str, variables: dict[str, str] | None = None) -> Address | str:
    return parse_address(written, HOST, variables or {})


def test_the_last_slash_separates_the_project_from_the_component_name() -> None:
    address = parse(f"{HOST}/group/sub/project/build@1.0.0")
    assert isinstance(address, Address)
    assert (address.project, address.name, address.reference) == ("group/sub/project", "build", "1.0.0")


def test_the_reference_is_everything_after_the_first_at_sign() -> None:
    address = parse(f"{HOST}/group/project/build@feature@2")
    assert isinstance(address, Address)
    assert (address.name, address.reference) == ("build", "feature@2")


@pytest.mark.parametrize(
    "written", ["$CI_SERVER_FQDN/g/p/c@1", "${CI_SERVER_FQDN}/g/p/c@1", "%CI_SERVER_FQDN%/g/p/c@1"]
)
def test_variables_are_expanded_in_each_of_gitlabs_forms(written: str) -> None:
    address = parse(written, {"CI_SERVER_FQDN": HOST})
    assert isinstance(address, Address)
    assert address.expanded == f"{HOST}/g/p/c@1"


def test_an_unknown_variable_expands_to_nothing() -> None:
    assert parse("$NOT_SET/g/p/c@1") == "Component '/g/p/c@1' - the component path is not supported"


def test_a_host_that_only_starts_like_the_instance_is_not_supported() -> None:
    assert (
        parse(f"{HOST}.evil.com/g/p/c@1")
        == f"Component '{HOST}.evil.com/g/p/c@1' - the component path is not supported"
    )


def test_a_path_with_no_project_is_content_not_found() -> None:
    assert parse(f"{HOST}/build@1") == f"Component '{HOST}/build@1' - content not found"


def test_a_reference_given_through_a_variable_is_not_literal() -> None:
    address = parse(f"{HOST}/g/p/c@$RELEASE", {"RELEASE": "1.0.0"})
    assert isinstance(address, Address)
    assert (address.reference, address.reference_is_literal) == ("1.0.0", False)
