"""Reading staff lists as municipal offices export them: encodings, delimiters, headers in three
languages, municipality spellings, formulas and the row numbers people see in their sheet."""
from __future__ import annotations

import io
import time

import pytest
from openpyxl import Workbook

from lga.accounts.reference import INSTITUTION_TYPES, MUNICIPALITIES
from lga.enrolment.staff_file import Reference, StaffFileError, looks_like_formula, read_staff_file

MUNICIPALITY_REFS = [Reference(i + 1, code, (sq, sr)) for i, (code, sq, sr) in enumerate(MUNICIPALITIES)]
INSTITUTION_REFS = [Reference(i + 1, code, tuple(names.values())) for i, (code, names) in enumerate(INSTITUTION_TYPES)]
ID_OF = {code: ref.id for ref, (code, _sq, _sr) in zip(MUNICIPALITY_REFS, MUNICIPALITIES)}
TYPE_OF = {code: ref.id for ref, (code, _n) in zip(INSTITUTION_REFS, INSTITUTION_TYPES)}

HEADER = "Emri dhe mbiemri;Email;Komuna;Institucioni;Pozita;Gjinia"
PEOPLE = [
    "Arbëresha Çeku;arberesha@example.org;Prishtinë;QPS;Punëtore sociale;F",
    "Dragan Đorđević;dragan@example.org;Uroševac;DSHMS;Šef odseka;M",
    "Žaklina Čolić;zaklina@example.org;Gračanica;Kuvendi komunal;Odbornica;Ž",
]


def read(content, filename="staff.csv", **kwargs):
    kwargs.setdefault("max_rows", 20000)
    return read_staff_file(filename, content, municipalities=MUNICIPALITY_REFS,
                           institution_types=INSTITUTION_REFS, **kwargs)


def csv_bytes(lines, encoding="utf-8", delimiter=";"):
    text = "\r\n".join(line.replace(";", delimiter) for line in lines) + "\r\n"
    return text.encode(encoding)


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems_of(staff_file):
    return [(p.row, p.field, str(p.message)) for p in staff_file.problems]


# --- Encodings and delimiters --------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1250", "utf-16"])
def test_albanian_and_serbian_letters_survive_every_encoding(encoding):
    staff = read(csv_bytes([HEADER, *PEOPLE], encoding))
    assert staff.problems == []
    assert staff.encoding == encoding
    names = [(r.given_name, r.family_name) for r in staff.rows]
    assert names == [("Arbëresha", "Çeku"), ("Dragan", "Đorđević"), ("Žaklina", "Čolić")]
    assert staff.rows[1].position == "Šef odseka"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed(delimiter):
    staff = read(csv_bytes([HEADER, *PEOPLE], delimiter=delimiter))
    assert staff.problems == [] and len(staff.rows) == 3


def test_quoted_cells_with_delimiters_and_line_breaks_keep_spreadsheet_row_numbers():
    content = ('Name,Email,Municipality,Position\r\n'
               '"Besa Gashi","besa@example.org","Prizren","Drejtoreshë, DSHMS"\r\n'
               '"Agim\nMorina","agim@example.org","Pejë","Zyrtar"\r\n'
               'Lule,lule@example.org,Pejë,Zyrtare\r\n').encode()
    staff = read(content)
    assert staff.rows[0].position == "Drejtoreshë, DSHMS"
    assert (staff.rows[1].given_name, staff.rows[1].family_name) == ("Agim", "Morina")
    assert problems_of(staff)[0][:2] == (4, "name")  # one word: row 4 as the sheet shows it


# --- Headers -------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    "Name,E-mail,Municipality,Institution,Position,Gender",
    "IME I PREZIME,E-mail,Opština,Institucija,Pozicija,Pol",
    "Ime i prezime,Email,Opstina,Institucija,Pozicija,Pol",
    "emri dhe mbiemri,Adresa e emailit,komuna,institucioni,pozita,gjinia",
])
def test_headers_in_albanian_serbian_and_english(header):
    staff = read(csv_bytes([header, "Besa Gashi,besa@example.org,Prizren,QPS,Zyrtare,F"]))
    assert staff.problems == []
    row = staff.rows[0]
    assert (row.given_name, row.family_name, row.email) == ("Besa", "Gashi", "besa@example.org")
    assert (row.municipality_id, row.institution_type_id, row.position, row.sex) == (
        ID_OF["prizren"], TYPE_OF["qps"], "Zyrtare", "female")


def test_separate_given_and_family_name_columns_and_a_title_row_above_the_header():
    content = csv_bytes(["Lista e pjesëmarrësve;;;", "Emri;Mbiemri;Email;Komuna",
                         "Ana Maria;Berisha Krasniqi;ana@example.org;Gjilan", "Ana;;ana2@example.org;Gjilan"])
    staff = read(content)
    assert (staff.rows[0].given_name, staff.rows[0].family_name) == ("Ana Maria", "Berisha Krasniqi")
    assert problems_of(staff) == [(4, "family_name", "The family name is missing.")]


