"""Reading a staff list (CSV or XLSX) into checked rows. Pure: no database, no request.

Municipal HR offices export these lists from Excel in whatever language and encoding their
machine uses, so the reader is forgiving about spelling (headers and municipality names in
Albanian, Serbian or English, with or without diacritics) and strict about meaning: every row
that cannot be understood becomes a problem naming its row (as the spreadsheet shows it, the
header being row 1) and its field, and nothing is guessed.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from lga.accounts.reference import fold

# Column lengths of the user_account table.
MAX_LENGTHS = {"given_name": 80, "family_name": 80, "email": 254, "position": 120, "institution_name": 160}
# How far down the sheet a header row may sit (exports often start with a title line or two).
HEADER_SEARCH_ROWS = 10


class StaffFileError(Exception):
    """The file as a whole cannot be read; the message is translatable text for the user."""


@dataclass(frozen=True)
class Reference:
    """A municipality or institution type as the reader needs it: id, code and the names
    (in any language) under which people may write it."""

    id: int
    code: str
    names: tuple[str, ...]


@dataclass
class StaffRow:
    row: int
    email: str
    given_name: str
    family_name: str
    municipality_id: int | None = None
    institution_type_id: int | None = None
    institution_name: str | None = None
    position: str | None = None
    sex: str = "undisclosed"
    locale: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def profile(self) -> dict:
        """The account fields this row gives a new person."""
        return {
            "given_name": self.given_name, "family_name": self.family_name,
            "municipality_id": self.municipality_id, "institution_type_id": self.institution_type_id,
            "institution_name": self.institution_name, "position": self.position, "sex": self.sex,
        }


@dataclass
class RowProblem:
    row: int
    field: str  # a key of FIELD_LABELS
    message: str  # lazy: rendered in the reader's language

    def __str__(self) -> str:
        return f"{self.row}: {self.field}: {self.message}"


@dataclass
class StaffFile:
    rows: list[StaffRow]
    problems: list[RowProblem]
    total_rows: int
    encoding: str | None  # None for XLSX
    filename: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows_with_problems(self) -> int:
        return len({p.row for p in self.problems})


FIELD_LABELS = {
    "name": _l("Name"),
    "given_name": _l("Given name"),
    "family_name": _l("Family name"),
    "email": _l("Email"),
    "municipality": _l("Municipality"),
    "institution": _l("Institution"),
    "institution_name": _l("Institution name"),
    "position": _l("Position"),
    "sex": _l("Sex"),
    "language": _l("Language"),
}


# --- Headers -------------------------------------------------------------------------------

def _key(text: str) -> str:
    """Folded (no case, no diacritics) and stripped of everything but letters and digits."""
    return re.sub(r"[^0-9a-z]+", "", fold(str(text)))


HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("Emri dhe mbiemri", "Emri e mbiemri", "Emri mbiemri", "Emri i plote", "Name", "Full name",
                  "Name and surname", "Ime i prezime", "Ime prezime", "Puno ime", "Pjesemarresi",
                  "Participant", "Ucesnik"),
    "given_name": ("Emri", "Given name", "First name", "Forename", "Ime"),
    "family_name": ("Mbiemri", "Family name", "Last name", "Surname", "Prezime"),
    "email": ("Email", "E-mail", "E-mail address", "Email address", "Adresa e emailit", "Adresa e e-mailit",
              "Posta elektronike", "Imejli", "Emaili", "Adresa e-poste", "E-posta", "Mejl", "Imejl"),
    "municipality": ("Komuna", "Municipality", "Opstina", "Opština", "Komuna/Opstina", "Komuna / Opština"),
    "institution": ("Institucioni", "Institution", "Institucija", "Lloji i institucionit", "Institution type",
                    "Tip institucije", "Organizata", "Organisation", "Organization", "Organizacija"),
    "institution_name": ("Emri i institucionit", "Institution name", "Naziv institucije"),
    "position": ("Pozita", "Position", "Pozicija", "Pozita e punes", "Job title", "Title", "Funksioni",
                 "Funkcija", "Radno mesto", "Radno mjesto", "Detyra"),
    "sex": ("Gjinia", "Sex", "Gender", "Pol", "Gjinia (F/M)", "Sex (F/M)"),
    "language": ("Gjuha", "Language", "Jezik"),
}
_HEADER_INDEX = {_key(alias): column for column, aliases in HEADER_ALIASES.items() for alias in aliases}
# The names of required columns as people will look for them in their file.
REQUIRED_COLUMN_LABELS = {
    "name": _l("Name (or Given name and Family name)"),
    "email": _l("Email"),
    "municipality": _l("Municipality"),
}


def _map_header(cells: Sequence[str]) -> dict[str, int]:
    """{column: index} of the recognised header cells (the first of a kind wins)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = _HEADER_INDEX.get(_key(cell or ""))
        if column and column not in found:
            found[column] = index
    return found


