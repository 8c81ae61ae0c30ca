"""The question bank: GIFT questions in and out, one module at a time.

Questions are matched by title within a module, so importing a corrected file updates the
questions it names (a changed key bumps the version and regrades the attempts that answered
them) and importing the same file again changes nothing. A file with any problem writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lga.audit.services import record
from lga.catalogue.models import Module, ModuleTopic
from lga.extensions import db
from lga.quizzes import gift
from lga.quizzes.models import Question

TITLE_MAX = 255


class BankError(Exception):
    """The file cannot be imported; ``problems`` lists what is wrong (line and message)."""

    def __init__(self, problems: list[gift.GiftProblem]):
        super().__init__("; ".join(str(p.message) for p in problems))
        self.problems = problems


@dataclass
class BankImport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    regraded: int = 0  # attempts regraded because a key changed


def _texts(value: dict) -> dict:
    return {lang: text for lang, text in (value or {}).items() if text}


def key_of(q: gift.GiftQuestion) -> dict:
    """The grading key of a parsed question (see :mod:`lga.quizzes.grading`); ids number the items."""
    if q.qtype in ("single", "multi"):
        return {"choices": [{"id": i, "text": _texts(c.text), "fraction": float(c.fraction),
                             "feedback": _texts(c.feedback)} for i, c in enumerate(q.choices, 1)]}
    if q.qtype == "truefalse":
        return {"correct": bool(q.correct), "feedback_true": _texts(q.feedback_true),
                "feedback_false": _texts(q.feedback_false)}
    if q.qtype == "short":
        return {"answers": [{"id": i, "text": _answer_text(c.text), "fraction": float(c.fraction),
                             "feedback": _texts(c.feedback)} for i, c in enumerate(q.choices, 1)],
                "case_sensitive": False, "ignore_diacritics": True}
    if q.qtype == "numerical":
        return {"answers": [{"id": i, "value": float(a.value), "tolerance": float(a.tolerance),
                             "fraction": float(a.fraction), "feedback": _texts(a.feedback)}
                            for i, a in enumerate(q.numeric, 1)]}
    if q.qtype == "matching":
        return {"pairs": [{"id": i, "left": _texts(p.left), "right": _texts(p.right)}
                          for i, p in enumerate(q.pairs, 1)]}
    raise ValueError(q.qtype)


def _answer_text(text: dict) -> str:
    """An accepted short answer is compared as typed: one language's form (a file lists each
    language's form as its own answer)."""
    return next((value for value in text.values() if value), "")


def title_of(q: gift.GiftQuestion, language: str = "sq") -> str:
    """The title a parsed question is known by in the bank (its own, else its text's start)."""
    return _title(q, language)


def _title(q: gift.GiftQuestion, language: str) -> str:
    if q.title and q.title.strip():
        return q.title.strip()[:TITLE_MAX]
    text = q.text.get(language) or next(iter(q.text.values()), "")
    return " ".join(text.split())[:80] or f"line {q.line}"


def _topic_ids(module: Module) -> dict[str, int]:
    return dict(db.session.execute(select(ModuleTopic.code, ModuleTopic.id)
                                   .where(ModuleTopic.module_id == module.id)).tuples().all())


def _topic_for(category: str | None, topics: dict[str, int]) -> int | None:
    """The module topic a $CATEGORY names (its last part, e.g. ``…/specific-grant``), if any."""
    if not category:
        return None
    for part in reversed([p.strip() for p in category.split("/") if p.strip()]):
        if part in topics:
            return topics[part]
    return None


