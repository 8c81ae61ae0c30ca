"""What a page may show of a question: built here, and only here, from the question and the
attempt's layout. While an attempt is being taken nothing of the key goes out (no fractions, no
right answers, no feedback); the review adds them only when the quiz allows it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from lga.content import render_markdown, sanitise_html
from lga.i18n import localized
from lga.quizzes import grading
from lga.quizzes.attempts import token_maps
from lga.quizzes.models import Question


@dataclass
class Option:
    id: str  # the attempt's token for the option (never the key's id)
    text: Markup
    right: bool | None = None  # review only
    feedback: Markup | None = None  # review only


@dataclass
class Shown:
    """A question as the person sees it."""

    id: int
    number: int
    qtype: str
    text: Markup
    options: list[Option] = field(default_factory=list)  # choices, or the right-hand options of a matching
    lefts: list[Option] = field(default_factory=list)  # matching: the items to match
    response: dict = field(default_factory=dict)
    # Review only:
    score: float | None = None
    feedback: list[Markup] = field(default_factory=list)
    general_feedback: Markup | None = None
    right_answer: str | None = None  # short and numerical: the best accepted answer
    right_value: bool | None = None  # true/false
    right_pairs: dict = field(default_factory=dict)  # matching: left id -> right id
    answer: object = None  # the stored answer (for a trainer's override), review only


def rich(texts: dict | None, text_format: str = "moodle", language: str | None = None) -> Markup:
    """One language of a text, rendered safely by its GIFT format."""
    value = localized(texts or {}, language)
    if not value:
        return Markup("")
    if text_format == "markdown":
        return render_markdown(value)
    if text_format in ("html", "moodle"):
        return sanitise_html(value)
    return Markup("<br>").join(escape(line) for line in value.split("\n"))


def present(question: Question, number: int, layout: dict, response: dict | None) -> Shown:
    """For taking the quiz: the text and the options in the attempt's order, nothing more."""
    fmt = question.text_format
    _to_id, token = token_maps(layout, question.id)
    shown = Shown(id=question.id, number=number, qtype=question.qtype, text=rich(question.text, fmt),
                  response=_as_tokens(response or {}, token))
    order = layout.get("choices", {}).get(str(question.id), [])
    key = question.key or {}
    if question.qtype in ("single", "multi"):
        by_id = {c["id"]: c for c in key.get("choices", [])}
        shown.options = [Option(id=token[i], text=rich(by_id[i]["text"], fmt)) for i in order if i in by_id]
    elif question.qtype == "matching":
        by_id = {p["id"]: p for p in key.get("pairs", [])}
        shown.options = [Option(id=token[i], text=rich(by_id[i]["right"], fmt)) for i in order if i in by_id]
        shown.lefts = [Option(id=str(p["id"]), text=rich(p["left"], fmt))
                       for p in key.get("pairs", []) if p.get("left")]
    return shown


def _as_tokens(response: dict, token: dict[int, str]) -> dict:
    """A stored response (key ids) as the page names the options (the attempt's tokens)."""
    shown = dict(response)
    if "choice" in shown:
        shown["choice"] = token.get(shown["choice"])
    if "choices" in shown:
        shown["choices"] = [token.get(c) for c in shown["choices"]]
    if "pairs" in shown:
        shown["pairs"] = {str(left): token.get(right) for left, right in shown["pairs"].items()}
    return shown


def review(question: Question, number: int, layout: dict, response: dict | None, score: float | None,
           *, with_answers: bool) -> Shown:
    """For the review: the score, and with ``with_answers`` the feedback and the right answers."""
    shown = present(question, number, layout, response)
    if not with_answers:  # a question's mark would tell what was right
        return shown
    shown.score = score
    fmt, key = question.text_format, question.key or {}
    right = grading.right_answers(question.qtype, key)
    outcome = grading.grade(question.qtype, key, response)
    shown.feedback = [rich(f, fmt) for f in outcome.feedback if f]
    shown.general_feedback = rich(question.general_feedback, fmt) or None
    to_id, token = token_maps(layout, question.id)
    if question.qtype in ("single", "multi"):
        feedback = {c["id"]: c.get("feedback") for c in key.get("choices", [])}
        for option in shown.options:
            option.right = to_id[option.id] in right["choices"]
            option.feedback = rich(feedback.get(to_id[option.id]), fmt) or None
    elif question.qtype == "truefalse":
        shown.right_value = right["value"]
    elif question.qtype in ("short", "numerical"):
        best = right.get("answers") or []
        if best:
            first = best[0]
            shown.right_answer = first["text"] if question.qtype == "short" else _number(first)
    elif question.qtype == "matching":
        shown.right_pairs = {str(left): token.get(answer) for left, answer in right["pairs"].items()}
    return shown


def _number(answer: dict) -> str:
    value, tolerance = float(answer["value"]), float(answer.get("tolerance") or 0)
    return f"{value:g} ± {tolerance:g}" if tolerance else f"{value:g}"