def _missing_columns(columns: dict[str, int]) -> list[str]:
    missing = []
    if "full_name" not in columns and not {"given_name", "family_name"} <= columns.keys():
        missing.append("name")
    missing += [c for c in ("email", "municipality") if c not in columns]
    return missing


# --- Values --------------------------------------------------------------------------------

SEX_VALUES = {
    "female": ("F", "Femer", "Femër", "Grua", "Female", "Woman", "W", "Z", "Ž", "Zensko", "Žensko", "Zenski",
               "Ženski", "Zena", "Žena", "Femra"),
    "male": ("M", "Mashkull", "Burre", "Burrë", "Male", "Man", "Musko", "Muško", "Muski", "Muški", "Mushkull"),
    "undisclosed": ("", "-", "Tjeter", "Tjetër", "Nuk dua te them", "Nuk deklarohet", "Prefer not to say",
                    "Undisclosed", "Other", "Ne zelim da kazem", "Ne želim da kažem", "Drugo", "N/A"),
}
_SEX_INDEX = {_key(v): sex for sex, values in SEX_VALUES.items() for v in values}

LANGUAGE_VALUES = {
    "sq": ("sq", "shqip", "albanian", "alb", "albanski", "gjuha shqipe"),
    "sr": ("sr", "srpski", "serbian", "serbisht", "srb", "sr-latn"),
    "en": ("en", "english", "anglisht", "engleski", "eng"),
}
_LANGUAGE_INDEX = {_key(v): code for code, values in LANGUAGE_VALUES.items() for v in values}

# Words around a municipality's name that people add: "Komuna e Prishtinës", "Opština Peć".
_MUNICIPALITY_NOISE = re.compile(
    r"^(komuna( e)?|opstina|municipality of|municipality|grad|qyteti( i)?) |"
    r" (municipality|komuna|opstina)$")
# A formula as spreadsheets read it; "-5" or "+383 44 ..." are values, "=SUM(...)", "+A1",
# "-cmd|..." or "@SUM(...)" are not.
_FORMULA = re.compile(r"^\s*(=|@|[+\-]\s*[A-Za-z(])")


def looks_like_formula(value: str) -> bool:
    return bool(_FORMULA.match(value))


def _albanian_forms(word: str) -> set[str]:
    """Definite and genitive forms of a folded Albanian place name (Prishtine -> Prishtina,
    Prishtines; Prizren -> Prizreni, Prizrenit; Istog -> Istogu)."""
    forms = {word}
    if not word or not word.isalpha():
        return forms
    if word.endswith("e"):  # ë: Prishtinë -> Prishtina, Prishtinës
        forms |= {word[:-1] + "a", word + "s", word[:-1] + "es"}
    elif word.endswith("i"):  # Viti -> Vitia, Vitisë
        forms |= {word + "a", word + "se", word + "t"}
    else:  # Prizren -> Prizreni, Prizrenit; Istog -> Istogu, Istogut; Ferizaj -> Ferizajt
        forms |= {word + "i", word + "it", word + "u", word + "ut", word + "t"}
    return forms


