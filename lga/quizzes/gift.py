"""GIFT, Moodle's plain-text quiz format: read a file into questions, write questions back.

A pure module (no database, no app). ``parse`` turns GIFT text into ``GiftQuestion`` objects and a
list of ``GiftProblem``s for whatever it cannot take; it never raises. ``dump`` writes questions as
GIFT that Moodle imports and that ``parse`` reads back to the same questions.

Supported: multiple choice with one answer ("single") or several ("multi"), true/false, short
answer, numerical and matching questions, with titles, comments, ``$CATEGORY`` lines, text-format
prefixes, answer weights, per-answer and general feedback, and Moodle multi-language text.
Refused (reported, question skipped): essays, missing-word questions, descriptions, and anything
malformed.

Decisions where GIFT leaves room (Moodle's documentation and import behaviour are the reference):

* Single or multi: a choice question in which any answer is marked ``=`` is single-answer (radio
  buttons), even if other answers carry partial weights (``~%50%``); one written only with ``~``
  and weights is multi-answer (check boxes). Single needs an answer worth 100%; multi needs its
  positive weights to add up to 100%.
* True/false feedback ``{T#first#second}``: the first is shown to a student who answered wrong,
  the second to one who answered right. So for a true statement ``feedback_false`` is the first and
  ``feedback_true`` the second; for a false statement the other way round.
* Numerical ranges ``{#min..max}`` are stored as the midpoint with a tolerance of half the width;
  ``dump`` always writes ``value:tolerance``.
* Weights must be grades Moodle offers (100, 90, 83.33333, 80, ... 5, 0 and, for choice
  questions, their negatives); they are stored as Moodle's fractions (0.3333333 for a third).
* A lone short answer may be written without ``=`` (``{eight}``), as Moodle allows.
* Matching needs two real pairs (Moodle's documentation asks for three); ``= -> x`` is a
  distractor. Matching pairs take no feedback and no weights.
* ``$CATEGORY`` paths are kept as written (``$course$/top/...`` included); ``category_parts``
  gives the names. A ``$CATEGORY`` line needs no blank line before it.
* Answers and feedback may repeat the question's ``[format]``; a different one is refused, as
  the model has one format per question. General feedback may also follow the closing brace.
* Multi-language text: core ``multilang`` spans (any attribute order; the ``=`` of their
  attributes needs no escaping even inside answers) and multilang2 ``{mlang xx}`` tags, whose
  braces must be escaped as GIFT requires. ``dump`` writes spans when a text has more than one
  language, or one language other than the default; plain text otherwise.
* ``->`` inside answers is written ``-\\>``: Moodle has no escape for it, and our reader turns
  ``\\>`` inside braces back into ``>``, so a choice text may hold an arrow without reading as a
  matching pair.
* ``dump`` does not validate: a question that breaks these rules is written anyway and comes back
  as a problem from ``parse``.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Iterator

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

Text = dict[str, str]  # language code -> text

QUESTION_TYPES = ("single", "multi", "truefalse", "short", "numerical", "matching")
TEXT_FORMATS = ("moodle", "plain", "markdown", "html")
DEFAULT_LANGUAGE = "sq"

# Tests switch this on so that a bug caught by the safety nets below fails loudly instead of
# turning into a "could not be read" problem.
_STRICT = False


# --------------------------------------------------------------------------------------------
# The intermediate representation


@dataclass
class Choice:
    text: Text
    fraction: float  # in [-1, 1]; 1.0 is full credit
    feedback: Text = field(default_factory=dict)


@dataclass
class NumericAnswer:
    value: float
    tolerance: float = 0.0
    fraction: float = 1.0
    feedback: Text = field(default_factory=dict)


@dataclass
class Pair:
    left: Text  # {} for a distractor: a right-hand answer that matches nothing
    right: Text


@dataclass
class GiftQuestion:
    qtype: str  # one of QUESTION_TYPES
    title: str | None = None
    text: Text = field(default_factory=dict)
    text_format: str = "moodle"  # one of TEXT_FORMATS; html is sanitised by the caller
    category: str | None = None  # the $CATEGORY path in force, as written
    general_feedback: Text = field(default_factory=dict)
    choices: list[Choice] = field(default_factory=list)  # single, multi; short: accepted answers
    numeric: list[NumericAnswer] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    correct: bool | None = None  # truefalse
    feedback_true: Text = field(default_factory=dict)  # shown when the student answers "true"
    feedback_false: Text = field(default_factory=dict)  # shown when the student answers "false"
    line: int = 0  # first line of the question in the file (1-based)
    comment: str | None = None  # the // lines right before the question, without the slashes


@dataclass
class GiftProblem:
    line: int
    title: str | None
    message: LazyString  # translatable; names the question (title and line) and what is wrong


# --------------------------------------------------------------------------------------------
# Problems


class _Refused(Exception):
    """Raised anywhere below to refuse the question being read; ``detail`` is a lazy string."""

    def __init__(self, detail):
        super().__init__(str(detail))
        self.detail = detail


def _problem(line: int, title: str | None, detail) -> GiftProblem:
    if title:
        message = _l("Question '%(title)s' (line %(line)d): %(problem)s", title=title, line=line, problem=detail)
    else:
        message = _l("Question at line %(line)d: %(problem)s", line=line, problem=detail)
    return GiftProblem(line=line, title=title, message=message)


def _answer_name(number: int):
    return _l("answer %(number)d", number=number)


def _feedback_name(number: int):
    return _l("the feedback of answer %(number)d", number=number)


# --------------------------------------------------------------------------------------------
# Grades

# The grades Moodle offers for an answer; its GIFT import refuses any other. Thirds, sixths,
# sevenths and ninths are kept to 7 decimals, as Moodle stores them.
MOODLE_FRACTIONS = (
    1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0,
)
# Close enough to count as one of them ("%33.333%" is a third), as in Moodle's own check.
_FRACTION_TOLERANCE = 1e-5
# Moodle rounds the sum of a multi-answer question's positive grades to whole percents.
_SUM_TOLERANCE = 0.005
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER)


def moodle_fraction(fraction: float, negative_allowed: bool = True) -> float | None:
    """The Moodle grade ``fraction`` stands for (canonical value), or None if Moodle has none."""
    if not math.isfinite(fraction) or (fraction < 0 and not negative_allowed):
        return None
    for allowed in MOODLE_FRACTIONS:
        if abs(abs(fraction) - allowed) < _FRACTION_TOLERANCE:
            return -allowed if fraction < 0 else allowed
    return None


def _format_percent(fraction: float) -> str:
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_ALLOWED_PERCENTS = ", ".join(_format_percent(f) for f in MOODLE_FRACTIONS)


def _read_grade(percent: str, number: int, negative_allowed: bool) -> float:
    if not _NUMBER_RE.fullmatch(percent.strip()):
        raise _Refused(_l("answer %(number)d has the weight %(weight)s, which is not a number",
                          number=number, weight=f"%{percent}%"))
    value = float(percent.strip()) / 100
    if value < 0 and not negative_allowed:
        raise _Refused(_l("answer %(number)d has a negative weight; only multiple-choice answers may have one",
                          number=number))
    fraction = moodle_fraction(value, negative_allowed)
    if fraction is None:
        raise _Refused(_l("answer %(number)d has the weight %(weight)s, which is not a grade Moodle accepts "
                          "(use one of %(allowed)s, or its negative for a wrong choice)",
                          number=number, weight=f"%{percent}%", allowed=_ALLOWED_PERCENTS))
    return fraction


# --------------------------------------------------------------------------------------------
# Characters: escapes, searching outside escapes, format prefixes

_SPECIAL = "~=#{}:\\"
# Inside a <span ...> tag "=" (and the "#" and ":" of a style) are not GIFT markers, so that a
# trainer can write multilang spans in answers without escaping their attributes.
_SPAN_TAG = re.compile(r"<span\b[^<>{}~\n]*>", re.IGNORECASE)


def _active(raw: str, start: int = 0) -> Iterator[int]:
    """Positions in ``raw`` whose character may be a GIFT marker: not escaped, not in a span tag."""
    i, n = start, len(raw)
    while i < n:
        c = raw[i]
        if c == "\\":
            i += 2
            continue
        if c == "<":
            tag = _SPAN_TAG.match(raw, i)
            if tag:
                i = tag.end()
                continue
        yield i
        i += 1


def _find(raw: str, marker: str, start: int = 0) -> int:
    """Index of the first active ``marker`` at or after ``start`` (a character boundary), or -1."""
    for i in _active(raw, start):
        if raw.startswith(marker, i):
            return i
    return -1


def _cut(raw: str, marker: str) -> tuple[str, str | None]:
    """Split at the first active ``marker``: (before, after), after is None when there is none."""
    i = _find(raw, marker)
    return (raw, None) if i < 0 else (raw[:i], raw[i + len(marker):])


def _split_markers(raw: str, markers: str) -> tuple[str, list[tuple[str, str]]]:
    """Cut an answer list at every active marker character: the text before the first one, and
    (marker, text) for each answer."""
    lead: str | None = None
    pieces: list[tuple[str, str]] = []
    current, start = "", 0
    for i in _active(raw):
        if raw[i] in markers:
            if lead is None:
                lead = raw[:i]
            else:
                pieces.append((current, raw[start:i]))
            current, start = raw[i], i + 1
    if lead is None:
        return raw, []
    pieces.append((current, raw[start:]))
    return lead, pieces


def _unescape(raw: str, in_answers: bool) -> str:
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "\\" and i + 1 < n:
            following = raw[i + 1]
            if following == "n":
                out.append("\n")
                i += 2
                continue
            if following in _SPECIAL or (in_answers and following == ">"):
                out.append(following)
                i += 2
                continue
        # Like Moodle, a backslash before anything else is an ordinary character.
        out.append(c)
        i += 1
    return "".join(out)


def _escape(text: str, in_answers: bool) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = "".join("\\" + c if c in _SPECIAL else "\\n" if c == "\n" else c for c in text)
    return out.replace("->", "-\\>") if in_answers else out


_FORMAT_PREFIX = re.compile(r"\[([A-Za-z]+)\]")


def _take_format(raw: str) -> tuple[str | None, str | None, str]:
    """A leading [format]: (known format, unknown name, rest). A bracketed lowercase word that
    is no format is taken as a mistyped prefix; anything else in brackets is ordinary text."""
    stripped = raw.lstrip()
    prefix = _FORMAT_PREFIX.match(stripped)
    if prefix:
        name = prefix.group(1)
        if name.lower() in TEXT_FORMATS:
            return name.lower(), None, stripped[prefix.end():]
        if name.islower() and len(name) >= 2:
            return None, name, stripped
    return None, None, raw


# --------------------------------------------------------------------------------------------
# Languages: Moodle's multilang spans and the multilang2 filter's {mlang} tags

_SPAN_ANY = re.compile(r"<span\b[^<>]*>|</span\s*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")
_LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{1,8})*")
_MLANG_TAG = re.compile(r"\{mlang(?:\s+([-\w,][-\w, ]{0,59}?))?\s*\}", re.IGNORECASE)
_OTHER = "other"  # multilang2: the text for any language not listed


def _span_language(opening: str) -> str | None:
    """The language of a multilang span's opening tag (any attribute order), or None."""
    attributes = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
                  for m in _ATTRIBUTE.finditer(opening)}
    if "multilang" not in attributes.get("class", "").split():
        return None
    code = attributes.get("lang", "").strip()
    return code.lower() if _LANGUAGE_CODE.fullmatch(code) else None


