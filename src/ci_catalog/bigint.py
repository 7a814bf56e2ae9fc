"""Ruby's Integers, which have no size limit, as Python ints that can always be printed.

Psych reads `0x` and 3,600 `f`s, or a 5,000-digit decimal, as an Integer, and GitLab
prints it in full. Python refuses to turn an int of more than 4,300 decimal digits into
text or back (`sys.get_int_max_str_digits`), and does either in quadratic time, so a
2 MiB number would take minutes. Such ints are `BigInteger`s here: plain ints whose
decimal text GMP (gmpy2) writes in linear time. Smaller ones stay plain ints.
"""

from __future__ import annotations

# An int of at most this many bits has fewer than 4,300 decimal digits (Python's limit).
_PRINTABLE_BITS = 14_000
# Decimal text this long or longer is parsed by GMP (Python's `int` refuses 4,301 digits).
_GMP_DIGITS = 4_000


class BigInteger(int):
    """An int too long for Python to print: `str`, `repr` and `format` give its digits."""

    __slots__ = ()

    def __str__(self) -> str:
        import gmpy2  # here: importing it reads package metadata, 0.1 s that only long integers need

        return str(gmpy2.mpz(self).digits())

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(str(self), spec)


def integer(value: int) -> int:
    """`value`, as a BigInteger when Python could not print it."""
    if isinstance(value, BigInteger) or value.bit_length() <= _PRINTABLE_BITS:
        return value
    return BigInteger(value)


def parse_digits(digits: str, base: int = 10) -> int:
    """Unsigned digits in `base` (2, 8, 10 or 16), of any length, in linear time."""
    if base == 10 and len(digits) >= _GMP_DIGITS:
        import gmpy2

        return integer(int(gmpy2.mpz(digits, 10)))
    return integer(int(digits, base))  # the power-of-two bases have no limit
