"""Reading Zoom participant reports and Microsoft Teams attendance reports. Pure: no database,
no request, no application needed (messages are lazy translations).

What the platforms export, and what is read:

Zoom ("Reports > Usage > Participants > Export", CSV in UTF-8):
  * optionally a meeting block first: a header ``Meeting ID,Topic,Start Time,End Time,User
    Email,Duration (Minutes),Participants`` (newer: ``Topic,ID,Host,Duration (minutes),Start
    time,End time,Participants``), its value row and a blank line;
  * the participant table ``Name (Original Name),User Email,Join Time,Leave Time,Duration
    (Minutes),Guest,...`` (older exports stop after ``Duration (Minutes)``), one row per
    join/leave interval; or both blocks flattened into one table (meeting columns repeated on
    every row, a host ``User Email`` before the participant's one).
Teams ("Attendance" tab > Download), UTF-16 LE with BOM, tab separated:
  * current export: ``1. Summary`` (key/value rows: Meeting title, Attended participants, Start
    time, End time, Meeting duration, Average attendance time), ``2. Participants`` (Name, First
    Join, Last Leave, In-Meeting Duration, Email, Participant ID (UPN), Role) and ``3. In-Meeting
    Activities`` (Name, Join Time, Leave Time, Duration, Email, Role, one row per interval). The
    activities are used when present (they show gaps); otherwise each person's first join to
    last leave from section 2 (gaps then cannot be seen);
  * older export: a ``Meeting Summary`` block (Total Number of Participants, Meeting Title,
    Meeting Start Time, Meeting End Time) or nothing, then ``Full Name, User Action, Timestamp``
    with Joined / Left / Joined before events, paired per person (several devices counted once;
    someone still in at the end is counted to the meeting's end, or to the report's last time).

The reader finds the participant table by its header row, not by section titles, and matches
headers forgivingly (case, accents, spaces, punctuation ignored). Header and label languages:
English, German and French for both platforms; Spanish and Italian for the common columns (as far
as known; English is by far the most common export here, there being no Albanian Teams UI). See
the alias tables below.

Times: exports carry the exporting user's local time without a zone; naive times are read in
``tz`` (Europe/Belgrade by default) and returned as aware UTC datetimes. Dates may be ISO
(2026-11-24 09:01:12), US (11/24/2026 09:01:12 AM, 11/24/26, 9:01 AM), day-first with dots or
dashes (24.11.26, 09:01:12) or day-first with slashes (24/11/2026 09:01). Slashed dates are read
month-first or day-first for the whole file: a first number above 12 means day-first, a second
above 12 month-first; otherwise AM/PM means month-first (US) and 24-hour clocks day-first.

Any problem with the file as a whole raises ``ReportError`` (a translatable message and, when it
is about one row, its line number); nothing else escapes ``read_report``.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

DEFAULT_TZ = ZoneInfo("Europe/Belgrade")
MAX_BYTES = 10 * 1024 * 1024  # a 1,000-person all-day meeting is well under 1 MB


class ReportError(Exception):
    """The report as a whole cannot be used; ``message`` is translatable text for the user and
    ``line`` the file's line (1 = first line) when one line is to blame."""

    def __init__(self, message, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class Participant:
    name: str
    email: str | None
    intervals: list[tuple[datetime, datetime]]  # merged, sorted, aware UTC
    minutes: int  # length of the merged intervals, whole minutes rounded down
    rows: list[int] = field(default_factory=list)  # the file's lines this person came from


@dataclass
class OnlineReport:
    platform: str  # "zoom" | "teams"
    title: str | None
    starts_at: datetime | None  # the report's own start, else the earliest join (UTC)
    ends_at: datetime | None  # the report's own end, else the latest leave (UTC)
    participants: list[Participant]
    encoding: str


# --- Names -----------------------------------------------------------------------------------

# Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans({"đ": "dj", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ı": "i",
                          "þ": "th", "ð": "d", "ħ": "h", "ŧ": "t", "ŋ": "n"})
# Serbian Cyrillic to Serbian Latin (as people in Kosovo write their names either way).
_CYRILLIC = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "dj", "е": "e", "ж": "z", "з": "z",
    "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "c", "у": "u", "ф": "f", "х": "h", "ц": "c",
    "ч": "c", "џ": "dz", "ш": "s",
})
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_NOT_WORD = re.compile(r"[\W_]+")
_DJ = re.compile(r"dj+")