def _language_blocks(text: str) -> list[tuple[int, int, list[str], str]]:
    """(start, end, languages, content) of every multilang span and {mlang} block, in order."""
    blocks = []
    # Spans nest (a multilang span may hold styled spans): pair each </span> with the latest
    # open <span>, in one pass so that unclosed tags cannot make this slow.
    open_spans: list[tuple[re.Match, str | None]] = []
    for tag in _SPAN_ANY.finditer(text):
        if not tag.group(0).startswith("</"):
            open_spans.append((tag, _span_language(tag.group(0))))
        elif open_spans:
            opening, code = open_spans.pop()
            if code is not None:
                blocks.append((opening.start(), tag.end(), [code], text[opening.end():tag.start()]))
    if "{mlang" in text.lower():
        # {mlang xx} ... {mlang}; they do not nest, an opening inside a block is its content.
        mlang: re.Match | None = None
        for tag in _MLANG_TAG.finditer(text):
            if tag.group(1) is not None:
                mlang = mlang or tag
                continue
            if mlang is not None:
                codes = [c.strip().lower() for c in mlang.group(1).split(",")]
                codes = [c for c in codes if c == _OTHER or _LANGUAGE_CODE.fullmatch(c)]
                if codes:
                    blocks.append((mlang.start(), tag.end(), codes, text[mlang.end():tag.start()]))
                mlang = None
    blocks.sort(key=lambda b: b[0])
    kept, end = [], 0
    for block in blocks:  # a block inside another one's content is that content, not a block
        if block[0] >= end:
            kept.append(block)
            end = block[1]
    return kept