def _name_keys(name: str) -> set[str]:
    """Every key under which this name may be written."""
    variants = {name, name.replace("đ", "d").replace("Đ", "D")}
    # "Gllogoc (Drenas)": the whole, and each part on its own.
    for text in list(variants):
        if "(" in text:
            outside = re.sub(r"\(.*?\)", " ", text)
            variants |= {outside, *re.findall(r"\((.*?)\)", text)}
    keys = set()
    for text in variants:
        words = fold(text).replace("-", " ").split()
        keys.add(_key(text))
        for i, word in enumerate(words):
            for form in _albanian_forms(re.sub(r"[^0-9a-z]", "", word)):
                keys.add(_key(" ".join(words[:i] + [form] + words[i + 1:])))
    keys.discard("")
    return keys


class _Matcher:
    """Find a reference by any of its names; keys shared by two references match neither."""

    def __init__(self, references: Iterable[Reference]):
        self.index: dict[str, int | None] = {}
        exact: dict[str, int] = {}
        for ref in references:
            for key in {_key(ref.code), *(_key(n) for n in ref.names if n)}:
                exact[key] = ref.id
            for name in ref.names:
                if not name:
                    continue
                for key in _name_keys(name):
                    if self.index.get(key, ref.id) != ref.id:
                        self.index[key] = None  # ambiguous
                    else:
                        self.index[key] = ref.id
        self.index.update(exact)  # a name as written always wins over a derived form

    def find(self, value: str) -> int | None:
        return self.index.get(_key(value))


class _InstitutionMatcher(_Matcher):
    """Institution types also answer to their abbreviation, "(DSHMS)" in the name or the first
    word of a longer name ("QPS Prizren")."""

    def __init__(self, references: Iterable[Reference]):
        references = list(references)
        super().__init__(references)
        self.abbreviations: dict[str, int] = {}
        for ref in references:
            for name in ref.names:
                for abbreviation in re.findall(r"\(([^)]+)\)", name or ""):
                    self.abbreviations[_key(abbreviation)] = ref.id
                    self.index.setdefault(_key(abbreviation), ref.id)

    def find_with_name(self, value: str) -> tuple[int | None, str | None]:
        """(type id, institution name to keep) for a cell."""
        found = self.find(value)
        if found is not None:
            return found, None
        first = _key(value.split()[0]) if value.split() else ""
        for candidate in (first, *(_key(a) for a in re.findall(r"\(([^)]+)\)", value))):
            if candidate in self.abbreviations:
                return self.abbreviations[candidate], value
        return None, None


# --- Reading the file ----------------------------------------------------------------------

def _decode(content: bytes) -> tuple[str, str]:
    """(text, encoding). UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1250."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise StaffFileError(_l("The file could not be read as text. Save it as CSV (UTF-8) or XLSX."))
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1250"), "cp1250"
    except UnicodeDecodeError:
        raise StaffFileError(_l("The file could not be read as text. Save it as CSV (UTF-8) or XLSX."))


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS + 5])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in (",", ";", "\t")}
        return max(counts, key=counts.get) if any(counts.values()) else ","


def _csv_rows(content: bytes) -> tuple[Iterator[tuple[int, list, set[int]]], str]:
    text, encoding = _decode(content)
    if "\x00" in text:
        raise StaffFileError(_l("The file could not be read as text. Save it as CSV (UTF-8) or XLSX."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))

    def rows():
        # A spreadsheet row is a CSV record, whatever line breaks its cells hold.
        try:
            for number, record in enumerate(reader, start=1):
                yield number, record, set()
        except csv.Error:
            raise StaffFileError(_l("The file could not be read as CSV. Save it again from your spreadsheet."))

    return rows(), encoding


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list, set[int]]]:
    """(row number, cell values, indexes of cells holding formulas) of the first sheet."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise StaffFileError(_l("The spreadsheet could not be opened. Save it again as XLSX or CSV."))

    def rows():
        try:
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                values, formulas = [], set()
                for index, cell in enumerate(cells):
                    value = getattr(cell, "value", None)
                    if getattr(cell, "data_type", None) == "f" or type(value).__name__ in (
                            "ArrayFormula", "DataTableFormula"):
                        formulas.add(index)
                        value = str(getattr(value, "text", value) or "")
                    values.append(_cell_text(value))
                yield number, values, formulas
        except StaffFileError:
            raise
        except Exception:
            raise StaffFileError(_l("The spreadsheet could not be opened. Save it again as XLSX or CSV."))
        finally:
            workbook.close()

    return rows()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _kind(filename: str, content: bytes) -> str:
    name = (filename or "").lower()
    if content.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except zipfile.BadZipFile:
            raise StaffFileError(_l("The spreadsheet could not be opened. Save it again as XLSX or CSV."))
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise StaffFileError(_l("Only CSV and XLSX files can be imported. Save the list as XLSX or CSV."))
    if content.startswith(b"\xd0\xcf\x11\xe0") or name.endswith((".xls", ".ods", ".numbers", ".pdf", ".docx")):
        raise StaffFileError(_l("Only CSV and XLSX files can be imported. Save the list as XLSX or CSV."))
    return "csv"