def fold_name(name: str) -> str:
    """A name reduced for matching: no case, no accents, no punctuation, single spaces, and no
    bracketed parts ("Besa Gashi (Guest)", "Besa Gashi (KK Prizren)", Zoom's "New Name (Original
    Name)" all give "besa gashi"). Albanian ë ç, Serbian š č ć ž lose their marks; Serbian
    Cyrillic is transliterated. đ and the "dj" people type for it both become "d", so
    "Đorđević", "Djordjevic" and "Dordevic" match (the price: Albanian "Djellza" folds to
    "dellza" — harmless, as both sides of a comparison are folded alike)."""
    text = unicodedata.normalize("NFKC", str(name))
    while True:  # innermost brackets first, so nested ones go too
        stripped = _BRACKETED.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    text = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LETTERS).translate(_CYRILLIC)
    text = " ".join(_NOT_WORD.sub(" ", text).split())
    return _DJ.sub("d", text)


def _key(text: str) -> str:
    """A header or label reduced to letters and digits, for forgiving comparison."""
    text = unicodedata.normalize("NFKD", str(text).casefold())
    return re.sub(r"[\W_]+", "", "".join(c for c in text if not unicodedata.combining(c)))


# --- Intervals -------------------------------------------------------------------------------

def merge_intervals(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The union of the intervals as sorted, disjoint intervals (touching ones joined), so time
    covered twice (two devices, overlapping rows) counts once."""
    merged: list[list[datetime]] = []
    for start, end in sorted(intervals):
        if end < start:
            raise ValueError("an interval ends before it starts")
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _minutes(intervals: Sequence[tuple[datetime, datetime]]) -> int:
    return int(sum(((end - start) for start, end in intervals), timedelta()).total_seconds() // 60)


# --- Headers and labels ----------------------------------------------------------------------

# Participant-table columns, best alias first (Zoom's "Name (Original Name)" before a plain
# "Name", which in the flattened Zoom export is not there but "User Name", the host, is).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("Name (Original Name)", "Name (ursprünglicher Name)", "Name (Originalname)",
             "Nom (nom d'origine)", "Nom (nom original)", "Nombre (nombre original)",
             "Nome (nome originale)", "Full Name", "Vollständiger Name", "Nom complet",
             "Nombre completo", "Nome completo", "Name", "Nom", "Nombre", "Nome",
             "Participant", "Teilnehmer", "Participante", "Partecipante"),
    "email": ("User Email", "Email", "E-mail", "Email address", "Benutzer-E-Mail", "E-Mail-Adresse",
              "E-mail de l'utilisateur", "Adresse e-mail", "Courriel",
              "Correo electrónico del usuario", "Correo electrónico", "E-mail dell'utente",
              "Indirizzo e-mail"),
    "upn": ("Participant ID (UPN)", "Teilnehmer-ID (UPN)", "ID du participant (UPN)",
            "ID de participant (UPN)", "Id. del participante (UPN)", "ID partecipante (UPN)"),
    "join": ("Join Time", "Beitrittszeit", "Beitrittszeitpunkt", "Zeitpunkt des Beitritts", "Beitreten",
             "Heure d'arrivée", "Heure de participation", "Heure de connexion", "Rejoindre",
             "Hora de entrada", "Hora de unión", "Ora di ingresso", "Ora di partecipazione"),
    "leave": ("Leave Time", "Zeitpunkt des Verlassens", "Zeit des Verlassens", "Verlassenszeit",
              "Verlassen", "Heure de départ", "Heure de sortie", "Quitter", "Hora de salida",
              "Ora di uscita", "Ora di abbandono"),
    "first_join": ("First Join", "Erster Beitritt", "Erste Teilnahme", "Première participation",
                   "Première connexion", "Première arrivée", "Primera unión", "Primera entrada",
                   "Primo ingresso", "Prima partecipazione"),
    "last_leave": ("Last Leave", "Letztes Verlassen", "Letzter Austritt", "Dernier départ",
                   "Dernière sortie", "Última salida", "Ultima uscita"),
    "action": ("User Action", "Benutzeraktion", "Aktion", "Action de l'utilisateur", "Activité",
               "Action", "Acción del usuario", "Azione utente"),
    "timestamp": ("Timestamp", "Zeitstempel", "Horodatage", "Marca de tiempo", "Data e ora"),
    "duration": ("Duration (Minutes)", "In-Meeting Duration", "Duration", "Dauer (Minuten)",
                 "Dauer der Besprechung", "Dauer in der Besprechung", "Dauer", "Durée (minutes)",
                 "Durée de la réunion", "Durée", "Duración (minutos)", "Duración", "Durata (minuti)",
                 "Durata"),
    "role": ("Role", "Rolle", "Rôle", "Rol", "Ruolo"),
    "guest": ("Guest", "Gast", "Invité", "Invitado", "Ospite"),
}
_ALIAS_RANK = {column: {_key(a): rank for rank, a in enumerate(aliases)}
               for column, aliases in COLUMN_ALIASES.items()}
# What a table needs, per kind, in order of preference.
TABLE_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("intervals", ("name", "join", "leave")),  # Zoom participants, Teams in-meeting activities
    ("span", ("name", "first_join", "last_leave")),  # Teams participants (first join, last leave)
    ("events", ("name", "action", "timestamp")),  # older Teams attendance list
)
COLUMN_LABELS = {
    "name": _l("Name"),
    "email": _l("Email"),
    "join": _l("Join time"),
    "leave": _l("Leave time"),
    "first_join": _l("First join"),
    "last_leave": _l("Last leave"),
    "action": _l("User action"),
    "timestamp": _l("Timestamp"),
}
# Columns that only one platform has, for telling them apart.
_ZOOM_ONLY = {"guest"}
_TEAMS_ONLY = {"upn", "role", "first_join", "last_leave", "action", "timestamp"}

SUMMARY_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("Topic", "Meeting title", "Meeting Title", "Title", "Thema", "Besprechungstitel",
              "Titel der Besprechung", "Besprechungsthema", "Sujet", "Titre de la réunion", "Tema",
              "Título de la reunión", "Argomento", "Titolo della riunione"),
    "start": ("Start Time", "Meeting Start Time", "Startzeit", "Beginn", "Besprechungsbeginn",
              "Heure de début", "Hora de inicio", "Ora di inizio"),
    "end": ("End Time", "Meeting End Time", "Endzeit", "Ende", "Besprechungsende", "Heure de fin",
            "Hora de finalización", "Hora de fin", "Ora di fine"),
}
_SUMMARY_INDEX = {_key(a): what for what, aliases in SUMMARY_ALIASES.items() for a in aliases}
# Lines only a Teams summary has (section titles and labels).
_TEAMS_MARKERS = {_key(t) for t in (
    "1. Summary", "2. Participants", "3. In-Meeting Activities", "Meeting Summary", "Meeting title",
    "Attended participants", "Average attendance time", "Total Number of Participants",
    "1. Zusammenfassung", "2. Teilnehmer", "3. Aktivitäten in der Besprechung", "Besprechungstitel",
    "1. Résumé", "2. Participants", "3. Activités de la réunion", "Titre de la réunion",
    "1. Resumen", "3. Actividades en la reunión", "1. Riepilogo", "2. Partecipanti")}
_ZOOM_MARKERS = {_key(t) for t in ("Meeting ID", "Meeting-ID", "ID de réunion", "ID de reunión",
                                   "ID riunione", "Topic", "Thema", "Sujet", "Host", "Gastgeber", "Hôte")}

# Teams' older list: what people did.
JOIN_ACTIONS = {_key(a) for a in ("Joined", "Joined before", "Beigetreten", "Zuvor beigetreten",
                                  "Vorher beigetreten", "A rejoint", "Rejoint", "A rejoint avant",
                                  "Rejoint avant", "Se unió", "Unido", "Se unió antes",
                                  "Partecipato", "Si è unito", "Si è unito prima")}
LEAVE_ACTIONS = {_key(a) for a in ("Left", "Verlassen", "Hat verlassen", "A quitté", "Quitté",
                                   "Salió", "Abbandonato", "Ha abbandonato", "Uscito")}

_SECTION_TITLE = re.compile(r"^\d+\.\s+\S")


# --- Times -----------------------------------------------------------------------------------

_TIMESTAMP = re.compile(r"""^\s*
    (?: (?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})
      | (?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})\.? )
    (?:\s*,\s*|\s+|T)
    (?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d{1,6})?)?
    \s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?
    \s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?
    \s*$""", re.VERBOSE)


def _slashes_day_first(values: Iterable[str]) -> bool:
    """Whether this file's slashed dates are day/month/year (see the module's docstring)."""
    day_first = month_first = twelve_hour = False
    for value in values:
        match = _TIMESTAMP.match(value)
        if not match or match["sep"] != "/":
            continue
        day_first |= int(match["a"]) > 12
        month_first |= int(match["b"]) > 12
        twelve_hour |= bool(match["ampm"])
    if day_first or month_first:
        return day_first
    return not twelve_hour


def _parse_time(value: str, tz, day_first: bool) -> datetime | None:
    match = _TIMESTAMP.match(value)
    if not match:
        return None
    if match["iy"]:
        year, month, day = int(match["iy"]), int(match["im"]), int(match["id"])
    else:
        first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
        if year < 100:
            year += 2000
        day, month = (first, second) if match["sep"] != "/" or day_first else (second, first)
    hour, minute, second_ = int(match["H"]), int(match["M"]), int(match["S"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"][0] in "Pp" else 0)
    zone = tz
    if match["zone"] in ("Z", "UTC", "GMT"):
        zone = timezone.utc
    elif match["zone"]:
        digits = match["zone"].replace(":", "")
        offset = timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5]))
        if offset >= timedelta(hours=24):
            return None
        zone = timezone(-offset if digits[0] == "-" else offset)
    try:
        return datetime(year, month, day, hour, minute, second_, tzinfo=zone).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


# --- Text ------------------------------------------------------------------------------------

_NOT_TEXT = _l("The file could not be read as text. Upload the report as Zoom or Teams saved it "
               "(a .csv file).")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _decode(content: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-16 (BOM or, as Teams sometimes saves, none), UTF-8 with or without
    BOM, or the Windows-1250 a re-saving spreadsheet may leave."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif content.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif len(content) >= 4 and len(content) % 2 == 0 and content[1::2].count(0) > len(content) // 4:
        candidates = ["utf-16-le"]
    elif len(content) >= 4 and len(content) % 2 == 0 and content[0::2].count(0) > len(content) // 4:
        candidates = ["utf-16-be"]
    else:
        candidates = ["utf-8", "cp1250"]
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        text = text.lstrip("\ufeff")
        if _CONTROL.search(text):  # binary data, or text read in the wrong encoding
            break
        return text, encoding
    raise ReportError(_NOT_TEXT)


@dataclass
class _Row:
    line: int  # where the record starts in the file
    cells: list[str]

    def get(self, index: int | None) -> str:
        return self.cells[index] if index is not None and index < len(self.cells) else ""

    @property
    def blank(self) -> bool:
        return not any(self.cells)


def _rows(text: str, delimiter: str) -> list[_Row] | None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[_Row] = []
    line = 1
    try:
        for record in reader:
            rows.append(_Row(line, [cell.strip().strip("\ufeff").strip() for cell in record]))
            line = reader.line_num + 1
    except csv.Error:
        return None
    return rows


@dataclass
class _Header:
    index: int  # position in the rows
    kind: str | None  # None: looks like a participant header but lacks columns
    columns: dict[str, int]
    missing: list[str]

    @property
    def score(self) -> int:
        return len(self.columns)


def _header(position: int, row: _Row) -> _Header | None:
    found: dict[str, tuple[int, int]] = {}  # column: (alias rank, cell index)
    for index, cell in enumerate(row.cells):
        key = _key(cell)
        for column, ranks in _ALIAS_RANK.items():
            if key in ranks and (column not in found or ranks[key] < found[column][0]):
                found[column] = (ranks[key], index)
    columns = {column: index for column, (_rank, index) in found.items()}
    if not {"name", "join", "leave", "first_join", "last_leave", "action", "timestamp"} & columns.keys():
        return None
    if len(columns) < 2:
        return None
    # In Zoom's flattened export the host's "User Email" comes before the participant's name.
    name_at = columns.get("name", 0)
    for column in columns:
        later = [i for i, cell in enumerate(row.cells) if i > name_at and _key(cell) in _ALIAS_RANK[column]]
        if column != "name" and later and columns[column] < name_at:
            columns[column] = later[0]
    for kind, required in TABLE_KINDS:
        if all(c in columns for c in required):
            return _Header(position, kind, columns, [])
    # The kind it was meant to be: the one it has most of.
    kind, required = max(TABLE_KINDS, key=lambda k: sum(c in columns for c in k[1]))
    return _Header(position, None, columns, [c for c in required if c not in columns])


def _best_header(rows: list[_Row]) -> _Header | None:
    headers = [h for h in (_header(i, row) for i, row in enumerate(rows)) if h]
    complete = [h for h in headers if h.kind]
    if complete:
        order = [kind for kind, _required in TABLE_KINDS]
        return min(complete, key=lambda h: (order.index(h.kind), -h.score, h.index))
    return max(headers, key=lambda h: (h.score, -h.index)) if headers else None


def _body(rows: list[_Row], header: _Header) -> list[_Row]:
    """The header's table: its rows up to the next section title or header (blank rows skipped)."""
    body = []
    for row in rows[header.index + 1:]:
        filled = [c for c in row.cells if c]
        if not filled:
            continue
        if len(filled) == 1 and _SECTION_TITLE.match(filled[0]) and not _TIMESTAMP.match(filled[0]):
            break
        following = _header(0, row)
        if following and following.kind:  # a data row may hold a word or two that look like labels
            break
        body.append(row)
    return body