def _split_languages(text: str, default_language: str) -> Text:
    """Text with multilang markup -> {language: text}; plain text goes under default_language.

    Blocks separated only by white space are alternatives of one another (as the filters show
    them); text around them is shared by every language. A language missing from a group gets
    the default language's text, else {mlang other}, else the group's first, as the filters
    would show it."""
    blocks = _language_blocks(text)
    if not blocks:
        plain = text.strip()
        return {default_language: plain} if plain else {}
    pieces: list[str | dict[str, str]] = []  # shared text and groups of alternatives, in order
    languages: list[str] = []
    group: dict[str, str] | None = None
    position = 0
    for start, end, codes, content in blocks:
        between = text[position:start]
        if group is None or between.strip():
            group = {}
            pieces += [between, group]
        for code in codes:
            group.setdefault(code, content)
            if code != _OTHER and code not in languages:
                languages.append(code)
        position = end
    pieces.append(text[position:])
    if not languages:
        languages = [default_language]
    result: Text = {}
    for language in languages:
        out = []
        for piece in pieces:
            if isinstance(piece, str):
                out.append(piece)
            else:
                fallback = piece.get(default_language, piece.get(_OTHER, next(iter(piece.values()))))
                out.append(piece.get(language, fallback))
        joined = "".join(out).strip()
        if joined:
            result[language] = joined
    return result


