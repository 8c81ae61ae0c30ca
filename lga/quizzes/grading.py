"""Grading keys and how an answer scores against them. Pure: no database, no request.

The key of a question (``Question.key``), by type; every listed item has a stable ``id`` that
responses refer to, so a corrected key regrades old answers:

* ``single`` / ``multi``: ``{"choices": [{"id", "text": {lang: str}, "fraction", "feedback": {lang: str}}]}``.
  A single choice scores the fraction of the pick (at least 0); a multiple response the sum of
  its picks' fractions, wrong picks subtracting, kept within 0..1.
* ``truefalse``: ``{"correct": bool, "feedback_true": {...}, "feedback_false": {...}}`` (feedback
  for the answer "true" and for "false").
* ``short``: ``{"answers": [{"id", "text", "fraction", "feedback"}], "case_sensitive": bool,
  "ignore_diacritics": bool}``; ``*`` in an accepted answer matches any run of characters.
* ``numerical``: ``{"answers": [{"id", "value", "tolerance", "fraction", "feedback"}]}``; a decimal
  comma is read like a point.
* ``matching``: ``{"pairs": [{"id", "left": {...}, "right": {...}}]}``; a pair with an empty
  ``left`` is a distractor on the right. The score is the share of left items matched right.

Responses: ``{"choice": id}``, ``{"choices": [ids]}``, ``{"value": bool}``, ``{"text": str}``,
``{"value": str}`` (numerical, as typed) and ``{"pairs": {left id: right id}}``.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field


@dataclass
class Outcome:
    fraction: float  # 0..1 of the question's points
    feedback: list[dict] = field(default_factory=list)  # the per-answer feedback that applies
    picked: list[int] = field(default_factory=list)  # choice ids, for counting picks
    response_text: str | None = None  # typed answers, normalised, for counting


def _clip(value: float) -> float:
    return max(0.0, min(1.0, round(value, 7)))


def fold(text: str, *, case_sensitive: bool = False, ignore_diacritics: bool = True) -> str:
    """An answer reduced for comparison: spaces collapsed, case and marks dropped as the key says."""
    text = " ".join(unicodedata.normalize("NFKC", str(text)).split())
    if ignore_diacritics:
        text = text.replace("đ", "dj").replace("Đ", "Dj")
        text = unicodedata.normalize("NFC", "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)))
    return text if case_sensitive else text.casefold()


def parse_number(typed: str) -> float | None:
    text = str(typed).strip().replace("\u2212", "-").replace(" ", "").replace("\u00a0", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _short_matches(pattern: str, answer: str) -> bool:
    if "*" not in pattern:
        return pattern == answer
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, answer, flags=re.DOTALL) is not None


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def grade(qtype: str, key: dict, response: dict | None) -> Outcome:
    """Score ``response`` against ``key``; a missing or malformed response scores 0."""
    response = response or {}
    if qtype in ("single", "multi"):
        choices = {c["id"]: c for c in key.get("choices", [])}
        if qtype == "single":
            picked = [response.get("choice")] if _is_id(response.get("choice")) and response["choice"] in choices else []
        else:
            raw = response.get("choices") or []
            picked = sorted({c for c in raw if _is_id(c) and c in choices}) if isinstance(raw, list) else []
        total = sum(float(choices[c]["fraction"]) for c in picked)
        return Outcome(_clip(total), [choices[c].get("feedback") or {} for c in picked], picked)
    if qtype == "truefalse":
        value = response.get("value")
        if not isinstance(value, bool):
            return Outcome(0.0)
        feedback = key.get("feedback_true" if value else "feedback_false") or {}
        return Outcome(1.0 if value == bool(key.get("correct")) else 0.0, [feedback], [1 if value else 0])
    if qtype == "short":
        typed = response.get("text")
        if not isinstance(typed, str) or not typed.strip():
            return Outcome(0.0)
        options = {"case_sensitive": bool(key.get("case_sensitive")),
                   "ignore_diacritics": bool(key.get("ignore_diacritics", True))}
        answer = fold(typed, **options)
        best = None
        for accepted in key.get("answers", []):
            if _short_matches(fold(accepted["text"], **options), answer):
                if best is None or float(accepted["fraction"]) > float(best["fraction"]):
                    best = accepted
        counted = fold(typed)[:255]
        if best is None:
            return Outcome(0.0, [], [], counted)
        return Outcome(_clip(float(best["fraction"])), [best.get("feedback") or {}], [best["id"]], counted)
    if qtype == "numerical":
        value = parse_number(response.get("value", ""))
        if value is None:
            return Outcome(0.0, response_text=str(response.get("value", ""))[:255] or None)
        best = None
        for accepted in key.get("answers", []):
            if abs(value - float(accepted["value"])) <= float(accepted.get("tolerance") or 0) + 1e-9:
                if best is None or float(accepted["fraction"]) > float(best["fraction"]):
                    best = accepted
        counted = f"{value:g}"
        if best is None:
            return Outcome(0.0, [], [], counted)
        return Outcome(_clip(float(best["fraction"])), [best.get("feedback") or {}], [best["id"]], counted)
    if qtype == "matching":
        lefts = [p["id"] for p in key.get("pairs", []) if p.get("left")]
        given = response.get("pairs") or {}
        if not lefts or not isinstance(given, dict):
            return Outcome(0.0)
        right = sum(1 for left in lefts if str(given.get(str(left), given.get(left))) == str(left))
        return Outcome(_clip(right / len(lefts)))
    raise ValueError(f"unknown question type {qtype!r}")


def max_fraction(qtype: str, key: dict) -> float:
    """The best score the key allows (a key whose best is below 1 is a key error worth showing)."""
    if qtype == "single":
        return _clip(max((float(c["fraction"]) for c in key.get("choices", [])), default=0.0))
    if qtype == "multi":
        return _clip(sum(float(c["fraction"]) for c in key.get("choices", []) if float(c["fraction"]) > 0))
    if qtype in ("short", "numerical"):
        return _clip(max((float(a["fraction"]) for a in key.get("answers", [])), default=0.0))
    return 1.0


def right_answers(qtype: str, key: dict) -> dict:
    """What review shows as the right answer (only ever sent once review is allowed)."""
    if qtype in ("single", "multi"):
        return {"choices": [c["id"] for c in key.get("choices", []) if float(c["fraction"]) > 0]}
    if qtype == "truefalse":
        return {"value": bool(key.get("correct"))}
    if qtype in ("short", "numerical"):
        best = max((float(a["fraction"]) for a in key.get("answers", [])), default=0.0)
        return {"answers": [a for a in key.get("answers", []) if float(a["fraction"]) == best]}
    if qtype == "matching":
        return {"pairs": {str(p["id"]): p["id"] for p in key.get("pairs", []) if p.get("left")}}
    return {}
