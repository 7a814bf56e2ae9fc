"""`parallel`: product/parallel.rb, product/matrix.rb, product/variables.rb.

A number from 1 to 200, or `matrix:` whose entries' value lists multiply to at most 200
jobs. Bridges (and `needs:parallel`) take only a matrix.
"""

from __future__ import annotations

from typing import Any

from ci_catalog.processor.entry import Checks, Node, Unknown, always, strategies
from ci_catalog.processor.rubyish import is_hash, is_number
from ci_catalog.processor.variables import MatrixVariables

PARALLEL_LIMIT = 200


class Matrix(Node):
    label = "matrix"

    def validate(self, v: Checks) -> None:
        v.array_of_hashes("config")

    def build(self, deps: Any) -> None:
        for index, value in enumerate(self.config):
            self.add_entry(None, always(MatrixVariables), value, path=self.path + (index,), slot=index)
        self.compose_entries(deps)

    def validate_composed(self, v: Checks) -> None:
        if self.valid() and matrix_size(self.config) > PARALLEL_LIMIT:
            v.add("config", f"generates too many jobs (maximum is {PARALLEL_LIMIT})")


def matrix_size(entries: list[dict[str, Any]]) -> int:
    total = 0
    for entry in entries:
        count = 1
        for values in entry.values():
            count *= len(values) if isinstance(values, list) else 1
        total += count
    return total


class _ParallelBuilds(Node):
    def validate(self, v: Checks) -> None:
        v.numericality("config", 1, PARALLEL_LIMIT)
        allowed = self.opt("allowed_strategies")
        if allowed and "numeric" not in allowed:
            v.add("config", 'cannot use "parallel: <number>".')


class _MatrixBuilds(Node):
    nodes = (("matrix", always(Matrix), {}),)

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(("matrix",))
        v.required_keys(("matrix",))
        allowed = self.opt("allowed_strategies")
        if allowed and "matrix" not in allowed:
            v.add("config", 'cannot use "parallel: matrix".')


class _UnknownParallel(Unknown):
    text = "{location} should be an integer or a hash"


Parallel = strategies((is_number, _ParallelBuilds), (is_hash, _MatrixBuilds), unknown=_UnknownParallel)