def _encode_text(text: Text, default_language: str, in_answers: bool) -> str:
    """A Text as escaped GIFT: plain when it is only in the default language, spans otherwise."""
    if not text:
        return ""
    if len(text) == 1 and default_language in text:
        return _escape(text[default_language], in_answers)
    order = sorted(text, key=lambda code: code != default_language)  # default language first
    return "".join(_escape(f'<span lang="{code}" class="multilang">', in_answers)
                   + _escape(text[code], in_answers) + "</span>" for code in order)


# --------------------------------------------------------------------------------------------
# Reading: the file into blocks, blocks into questions


def parse(text: str, default_language: str = DEFAULT_LANGUAGE) -> tuple[list[GiftQuestion], list[GiftProblem]]:
    """Read GIFT text. Returns the questions it could take and a problem for each it could not."""
    try:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", errors="replace")
        return _parse(str(text), default_language)
    except Exception:  # noqa: BLE001 - a bug here must not turn an upload into a server error
        if _STRICT:
            raise
        return [], [GiftProblem(line=0, title=None, message=_l("The file could not be read as GIFT."))]


def _parse(text: str, default_language: str) -> tuple[list[GiftQuestion], list[GiftProblem]]:
    questions: list[GiftQuestion] = []
    problems: list[GiftProblem] = []
    category: str | None = None
    for block in _blocks(text):
        comments: list[str] = []
        for index, (number, line) in enumerate(block):
            if line.startswith("//"):
                comments.append(line[2:].strip())
            elif line.startswith("$CATEGORY:"):
                path = line[len("$CATEGORY:"):].strip()
                if path:
                    category = path
                else:
                    problems.append(GiftProblem(number, None, _l(
                        "Line %(line)d: the $CATEGORY line names no category", line=number)))
                comments = []  # they describe the category (Moodle's export writes one there)
            else:
                # The question runs to the end of the block; comment lines inside it are dropped.
                raw = "\n".join(l for _, l in block[index:] if not l.startswith("//"))
                comment = "\n".join(comments) if comments else None
                result = _read_block_question(raw, number, category, comment, default_language)
                (questions if isinstance(result, GiftQuestion) else problems).append(result)
                break
    return questions, problems


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Groups of (line number, stripped line) separated by blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    block: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith("$CATEGORY:") and block:  # a category line starts a block anyway
            yield block
            block = []
        if stripped:
            block.append((number, stripped))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _read_block_question(raw: str, line: int, category: str | None, comment: str | None,
                         default_language: str) -> GiftQuestion | GiftProblem:
    title = None
    try:
        title, rest = _take_title(raw)
        question = _read_question(rest, default_language)
    except _Refused as refusal:
        return _problem(line, title, refusal.detail)
    except Exception:  # noqa: BLE001 - one unreadable question must not lose the others
        if _STRICT:
            raise
        return _problem(line, title, _l("the question could not be read"))
    question.title, question.line, question.category, question.comment = title, line, category, comment
    return question