def _summary(rows: list[_Row], header: _Header, body: list[_Row]) -> dict[str, tuple[str, int]]:
    """{"title" | "start" | "end": (value, line)} from key/value rows (Teams), a header with a
    value row (Zoom) or the participant table's own columns (Zoom, flattened)."""
    found: dict[str, tuple[str, int]] = {}
    for position, row in enumerate(rows[:header.index + 1]):
        filled = [c for c in row.cells if c]
        labels = {i: _SUMMARY_INDEX[_key(c)] for i, c in enumerate(row.cells) if _key(c) in _SUMMARY_INDEX}
        if len(filled) == 2 and 0 in labels and row.cells[1]:
            found.setdefault(labels[0], (row.cells[1], row.line))
        elif len(labels) >= 2:
            if position == header.index:
                values = body[0] if body else None
            else:
                values = next((r for r in rows[position + 1:header.index] if not r.blank), None)
            if values is not None:
                for i, what in labels.items():
                    if values.get(i):
                        found.setdefault(what, (values.get(i), values.line))
    return found


def _platform(rows: list[_Row], header: _Header, delimiter: str) -> str:
    if _TEAMS_ONLY & header.columns.keys():
        return "teams"
    if _ZOOM_ONLY & header.columns.keys() or "nameoriginalname" in {_key(c) for c in rows[header.index].cells}:
        return "zoom"
    for row in rows[:header.index]:
        keys = {_key(c) for c in row.cells if c}
        if keys & _TEAMS_MARKERS:
            return "teams"
        if keys & _ZOOM_MARKERS:
            return "zoom"
    return "teams" if delimiter == "\t" else "zoom"


