"""Splitting people into groups: at random, mixing a trait (municipalities, institutions spread
evenly over the groups) or matching it (people of one municipality together). Pure functions."""
from __future__ import annotations

import math
import random
from collections import defaultdict
from typing import Callable, Hashable, Sequence, TypeVar

T = TypeVar("T")

METHODS = ("random", "mix", "match")


def _count(people: int, count: int | None, size: int | None) -> int:
    wanted = count if count else math.ceil(people / size) if size else 1
    return max(1, min(wanted, people))


def _deal(people: Sequence[T], groups: int) -> list[list[T]]:
    """Round robin: group sizes differ by one at most, and a run of alike people is spread out."""
    dealt: list[list[T]] = [[] for _ in range(groups)]
    for i, person in enumerate(people):
        dealt[i % groups].append(person)
    return dealt


def _buckets(people: Sequence[T], key: Callable[[T], Hashable], rng: random.Random) -> list[list[T]]:
    buckets: dict[Hashable, list[T]] = defaultdict(list)
    for person in people:
        buckets[key(person)].append(person)
    ordered = sorted(buckets.values(), key=lambda b: (-len(b), str(key(b[0]))))
    for bucket in ordered:
        rng.shuffle(bucket)
    return ordered


def split(people: Sequence[T], method: str, *, count: int | None = None, size: int | None = None,
          key: Callable[[T], Hashable] | None = None, seed: int | None = None) -> list[list[T]]:
    """Groups (lists of people), none empty. ``count`` groups or groups of about ``size``.

    - random: shuffled, then dealt out;
    - mix: alike people (same ``key``) dealt out one after the other, so each trait is spread
      as evenly as the numbers allow;
    - match: alike people stay together; with ``count``, whole traits are packed into that many
      groups (largest first into the smallest group); with ``size``, a trait larger than the size
      is split into near-equal parts; with neither, one group per trait.
    """
    if method not in METHODS:
        raise ValueError(method)
    rng = random.Random(seed)
    people = list(people)
    if not people:
        return []
    if method == "random" or key is None:
        rng.shuffle(people)
        return _deal(people, _count(len(people), count, size))
    buckets = _buckets(people, key, rng)
    if method == "mix":
        return _deal([p for bucket in buckets for p in bucket], _count(len(people), count, size))
    if count:
        groups: list[list[T]] = [[] for _ in range(min(count, len(buckets)))]
        for bucket in buckets:
            min(groups, key=len).extend(bucket)
        return [g for g in groups if g]
    if size:
        return [part for bucket in buckets for part in _deal(bucket, math.ceil(len(bucket) / size))]
    return buckets