def _take_title(raw: str) -> tuple[str | None, str]:
    if not raw.startswith("::"):
        return None, raw
    end = _find(raw, "::", 2)
    if end < 0:
        raise _Refused(_l("the title is not closed with ::"))
    return _unescape(raw[2:end], in_answers=False).strip() or None, raw[end + 2:]


def _read_question(rest: str, language: str) -> GiftQuestion:
    text_format, unknown, rest = _take_format(rest)
    if unknown:
        raise _Refused(_l("unknown text format [%(name)s] (use [moodle], [plain], [markdown] or [html])",
                          name=unknown))
    text_format = text_format or "moodle"

    opening = _find(rest, "{")
    stray = _find(rest, "}")
    if opening < 0:
        if stray >= 0:
            raise _Refused(_l("a } closes answers that were never opened with { (write \\} for a brace)"))
        raise _Refused(_l("there are no answers in braces; descriptions are not supported"))
    if 0 <= stray < opening:
        raise _Refused(_l("a } in the question text closes nothing (write \\} for a brace)"))
    closing = _find(rest, "}", opening + 1)
    if closing < 0:
        raise _Refused(_l("the answers opened with { are not closed with }"))
    body = rest[opening + 1:closing]
    if _find(body, "{") >= 0:
        raise _Refused(_l("a second { inside the answers (write \\{ for a brace)"))

    # After the answers only white space, or the general feedback, may follow.
    after = rest[closing + 1:].strip()
    general_after = None
    if after:
        if after.startswith("####") and _find(after, "{") < 0 and _find(after, "}") < 0:
            general_after = after[4:]
        else:
            raise _Refused(_l("text follows the answers: missing-word questions are not supported"))

    body, general_raw = _cut(body, "####")
    if general_raw is not None and general_after is not None:
        raise _Refused(_l("the general feedback is given twice"))
    general_raw = general_raw if general_raw is not None else general_after

    kind = _kind(body)
    if kind == "essay":
        raise _Refused(_l("essay questions are not supported"))
    text = _split_languages(_unescape(rest[:opening], in_answers=False), language)
    if not text:
        raise _Refused(_l("the question text is empty"))

    parts = _PartReader(text_format, language)
    question = GiftQuestion(qtype=kind, text=text, text_format=text_format)
    if general_raw is not None:
        question.general_feedback = parts.read(general_raw, _l("the general feedback"))
    _READERS[kind](question, body, parts)
    return question


def _kind(body: str) -> str:
    """The question type the answer list stands for, in Moodle's order of precedence."""
    stripped = body.strip()
    if not stripped:
        return "essay"
    if stripped.startswith("#"):
        return "numerical"
    head, _ = _cut(stripped, "#")
    if head.strip() in ("T", "TRUE", "F", "FALSE"):
        return "truefalse"
    if _find(stripped, "~") >= 0:
        return "single"  # or multi: decided once the answers are read
    if _find(stripped, "->") >= 0:
        return "matching"
    return "short"


class _PartReader:
    """Reads a piece of text inside the braces: format prefix, escapes, languages."""

    def __init__(self, text_format: str, language: str):
        self.text_format = text_format
        self.language = language

    def read(self, raw: str, name) -> Text:
        part_format, unknown, rest = _take_format(raw.strip())
        if unknown:
            raise _Refused(_l("%(part)s has the unknown text format [%(name)s]", part=name, name=unknown))
        # One text format per question: the model has no format for answers of their own.
        if part_format and part_format != self.text_format:
            raise _Refused(_l("%(part)s is in [%(name)s] but the question text is in [%(question)s]; "
                              "answers and feedback must use the question's format",
                              part=name, name=part_format, question=self.text_format))
        return _split_languages(_unescape(rest, in_answers=True), self.language)

    def plain(self, raw: str) -> Text:
        return _split_languages(_unescape(raw, in_answers=True), self.language)


def _take_weight(raw: str) -> tuple[str | None, str]:
    """A leading %weight%: (the weight as written, rest)."""
    stripped = raw.lstrip()
    if stripped.startswith("%"):
        end = stripped.find("%", 1)
        if end > 0:
            return stripped[1:end], stripped[end + 1:]
    return None, raw