# --- Reading ---------------------------------------------------------------------------------

@dataclass
class _Record:
    line: int
    name: str
    email: str | None
    start: datetime
    end: datetime | None = None  # None for events
    joins: bool = True  # events: join or leave


def _email(row: _Row, header: _Header) -> str | None:
    for column in ("email", "upn"):
        value = row.get(header.columns.get(column))
        if "@" in value and "#ext#" not in value.casefold() and " " not in value:
            return value.casefold()
    return None


def read_report(filename: str, content: bytes, *, tz=DEFAULT_TZ) -> OnlineReport:
    """Read a Zoom participant report or a Teams attendance report (see the module's docstring)."""
    if not content or not content.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ReportError(_l("The file is empty."))
    if len(content) > MAX_BYTES:
        raise ReportError(_l("The file is larger than %(mb)d MB; a meeting report is much smaller.",
                             mb=MAX_BYTES // (1024 * 1024)))
    if content.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ReportError(_l("This is a spreadsheet workbook. Download the report from Zoom or Teams "
                             "as a .csv file and upload that file."))
    text, encoding = _decode(content)

    choices = []
    for delimiter in ("\t", ",", ";"):
        rows = _rows(text, delimiter)
        header = _best_header(rows) if rows else None
        if header:
            choices.append((bool(header.kind), header.score, delimiter, rows, header))
    if not choices:
        raise ReportError(_l("This file is neither a Zoom participant report nor a Teams attendance "
                             "report: no list of participants was found in it."))
    _complete, _score, delimiter, rows, header = max(choices, key=lambda c: c[:2])
    if not header.kind:
        raise ReportError(_l("The participant list lacks required columns: %(columns)s.",
                             columns=", ".join(str(COLUMN_LABELS[c]) for c in header.missing)))
    body = _body(rows, header)
    summary = _summary(rows, header, body)
    platform = _platform(rows, header, delimiter)

    time_columns = {"intervals": ("join", "leave"), "span": ("first_join", "last_leave"),
                    "events": ("timestamp",)}[header.kind]
    raw_times = [row.get(header.columns[c]) for row in body for c in time_columns]
    day_first = _slashes_day_first(raw_times + [v for k, (v, _line) in summary.items() if k != "title"])
    starts_at, ends_at = (_parse_time(summary[k][0], tz, day_first) if k in summary else None
                          for k in ("start", "end"))

    def time_of(row: _Row, column: str) -> datetime:
        value = row.get(header.columns[column])
        if not value:
            raise ReportError(_l("Line %(line)d: “%(column)s” is empty.", line=row.line,
                                 column=COLUMN_LABELS[column]), line=row.line)
        moment = _parse_time(value, tz, day_first)
        if moment is None:
            raise ReportError(_l("Line %(line)d: the time “%(value)s” could not be read.", line=row.line,
                                 value=value[:40]), line=row.line)
        return moment

    records: list[_Record] = []
    for row in body:
        name = row.get(header.columns["name"])
        email = _email(row, header)
        if not name:
            if not email:
                raise ReportError(_l("Line %(line)d: “%(column)s” is empty.", line=row.line,
                                     column=COLUMN_LABELS["name"]), line=row.line)
            name = email
        if header.kind == "events":
            action = _key(row.get(header.columns["action"]))
            if action not in JOIN_ACTIONS | LEAVE_ACTIONS:
                raise ReportError(_l("Line %(line)d: the action “%(value)s” is neither joining nor leaving.",
                                     line=row.line, value=row.get(header.columns["action"])[:40]),
                                  line=row.line)
            records.append(_Record(row.line, name, email, time_of(row, "timestamp"),
                                   joins=action in JOIN_ACTIONS))
            continue
        join, leave = time_columns
        start, end = time_of(row, join), time_of(row, leave)
        if end < start:
            raise ReportError(_l("Line %(line)d: the leave time is before the join time.", line=row.line),
                              line=row.line)
        records.append(_Record(row.line, name, email, start, end))

    if not records:
        raise ReportError(_l("The report lists no participants."))
    if header.kind == "events":
        last = max(r.start for r in records)
        closing = ends_at if ends_at is not None and ends_at >= last else last
    participants = []
    for group in _group(records):
        if header.kind == "events":
            intervals = _pair_events(group, closing)
        else:
            intervals = [(r.start, r.end) for r in group]
        merged = merge_intervals(intervals)
        participants.append(Participant(
            name=group[0].name, email=next((r.email for r in group if r.email), None),
            intervals=merged, minutes=_minutes(merged), rows=sorted({r.line for r in group})))
    if starts_at is None:
        starts_at = min(r.start for r in records)
    if ends_at is None:
        ends_at = max(r.end or r.start for r in records)
    title = summary["title"][0] if "title" in summary else None
    return OnlineReport(platform=platform, title=title, starts_at=starts_at, ends_at=ends_at,
                        participants=participants, encoding=encoding)


def _group(records: list[_Record]) -> list[list[_Record]]:
    """Records per person, in order of first appearance: by email (any case) when there is one,
    else by folded name; a name-only row joins the one email group whose name folds the same
    (the phone without a sign-in next to the laptop with one)."""
    groups: dict[str, list[_Record]] = {}
    for record in records:
        key = f"email:{record.email}" if record.email else f"name:{fold_name(record.name) or record.name.casefold()}"
        groups.setdefault(key, []).append(record)
    names_of_emails: dict[str, list[str]] = {}
    for key, group in groups.items():
        if key.startswith("email:"):
            for folded in {fold_name(r.name) for r in group}:
                names_of_emails.setdefault(folded, []).append(key)
    for key in [k for k in groups if k.startswith("name:")]:
        owners = names_of_emails.get(key[len("name:"):], [])
        if len(owners) == 1:
            groups[owners[0]].extend(groups.pop(key))
    for group in groups.values():
        group.sort(key=lambda r: r.line)
    return sorted(groups.values(), key=lambda g: g[0].line)


def _pair_events(group: list[_Record], closing: datetime) -> list[tuple[datetime, datetime]]:
    """Intervals from join/leave events; with several devices a person is in while any is.
    A leave with nothing open is dropped (its join is not in the report)."""
    intervals = []
    inside, since = 0, None
    for record in sorted(group, key=lambda r: (r.start, not r.joins)):
        if record.joins:
            if inside == 0:
                since = record.start
            inside += 1
        elif inside:
            inside -= 1
            if inside == 0:
                intervals.append((since, record.start))
    if inside:
        intervals.append((since, max(closing, since)))
    return intervals