def test_full_name_is_split_on_the_last_space():
    staff = read(csv_bytes(["Name;Email;Municipality", "Ana Maria Berisha;ana@example.org;Gjilan"]))
    assert (staff.rows[0].given_name, staff.rows[0].family_name) == ("Ana Maria", "Berisha")


def test_missing_required_columns_are_named():
    with pytest.raises(StaffFileError) as caught:
        read(csv_bytes(["Emri dhe mbiemri;Pozita;Gjinia", "Besa Gashi;Zyrtare;F"]))
    message = str(caught.value)
    assert "Email" in message and "Municipality" in message and "Name" not in message.split(":")[1]


def test_given_name_without_family_name_column_is_a_missing_column():
    with pytest.raises(StaffFileError, match="Name"):
        read(csv_bytes(["Emri;Email;Komuna", "Besa;besa@example.org;Prizren"]))


@pytest.mark.parametrize("content,filename", [
    (b"", "staff.csv"),
    (b"   \r\n", "staff.csv"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "staff.xls"),
    (b"%PDF-1.4 ...", "staff.pdf"),
    (b"PK\x03\x04 not really a zip", "staff.xlsx"),
    (b"Email,Komuna,Emri dhe mbiemri\r\n", "staff.csv"),
])
def test_unusable_files_are_refused_as_a_whole(content, filename):
    with pytest.raises(StaffFileError):
        read(content, filename)


def test_an_opendocument_spreadsheet_is_refused_with_advice():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(StaffFileError, match="XLSX"):
        read(out.getvalue(), "staff.ods")


def test_too_many_rows_is_refused():
    lines = ["Name;Email;Municipality"] + [f"P Q{i};p{i}@example.org;Prizren" for i in range(11)]
    assert read(csv_bytes(lines), max_rows=11).total_rows == 11
    with pytest.raises(StaffFileError, match="10"):
        read(csv_bytes(lines), max_rows=10)


# --- Values --------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling,code", [
    ("Prishtinë", "prishtine"), ("Prishtina", "prishtine"), ("PRISHTINE", "prishtine"),
    ("Priština", "prishtine"), ("Pristina", "prishtine"), ("Komuna e Prishtinës", "prishtine"),
    ("Ferizaj", "ferizaj"), ("Uroševac", "ferizaj"), ("Urosevac", "ferizaj"), ("Ferizaji", "ferizaj"),
    ("Gjakova", "gjakove"), ("Đakovica", "gjakove"), ("Djakovica", "gjakove"), ("Dakovica", "gjakove"),
    ("Drenas", "gllogoc"), ("Glogovac", "gllogoc"), ("Fushe Kosove", "fushe-kosove"),
    ("Kosovo Polje", "fushe-kosove"), ("Mitrovica e Veriut", "mitrovice-e-veriut"),
    ("Severna Mitrovica", "mitrovice-e-veriut"), ("Peć", "peje"), ("Peja", "peje"), ("Opština Peć", "peje"),
    ("Novo Brdo", "novoberde"), ("Elez Han", "hani-i-elezit"), ("Štrpce", "shterpce"), ("Shterpce", "shterpce"),
    ("zubin-potok", "zubin-potok"), ("Istogu", "istog"), ("Gračanica", "gracanice"), ("Gracanice", "gracanice"),
])
def test_municipality_spellings(spelling, code):
    staff = read(csv_bytes(["Name;Email;Municipality", f"Besa Gashi;besa@example.org;{spelling}"]))
    assert staff.problems == [], problems_of(staff)
    assert staff.rows[0].municipality_id == ID_OF[code]


@pytest.mark.parametrize("spelling", ["Mitrovica", "Prishtinaa", "Belgrade"])
def test_unknown_or_ambiguous_municipality_is_a_row_error_naming_the_value(spelling):
    staff = read(csv_bytes(["Name;Email;Municipality", f"Besa Gashi;besa@example.org;{spelling}"]))
    assert problems_of(staff) == [(2, "municipality", f"Unknown municipality “{spelling}”.")]


@pytest.mark.parametrize("value,sex", [
    ("F", "female"), ("f", "female"), ("Femër", "female"), ("Female", "female"), ("Ž", "female"),
    ("Žensko", "female"), ("zensko", "female"), ("M", "male"), ("Mashkull", "male"), ("Muško", "male"),
    ("male", "male"), ("", "undisclosed"),
])
def test_sex_values(value, sex):
    staff = read(csv_bytes(["Name;Email;Municipality;Sex", f"Besa Gashi;besa@example.org;Prizren;{value}"]))
    assert staff.rows[0].sex == sex


def test_unknown_sex_and_institution_and_bad_email_name_row_and_value():
    staff = read(csv_bytes(["Name;Email;Municipality;Institution;Sex",
                            "Besa Gashi;besa@example;Prizren;Ministria e Jashtme;X"]))
    fields = {field: message for _row, field, message in problems_of(staff)}
    assert set(fields) == {"email", "institution", "sex"}
    assert "besa@example" in fields["email"] and "Ministria e Jashtme" in fields["institution"]
    assert "X" in fields["sex"]
    assert staff.rows == []