def _reject_text_before(lead: str, markers: str) -> None:
    if lead.strip():
        raise _Refused(_l("text before the first answer (each answer starts with %(markers)s): %(text)s",
                          markers=markers, text=_short(_unescape(lead.strip(), in_answers=True))))


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return f"“{text}”" if len(text) <= limit else f"“{text[:limit]}…”"


def _read_choices(question: GiftQuestion, body: str, parts: _PartReader) -> None:
    lead, pieces = _split_markers(body, "=~")
    _reject_text_before(lead, "= or ~")
    for number, (marker, piece) in enumerate(pieces, 1):
        if _find(piece, "->") >= 0:
            raise _Refused(_l("answer %(number)d contains ->, which only matching questions use "
                              "(a matching question has no ~ answers)", number=number))
        weight, rest = _take_weight(piece)
        fraction = 1.0 if marker == "=" else 0.0
        if weight is not None:
            fraction = _read_grade(weight, number, negative_allowed=True)
        question.choices.append(_read_answer(rest, number, fraction, parts))
    if len(question.choices) < 2:
        raise _Refused(_l("a multiple-choice question needs at least two answers"))
    fractions = [c.fraction for c in question.choices]
    # Moodle's rule: an answer marked "=" makes a one-answer question (partial weights allowed
    # on the others); only "~" answers with weights make a several-answers question.
    if any(marker == "=" for marker, _ in pieces):
        question.qtype = "single"
        if max(fractions) < 1:
            raise _Refused(_l("no answer gives full credit: mark the right answer with ="))
        return
    question.qtype = "multi"
    total = sum(f for f in fractions if f > 0)
    if total <= 0:
        raise _Refused(_l("there is no right answer: mark it with =, or give the right answers "
                          "positive weights such as ~%(example)s", example="%50%"))
    if abs(total - 1) > _SUM_TOLERANCE:
        raise _Refused(_l("the positive weights of the answers add up to %(total)s, not 100 (several right "
                          "answers share the full credit)", total=_format_percent(total)))


def _read_answer(raw: str, number: int, fraction: float, parts: _PartReader) -> Choice:
    text_raw, feedback_raw = _cut(raw, "#")
    text = parts.read(text_raw, _answer_name(number))
    if not text:
        raise _Refused(_l("answer %(number)d is empty", number=number))
    feedback = parts.read(feedback_raw, _feedback_name(number)) if feedback_raw is not None else {}
    return Choice(text=text, fraction=fraction, feedback=feedback)


def _read_short(question: GiftQuestion, body: str, parts: _PartReader) -> None:
    lead, pieces = _split_markers(body, "=")
    if not pieces:  # Moodle takes a lone answer written without "=" too: {eight}
        pieces = [("=", lead)]
    else:
        _reject_text_before(lead, "=")
    for number, (_, piece) in enumerate(pieces, 1):
        weight, rest = _take_weight(piece)
        fraction = 1.0 if weight is None else _read_grade(weight, number, negative_allowed=False)
        question.choices.append(_read_answer(rest, number, fraction, parts))
    if max(c.fraction for c in question.choices) < 1:
        raise _Refused(_l("no accepted answer gives full credit"))


def _read_truefalse(question: GiftQuestion, body: str, parts: _PartReader) -> None:
    head, feedback = _cut(body.strip(), "#")
    question.correct = head.strip() in ("T", "TRUE")
    wrong_raw, right_raw = _cut(feedback, "#") if feedback is not None else ("", None)
    if right_raw is not None and _find(right_raw, "#") >= 0:
        raise _Refused(_l("a true/false question takes at most two feedbacks "
                          "(#shown for a wrong answer#shown for a right answer)"))
    wrong = parts.read(wrong_raw, _l("the feedback for a wrong answer"))
    right = parts.read(right_raw, _l("the feedback for a right answer")) if right_raw is not None else {}
    if question.correct:
        question.feedback_true, question.feedback_false = right, wrong
    else:
        question.feedback_true, question.feedback_false = wrong, right