def parse_file(content: bytes | str, language: str = "sq") -> list[gift.GiftQuestion]:
    """Read a GIFT file; any problem (or two questions with one title) raises BankError."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BankError([gift.GiftProblem(line=0, title=None, message=_l(
                "The file is not UTF-8 text. Save it as UTF-8 (Moodle exports are) and try again."))]) from None
    questions, problems = gift.parse(content, default_language=language)
    seen: dict[str, int] = {}
    for q in questions:
        title = _title(q, language)
        if title in seen:
            problems.append(gift.GiftProblem(line=q.line, title=title, message=_l(
                "Two questions are called '%(title)s' (lines %(first)d and %(line)d); titles must be unique.",
                title=title, first=seen[title], line=q.line)))
        seen.setdefault(title, q.line)
    if not questions and not problems:
        problems.append(gift.GiftProblem(line=0, title=None, message=_l("The file holds no questions.")))
    if problems:
        raise BankError(sorted(problems, key=lambda p: p.line))
    return questions


def import_questions(module: Module, questions: list[gift.GiftQuestion], *, actor=None,
                     language: str = "sq") -> BankImport:
    """Create or update the module's questions named in the file (by title)."""
    from lga.quizzes import attempts  # regrading lives with the attempts

    topics = _topic_ids(module)
    existing = {q.title: q for q in db.session.scalars(select(Question).where(Question.module_id == module.id))}
    result = BankImport()
    changed_keys: list[int] = []
    for parsed in questions:
        title = _title(parsed, language)
        values = {
            "qtype": parsed.qtype, "text": _texts(parsed.text), "text_format": parsed.text_format,
            "general_feedback": _texts(parsed.general_feedback), "key": key_of(parsed),
            "category": (parsed.category or None) and parsed.category[:255],
            "topic_id": _topic_for(parsed.category, topics), "source_note": parsed.comment or None,
        }
        row = existing.get(title)
        if row is None:
            row = Question(module_id=module.id, title=title, version=1, is_active=True, **values)
            db.session.add(row)
            db.session.flush()
            record("question.created", row, actor=actor, changes={"title": (None, title)})
            result.created.append(title)
            continue
        differences = {name: (getattr(row, name), value) for name, value in values.items()
                       if getattr(row, name) != value}
        if not differences and row.is_active:
            result.unchanged.append(title)
            continue
        for name, (_old, value) in differences.items():
            setattr(row, name, value)
        row.is_active = True
        if "key" in differences or "qtype" in differences:
            row.version += 1
            changed_keys.append(row.id)
        record("question.updated", row, actor=actor,
               changes={name: ("…", "…") if name in ("key", "text", "general_feedback") else change
                        for name, change in differences.items()})
        result.updated.append(title)
    if changed_keys:
        db.session.flush()
        result.regraded = attempts.regrade_questions(changed_keys, actor=actor)
    return result


def export_questions(module: Module, language: str = "sq") -> str:
    """The module's active questions as GIFT, every language they have, in bank order."""
    rows = db.session.scalars(select(Question).where(Question.module_id == module.id, Question.is_active.is_(True))
                              .order_by(Question.category, Question.id)).all()
    return gift.dump([to_gift(row) for row in rows], default_language=language)


def to_gift(row: Question) -> gift.GiftQuestion:
    key = row.key or {}
    q = gift.GiftQuestion(
        qtype=row.qtype, title=row.title, text=dict(row.text), text_format=row.text_format,
        category=row.category, general_feedback=dict(row.general_feedback or {}), choices=[], numeric=[],
        pairs=[], correct=None, feedback_true={}, feedback_false={}, line=0, comment=row.source_note)
    if row.qtype in ("single", "multi"):
        q.choices = [gift.Choice(text=dict(c["text"]), fraction=float(c["fraction"]), feedback=dict(c.get("feedback") or {}))
                     for c in key.get("choices", [])]
    elif row.qtype == "truefalse":
        q.correct = bool(key.get("correct"))
        q.feedback_true, q.feedback_false = dict(key.get("feedback_true") or {}), dict(key.get("feedback_false") or {})
    elif row.qtype == "short":
        q.choices = [gift.Choice(text={_short_language(row): a["text"]}, fraction=float(a["fraction"]),
                                 feedback=dict(a.get("feedback") or {})) for a in key.get("answers", [])]
    elif row.qtype == "numerical":
        q.numeric = [gift.NumericAnswer(value=float(a["value"]), tolerance=float(a.get("tolerance") or 0),
                                        fraction=float(a["fraction"]), feedback=dict(a.get("feedback") or {}))
                     for a in key.get("answers", [])]
    elif row.qtype == "matching":
        q.pairs = [gift.Pair(left=dict(p.get("left") or {}), right=dict(p["right"])) for p in key.get("pairs", [])]
    return q


def _short_language(row: Question) -> str:
    return "sq" if "sq" in row.text else next(iter(row.text), "sq")


