"""Password hashing: Argon2id, salted, verified without leaking whether an account exists."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from lga.accounts import passwords


def test_hash_is_argon2id_and_salted():
    first = passwords.hash_password("correct horse battery")
    second = passwords.hash_password("correct horse battery")
    assert first.startswith("$argon2id$")
    assert "correct horse battery" not in first
    assert first != second


def test_verify_accepts_the_password_and_nothing_else():
    stored = passwords.hash_password("correct horse battery")
    assert passwords.verify_password(stored, "correct horse battery") is True
    for wrong in ("correct horse batterY", "correct horse battery ", "", "x" * 200):
        assert passwords.verify_password(stored, wrong) is False, wrong


def test_verify_without_a_hash_is_false_even_for_the_dummy_password():
    """An account without a password (invited, not yet accepted) cannot be logged into, and
    the dummy hash spent for unknown accounts never lets anyone in."""
    assert passwords.verify_password(None, "not-a-real-password") is False
    assert passwords.verify_password(None, "anything") is False
    assert passwords.verify_password("", "not-a-real-password") is False


@pytest.mark.parametrize("broken", ["plain text", "$argon2id$v=19$garbage", "$2b$12$abcdefghijklmnopqrstuv"])
def test_verify_with_a_broken_hash_is_false(broken):
    assert passwords.verify_password(broken, "plain text") is False


def test_needs_rehash():
    assert passwords.needs_rehash(passwords.hash_password("correct horse battery")) is False
    weaker = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("correct horse battery")
    assert passwords.needs_rehash(weaker) is True
    assert passwords.needs_rehash("not a hash") is True


def test_length_bounds_are_sensible():
    assert passwords.MIN_LENGTH >= 10
    assert passwords.MAX_LENGTH >= 64