def _read_matching(question: GiftQuestion, body: str, parts: _PartReader) -> None:
    lead, pieces = _split_markers(body, "=")
    _reject_text_before(lead, "=")
    for number, (_, piece) in enumerate(pieces, 1):
        if _find(piece, "#") >= 0:
            raise _Refused(_l("pair %(number)d has feedback; matching questions take none", number=number))
        arrow = _find(piece, "->")
        if arrow < 0:
            raise _Refused(_l("pair %(number)d has no -> between the item and its match", number=number))
        left = parts.read(piece[:arrow], _l("pair %(number)d", number=number))
        right = parts.plain(piece[arrow + 2:])  # Moodle keeps the right-hand side as plain text
        if not right:
            raise _Refused(_l("pair %(number)d has nothing after ->", number=number))
        question.pairs.append(Pair(left=left, right=right))
    if sum(1 for p in question.pairs if p.left) < 2:
        raise _Refused(_l("a matching question needs at least two pairs"))


_VALUE_TOLERANCE = re.compile(rf"({_NUMBER})\s*:\s*({_NUMBER})")
_RANGE = re.compile(rf"({_NUMBER})\s*\.\.\s*({_NUMBER})")


def _read_numerical(question: GiftQuestion, body: str, parts: _PartReader) -> None:
    body = body.strip()[1:]  # the "#" that makes it numerical
    if _find(body, "~") >= 0:
        raise _Refused(_l("feedback for other answers (~) in numerical questions is not supported"))
    lead, pieces = _split_markers(body, "=")
    if not pieces:  # a single answer needs no "=": {#3.14:0.01}
        if not lead.strip():
            raise _Refused(_l("the numerical question has no answer"))
        pieces = [("=", lead)]
    else:
        _reject_text_before(lead, "=")
    for number, (_, piece) in enumerate(pieces, 1):
        weight, rest = _take_weight(piece)
        fraction = 1.0 if weight is None else _read_grade(weight, number, negative_allowed=False)
        value_raw, feedback_raw = _cut(rest, "#")
        value, tolerance = _read_number(value_raw.strip(), number)
        feedback = parts.read(feedback_raw, _feedback_name(number)) if feedback_raw is not None else {}
        question.numeric.append(NumericAnswer(value=value, tolerance=tolerance, fraction=fraction, feedback=feedback))
    if max(a.fraction for a in question.numeric) < 1:
        raise _Refused(_l("no numerical answer gives full credit"))


def _read_number(raw: str, number: int) -> tuple[float, float]:
    if not raw:
        raise _Refused(_l("numerical answer %(number)d has no number", number=number))
    if _NUMBER_RE.fullmatch(raw):
        value, tolerance = float(raw), 0.0
    elif match := _VALUE_TOLERANCE.fullmatch(raw):
        value, tolerance = float(match.group(1)), float(match.group(2))
        if tolerance < 0:
            raise _Refused(_l("numerical answer %(number)d has a negative tolerance", number=number))
    elif match := _RANGE.fullmatch(raw):
        low, high = float(match.group(1)), float(match.group(2))
        if low > high:
            raise _Refused(_l("numerical answer %(number)d: the range %(range)s starts above its end",
                              number=number, range=raw))
        value, tolerance = (low + high) / 2, (high - low) / 2
        if not (math.isfinite(value) and math.isfinite(tolerance)):  # huge ends: halve first
            value, tolerance = low / 2 + high / 2, high / 2 - low / 2
    else:
        raise _Refused(_l("numerical answer %(number)d is not a number (write 3.14, 3.14:0.01 or 3..4): %(text)s",
                          number=number, text=_short(_unescape(raw, in_answers=True))))
    if not (math.isfinite(value) and math.isfinite(tolerance)):
        raise _Refused(_l("numerical answer %(number)d is too large", number=number))
    return value, tolerance


_READERS = {
    "single": _read_choices,
    "short": _read_short,
    "truefalse": _read_truefalse,
    "matching": _read_matching,
    "numerical": _read_numerical,
}


def category_parts(path: str | None) -> list[str]:
    """A $CATEGORY path as names: Moodle's context prefix ($course$, $system$...) and its "top"
    category dropped, "//" (Moodle's escape for a slash inside a name) kept as "/"."""
    if not path:
        return []
    names = [n.replace("\0", "/").strip() for n in path.replace("//", "\0").split("/")]
    if names and re.fullmatch(r"\$\w+\$", names[0]):
        names = names[1:]
    if names and names[0] == "top":
        names = names[1:]
    return [n for n in names if n]


# --------------------------------------------------------------------------------------------
# Writing