# --- Correcting a key ----------------------------------------------------------------------------

# The percentages Moodle allows for an answer (GIFT weights); negative ones penalise wrong picks.
FRACTIONS = (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571,
             12.5, 11.11111, 10, 5, 0)


class KeyProblem(BankError):
    """A corrected key that cannot be used (the message says why)."""

    def __init__(self, message):
        super().__init__([gift.GiftProblem(line=0, title=None, message=message)])

    def __str__(self) -> str:
        return str(self.problems[0].message)


def _fraction(value: str | None, *, negative: bool) -> float:
    try:
        percent = float(value or "0")
    except ValueError:
        raise KeyProblem(_l("Choose a percentage from the list.")) from None
    allowed = {round(f, 3) for f in FRACTIONS} | ({-round(f, 3) for f in FRACTIONS} if negative else set())
    if round(percent, 3) not in allowed:
        raise KeyProblem(_l("Choose a percentage from the list."))
    return round(percent / 100.0, 7)


def key_from_form(question: Question, form) -> dict:
    """The corrected key from the question page's form, checked like an imported one."""
    key = dict(question.key or {})
    if question.qtype in ("single", "multi"):
        choices = [dict(c, fraction=_fraction(form.get(f"fraction-{c['id']}"), negative=question.qtype == "multi"))
                   for c in key.get("choices", [])]
        if question.qtype == "single" and max((c["fraction"] for c in choices), default=0) < 1:
            raise KeyProblem(_l("One answer must be worth 100%."))
        if question.qtype == "multi":
            total = sum(c["fraction"] for c in choices if c["fraction"] > 0)
            if abs(total - 1.0) > 0.01:
                raise KeyProblem(_l("The right answers must add up to 100%% (now %(pct).1f%%).", pct=total * 100))
        key["choices"] = choices
    elif question.qtype == "truefalse":
        if form.get("correct") not in ("true", "false"):
            raise KeyProblem(_l("Say whether the statement is true or false."))
        key["correct"] = form.get("correct") == "true"
    elif question.qtype == "short":
        answers = []
        for a in key.get("answers", []):
            text = (form.get(f"answer-{a['id']}") or "").strip()
            if text:
                answers.append(dict(a, text=text[:255], fraction=_fraction(form.get(f"fraction-{a['id']}"),
                                                                             negative=False)))
        new = (form.get("answer-new") or "").strip()
        if new:
            answers.append({"id": max([a["id"] for a in key.get("answers", [])] + [0]) + 1, "text": new[:255],
                            "fraction": _fraction(form.get("fraction-new"), negative=False), "feedback": {}})
        if not answers or max(a["fraction"] for a in answers) < 1:
            raise KeyProblem(_l("At least one accepted answer must be worth 100%."))
        key.update(answers=answers, case_sensitive=bool(form.get("case_sensitive")),
                   ignore_diacritics=bool(form.get("ignore_diacritics")))
    elif question.qtype == "numerical":
        answers = []
        for a in key.get("answers", []):
            try:
                value = float((form.get(f"value-{a['id']}") or "").replace(",", "."))
                tolerance = float((form.get(f"tolerance-{a['id']}") or "0").replace(",", "."))
            except ValueError:
                raise KeyProblem(_l("Values and tolerances must be numbers.")) from None
            if tolerance < 0:
                raise KeyProblem(_l("A tolerance cannot be negative."))
            answers.append(dict(a, value=value, tolerance=tolerance,
                                fraction=_fraction(form.get(f"fraction-{a['id']}"), negative=False)))
        if not answers or max(a["fraction"] for a in answers) < 1:
            raise KeyProblem(_l("At least one answer must be worth 100%."))
        key["answers"] = answers
    else:
        raise KeyProblem(_l("The pairs of a matching question are corrected by importing its GIFT file again."))
    return key


def fix_key(question: Question, key: dict, *, actor=None) -> int:
    """Save a corrected key and regrade the attempts that answered the question; returns how many."""
    from lga.quizzes import attempts

    if key == question.key:
        return 0
    question.key, question.version = key, question.version + 1
    record("question.key_fixed", question, actor=actor, changes={"version": (question.version - 1, question.version)})
    db.session.flush()
    return attempts.regrade_questions([question.id], actor=actor)