def read_staff_file(filename: str, content: bytes, *, municipalities: Iterable[Reference],
                    institution_types: Iterable[Reference], max_rows: int = 20000,
                    default_locale: str | None = None) -> StaffFile:
    """Read and check a staff list. Raises StaffFileError when the file as a whole is unusable;
    row-level problems are collected in ``StaffFile.problems``."""
    if not content or not content.strip():
        raise StaffFileError(_l("The file is empty."))
    kind = _kind(filename, content)
    if kind == "xlsx":
        rows, encoding = _xlsx_rows(content), None
    else:
        rows, encoding = _csv_rows(content)

    header_number, columns = None, {}
    for number, cells, _formulas in rows:
        mapped = _map_header(cells)
        if "email" in mapped or len(mapped) >= 2:
            header_number, columns = number, mapped
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if header_number is None:
        raise StaffFileError(_l("No header row found. The first row should name the columns: %(columns)s.",
                                columns=", ".join(str(c) for c in REQUIRED_COLUMN_LABELS.values())))
    missing = _missing_columns(columns)
    if missing:
        raise StaffFileError(_l("Required columns are missing: %(columns)s.",
                                columns=", ".join(str(REQUIRED_COLUMN_LABELS[c]) for c in missing)))

    checker = _RowChecker(columns, _Matcher(municipalities), _InstitutionMatcher(institution_types),
                          default_locale)
    total = 0
    for number, cells, formulas in rows:
        if not any(str(c).strip() for c in cells):
            continue
        total += 1
        if total > max_rows:
            raise StaffFileError(_l("The file has more than %(n)d rows. Split it into smaller files.",
                                    n=max_rows))
        checker.check(number, cells, formulas)
    if total == 0:
        raise StaffFileError(_l("The file has a header but no people in it."))
    return StaffFile(rows=checker.rows, problems=checker.problems, total_rows=total, encoding=encoding,
                     filename=filename)