def test_institution_by_code_name_in_any_language_or_abbreviation_first():
    lines = ["Name;Email;Municipality;Institution"] + [
        f"P Q;p{i}@example.org;Prizren;{value}" for i, value in enumerate(
            ["qps", "Centar za socijalni rad", "Centre for Social Work (QPS)", "Qendra për Punë Sociale",
             "QPS Prizren", "Skupština opštine"])]
    staff = read(csv_bytes(lines))
    assert staff.problems == []
    assert [r.institution_type_id for r in staff.rows] == [TYPE_OF["qps"]] * 5 + [TYPE_OF["municipal-assembly"]]
    assert staff.rows[4].institution_name == "QPS Prizren"


def test_duplicate_emails_name_the_first_row_whatever_their_case():
    staff = read(csv_bytes(["Name;Email;Municipality", "Besa Gashi;besa@example.org;Prizren",
                            "Agim Morina;agim@example.org;Prizren", "Besa Gashi;BESA@Example.org ;Prizren",
                            "Besa G;besa@example.org;Prizren"]))
    assert problems_of(staff) == [
        (4, "email", "The email address besa@example.org is already in row 2."),
        (5, "email", "The email address besa@example.org is already in row 2."),
    ]
    assert [r.row for r in staff.rows] == [2, 3]


def test_blank_rows_are_skipped_but_row_numbers_follow_the_sheet():
    staff = read(csv_bytes(["Name;Email;Municipality", "Besa Gashi;besa@example.org;Prizren", ";;", "",
                            "Agim;agim@example.org;Prizren"]))
    assert staff.total_rows == 2
    assert problems_of(staff)[0][:2] == (5, "name")


# --- Formulas ------------------------------------------------------------------------------

@pytest.mark.parametrize("value,formula", [
    ("=SUM(A1:A3)", True), ("@SUM(A1)", True), ("+A1", True), ("-cmd|' /C calc'!A0", True), ("=1+2", True),
    ("+(1)", True), ("+383 44 123 456", False), ("-5", False), ("-", False), ("Zyrtar", False),
    ("a=b", False), ("", False),
])
def test_what_looks_like_a_formula(value, formula):
    assert looks_like_formula(value) is formula


def test_formula_like_csv_cell_is_a_row_error_but_phone_numbers_pass():
    staff = read(csv_bytes(["Name;Email;Municipality;Position",
                            "Besa Gashi;besa@example.org;Prizren;+383 44 123 456",
                            "Agim Morina;agim@example.org;Prizren;=HYPERLINK(\"http://x\")"]))
    assert staff.rows[0].position == "+383 44 123 456"
    assert problems_of(staff)[0][:2] == (3, "position")
    assert "formula" in problems_of(staff)[0][2]


def test_xlsx_reads_values_and_refuses_formula_cells():
    content = xlsx_bytes([
        ["Lista e stafit"],
        ["Emri", "Mbiemri", "E-mail", "Komuna", "Institucioni", "Pozita", "Gjinia"],
        ["Arbëresha", "Çeku", "arberesha@example.org", "Prishtinë", "QPS", 1234, "F"],
        ["Dragan", "Đorđević", "dragan@example.org", "Priština", "DSHMS", "Šef", "M"],
        ["Besa", "Gashi", '=LOWER("BESA@EXAMPLE.ORG")', "Prizren", "QPS", "Zyrtare", "F"],
    ])
    staff = read(content, "staff.xlsx")
    assert staff.encoding is None and staff.total_rows == 3
    assert [(r.row, r.given_name, r.family_name, r.position) for r in staff.rows] == [
        (3, "Arbëresha", "Çeku", "1234"), (4, "Dragan", "Đorđević", "Šef")]
    assert staff.rows[1].municipality_id == ID_OF["prishtine"]
    assert [(p.row, p.field) for p in staff.problems] == [(5, "email")]
    assert "formula" in str(staff.problems[0].message)


def test_xlsx_without_extension_is_recognised_by_content():
    content = xlsx_bytes([["Name", "Email", "Municipality"], ["Besa Gashi", "besa@example.org", "Prizren"]])
    assert read(content, "upload").rows[0].email == "besa@example.org"


# --- Scale ---------------------------------------------------------------------------------

def test_ten_thousand_rows_read_in_seconds():
    lines = [HEADER] + [f"Person{i} Family{i};p{i}@example.org;{['Prishtinë', 'Peć', 'Gjilani'][i % 3]};QPS;Zyrtar;F"
                        for i in range(10000)]
    content = csv_bytes(lines, "cp1250")
    started = time.perf_counter()
    staff = read(content)
    elapsed = time.perf_counter() - started
    assert staff.problems == [] and len(staff.rows) == 10000
    assert elapsed < 10, elapsed