def dump(questions: list[GiftQuestion], default_language: str = DEFAULT_LANGUAGE) -> str:
    """GIFT for ``questions``: a $CATEGORY line wherever the category changes, each question with
    its comment, title, format, answers and feedback. Text only in ``default_language`` is written
    plain, anything else as multilang spans."""
    blocks: list[str] = []
    category: str | None = None
    for question in questions:
        if question.category and question.category != category:
            category = question.category
            blocks.append("$CATEGORY: " + category.replace("\r", " ").replace("\n", " ").strip())
        blocks.append(_write_question(question, default_language))
    return "\n\n".join(blocks) + "\n" if blocks else ""


class _PartWriter:
    def __init__(self, question: GiftQuestion, language: str):
        self.text_format = question.text_format if question.text_format in TEXT_FORMATS else "moodle"
        self.language = language

    def write(self, text: Text) -> str:
        encoded = _encode_text(text, self.language, in_answers=True)
        # A text that starts with a bracket would be read as a format prefix: state the format.
        return f"[{self.text_format}]{encoded}" if encoded.startswith("[") else encoded

    def feedback(self, text: Text) -> str:
        return "#" + self.write(text) if text else ""


def _write_question(question: GiftQuestion, language: str) -> str:
    lines = []
    if question.comment is not None:
        for comment_line in question.comment.replace("\r", "\n").split("\n"):
            lines.append(("// " + comment_line.strip()).rstrip())
    parts = _PartWriter(question, language)
    head = f"::{_escape(question.title, in_answers=False)}:: " if question.title else ""
    text = _encode_text(question.text, language, in_answers=False)
    # "//" at the start of a line would make it a comment, "[" a format prefix.
    if parts.text_format != "moodle" or text.startswith(("[", "/")):
        head += f"[{parts.text_format}]"
    head += text + " "
    general = f"####{parts.write(question.general_feedback)}" if question.general_feedback else ""

    if question.qtype == "truefalse":
        wrong, right = ((question.feedback_false, question.feedback_true) if question.correct
                        else (question.feedback_true, question.feedback_false))
        feedback = ""
        if right:
            feedback = f"#{parts.write(wrong)}#{parts.write(right)}"
        elif wrong:
            feedback = f"#{parts.write(wrong)}"
        lines.append(f"{head}{{{'TRUE' if question.correct else 'FALSE'}{feedback}{general}}}")
        return "\n".join(lines)

    if question.qtype == "numerical" and len(question.numeric) == 1 and question.numeric[0].fraction == 1:
        lines.append(f"{head}{{#{_write_number(question.numeric[0], parts)}{general}}}")
        return "\n".join(lines)
    lines.append(head + "{")
    if question.qtype == "numerical":
        lines[-1] += "#"
        lines.extend(("=" if a.fraction == 1 else f"=%{_format_percent(a.fraction)}%") + _write_number(a, parts)
                     for a in question.numeric)
    elif question.qtype == "matching":
        for pair in question.pairs:
            right = _encode_text(pair.right, language, in_answers=True)
            lines.append(f"={parts.write(pair.left)} -> {right}")
    else:
        lines.extend(_write_choice(question.qtype, choice, parts) for choice in question.choices)
    if general:
        lines.append(general)
    lines.append("}")
    return "\n".join(lines)


def _write_choice(qtype: str, choice: Choice, parts: _PartWriter) -> str:
    # In a one-answer question "=" marks full credit; a several-answers question must have no
    # "=" at all (that is what tells Moodle it is one), and short answers are all "=".
    marker = "=" if qtype == "short" or (qtype == "single" and choice.fraction == 1) else "~"
    default = 1.0 if marker == "=" else 0.0
    text = parts.write(choice.text)
    weight = ""
    if choice.fraction != default or text.startswith("%"):  # a leading % would read as a weight
        weight = f"%{_format_percent(choice.fraction)}%"
    return f"{marker}{weight}{text}{parts.feedback(choice.feedback)}"


def _write_number(answer: NumericAnswer, parts: _PartWriter) -> str:
    return f"{_format_number(answer.value)}:{_format_number(answer.tolerance)}{parts.feedback(answer.feedback)}"


def _format_number(number: float) -> str:
    # repr() is the shortest text that reads back as the same float; "2" reads better than "2.0".
    text = repr(float(number))
    return text[:-2] if text.endswith(".0") else text