class _RowChecker:
    def __init__(self, columns: dict[str, int], municipalities: _Matcher,
                 institutions: _InstitutionMatcher, default_locale: str | None):
        self.columns = columns
        self.municipalities = municipalities
        self.institutions = institutions
        self.default_locale = default_locale
        self.rows: list[StaffRow] = []
        self.problems: list[RowProblem] = []
        self.first_row_of: dict[str, int] = {}

    def check(self, number: int, cells: list, formulas: set[int]) -> None:
        problems: list[RowProblem] = []

        def value(column: str) -> str:
            index = self.columns.get(column)
            if index is None or index >= len(cells):
                return ""
            text = " ".join(str(cells[index]).split())  # no stray spaces, tabs or line breaks
            if index in formulas or looks_like_formula(text):
                problems.append(RowProblem(number, _field_of(column), _l(
                    "The cell holds a formula (%(value)s); type the value itself.", value=_short(text))))
                return ""
            return text

        if "full_name" in self.columns and not {"given_name", "family_name"} <= self.columns.keys():
            full = value("full_name")
            given, _sep, family = full.rpartition(" ")
            if full and not given:
                problems.append(RowProblem(number, "name", _l(
                    "Write both the given name and the family name (“%(value)s”).", value=_short(full))))
            elif not full and not any(p.field == "name" for p in problems):
                problems.append(RowProblem(number, "name", _l("The name is missing.")))
        else:
            given, family = value("given_name"), value("family_name")
            if not given and not any(p.field == "given_name" for p in problems):
                problems.append(RowProblem(number, "given_name", _l("The given name is missing.")))
            if not family and not any(p.field == "family_name" for p in problems):
                problems.append(RowProblem(number, "family_name", _l("The family name is missing.")))

        email = value("email").lower()
        if not email:
            if not any(p.field == "email" for p in problems):
                problems.append(RowProblem(number, "email", _l("The email address is missing.")))
        else:
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError:
                problems.append(RowProblem(number, "email", _l(
                    "“%(value)s” is not a valid email address.", value=_short(email))))
            else:
                first = self.first_row_of.setdefault(email, number)
                if first != number:
                    problems.append(RowProblem(number, "email", _l(
                        "The email address %(value)s is already in row %(row)d.", value=email, row=first)))

        municipality_id = None
        municipality = value("municipality")
        if municipality:
            municipality_id = self.municipalities.find(municipality)
            if municipality_id is None:
                cleaned = _MUNICIPALITY_NOISE.sub("", fold(municipality)).strip()
                municipality_id = self.municipalities.find(cleaned) if cleaned else None
            if municipality_id is None:
                problems.append(RowProblem(number, "municipality", _l(
                    "Unknown municipality “%(value)s”.", value=_short(municipality))))
        elif not any(p.field == "municipality" for p in problems):
            problems.append(RowProblem(number, "municipality", _l("The municipality is missing.")))

        institution_type_id, institution_name = None, value("institution_name") or None
        institution = value("institution")
        if institution:
            institution_type_id, kept_name = self.institutions.find_with_name(institution)
            if institution_type_id is None:
                problems.append(RowProblem(number, "institution", _l(
                    "Unknown institution “%(value)s”. Use one of the institution types of the platform "
                    "or its abbreviation (e.g. DSHMS, QPS).", value=_short(institution))))
            institution_name = institution_name or kept_name

        sex_text = value("sex")
        sex = _SEX_INDEX.get(_key(sex_text))
        if sex is None:
            problems.append(RowProblem(number, "sex", _l(
                "Unknown value “%(value)s” for sex; write F or M (or leave it empty).", value=_short(sex_text))))

        locale = self.default_locale
        language = value("language")
        if language:
            locale = _LANGUAGE_INDEX.get(_key(language))
            if locale is None:
                problems.append(RowProblem(number, "language", _l(
                    "Unknown language “%(value)s”; write sq, sr or en.", value=_short(language))))

        position = value("position") or None
        for column, text in (("given_name", given), ("family_name", family), ("email", email),
                             ("position", position), ("institution_name", institution_name)):
            if text and len(text) > MAX_LENGTHS[column]:
                problems.append(RowProblem(number, "name" if column in ("given_name", "family_name")
                                           and "full_name" in self.columns else column,
                                           _l("Too long: at most %(n)d characters.", n=MAX_LENGTHS[column])))

        if problems:
            self.problems.extend(problems)
            return
        self.rows.append(StaffRow(
            row=number, email=email, given_name=given, family_name=family, municipality_id=municipality_id,
            institution_type_id=institution_type_id, institution_name=institution_name, position=position,
            sex=sex, locale=locale,
        ))


def _field_of(column: str) -> str:
    return "name" if column == "full_name" else column


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
