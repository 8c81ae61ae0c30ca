"""Certificates as PDF: read back with pypdf, as a reader's PDF viewer would show them."""
from __future__ import annotations

import dataclasses
import io
from datetime import date
from decimal import Decimal

import pytest
import segno
from pypdf import PdfReader

from lga.attendance.certificate_pdf import MARGIN, PT, CertificateData, render_certificate, render_many

LETTERS = "ëçščćđžËÇŠČĆĐŽ"
NAME = "Ëlira Gëzime Çeçe Šešić-Čačić Ćosić Đurđević Žužić"
URL = "https://lga.example.org/verify/K7QX-93MD-PA2C"


@pytest.fixture(scope="module")
def cert_app():
    """The app without a database: rendering needs only Flask-Babel."""
    from lga import create_app

    app = create_app("testing")
    with app.app_context():
        yield app


def certificate(**changes) -> CertificateData:
    data = CertificateData(
        full_name=NAME,
        module_title="Social Welfare and Social Services",
        programme_name="Dialogue for European Municipalities (DEM)",
        donor="the Embassy of the Kingdom of Norway",
        start_date=date(2021, 3, 12),
        end_date=date(2021, 3, 13),
        hours=Decimal("7.5"),
        code="K7QX-93MD-PA2C",
        verify_url=URL,
        language="en",
        issued_on=date(2021, 3, 14),
        workshop_title="Municipal plans for social services",
        place="Prishtinë",
        signatories=[("Arbër Gashi", "Executive Director, KLGI"), ("Jelena Petrović", "Trainer")],
    )
    return dataclasses.replace(data, **changes)


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def page_text(page) -> str:
    """The page's text with line breaks and runs of spaces as single spaces."""
    return " ".join(page.extract_text().split())


def test_the_name_keeps_its_albanian_and_serbian_letters(cert_app):
    assert set(LETTERS) <= set(NAME)
    text = page_text(read(render_certificate(certificate())).pages[0])
    assert NAME in text


def test_a_certificate_says_what_was_completed_when_and_how_to_verify_it(cert_app):
    text = page_text(read(render_certificate(certificate())).pages[0])
    for expected in [
        "Certificate of participation",
        "Social Welfare and Social Services",
        "Workshop: Municipal plans for social services",
        "Dialogue for European Municipalities (DEM)",
        "Funded by the Embassy of the Kingdom of Norway",
        "March 12, 2021 – March 13, 2021",
        "Prishtinë",
        "7.5 hours",
        "Issued on March 14, 2021",
        "Verification code K7QX-93MD-PA2C",
        URL,
        "Arbër Gashi",
        "Jelena Petrović",
    ]:
        assert expected in text, expected


def test_optional_parts_are_left_out_when_missing(cert_app):
    data = certificate(donor=None, place=None, signatories=(), end_date=date(2021, 3, 12),
                       workshop_title="Social Welfare and Social Services")
    text = page_text(read(render_certificate(data)).pages[0])
    assert "Funded by" not in text
    assert "Workshop:" not in text  # the workshop carries the module's own title
    assert "March 12, 2021 · 7.5 hours" in text  # one day: the date once
    assert "Arbër Gashi" not in text


@pytest.mark.parametrize("language, heading, dates, hours", [
    ("sq", "Akademia për Qeverisje Lokale", "12 mars 2021 – 13 mars 2021", "7,5 orë"),
    ("sr", "Akademija za lokalnu upravu", "12. mart 2021. – 13. mart 2021.", "Broj sati: 7,5"),
    ("en", "Local Governance Academy", "March 12, 2021 – March 13, 2021", "7.5 hours"),
])
def test_a_certificate_is_in_the_trainees_language(cert_app, language, heading, dates, hours):
    text = page_text(read(render_certificate(certificate(language=language))).pages[0])
    assert heading in text
    assert dates in text
    assert hours in text


def test_render_many_gives_one_page_per_certificate_each_in_its_language(cert_app):
    people = [("Ana Krasniqi", "sq"), ("Marko Đokić", "sr"), ("Liridona Berisha", "en")]
    pdf = read(render_many(certificate(full_name=name, language=lang, code=f"CODE-{i}")
                           for i, (name, lang) in enumerate(people)))
    assert len(pdf.pages) == len(people)
    for i, (page, (name, _lang)) in enumerate(zip(pdf.pages, people)):
        text = page_text(page)
        assert name in text and f"CODE-{i}" in text
        assert all(other not in text for other, _ in people if other != name)
    assert "12 mars 2021" in page_text(pdf.pages[0])
    assert "12. mart 2021." in page_text(pdf.pages[1])
    assert "March 12, 2021" in page_text(pdf.pages[2])


def test_render_many_of_nothing_is_refused(cert_app):
    with pytest.raises(ValueError):
        render_many([])


def test_the_page_is_a4_landscape_with_the_fonts_embedded(cert_app):
    page = read(render_certificate(certificate())).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (297, 210)
    fonts = page["/Resources"]["/Font"]
    for ref in fonts.values():
        descendant = ref.get_object()["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"]  # readable without DejaVu installed


def test_the_qr_code_on_the_page_encodes_the_verification_url(cert_app):
    page = read(render_certificate(certificate())).pages[0]
    assert len(page.images) == 1
    image = page.images[0].image.convert("L")
    # Read the picture back module by module and compare with the QR code of the URL.
    qr = segno.make_qr(URL, error="m")
    side = qr.symbol_size(scale=1, border=4)[0]
    assert image.width == image.height and image.width % side == 0
    scale = image.width // side
    seen = [[image.getpixel(((col + 4) * scale + scale // 2, (row + 4) * scale + scale // 2)) < 128
             for col in range(len(qr.matrix[0]))]
            for row in range(len(qr.matrix))]
    assert seen == [[bool(m) for m in row] for row in qr.matrix]


def text_runs(page) -> list[tuple[float, float, str]]:
    runs: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            runs.append((tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], text))

    page.extract_text(visitor_text=visit)
    return runs


def assert_inside_the_margins(page):
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    left, right = (MARGIN - 1) / PT, width - (MARGIN - 1) / PT
    runs = text_runs(page)
    assert runs
    for x, y, text in runs:
        assert left <= x < right, (x, text)  # centred text wider than its box starts left of it
        assert 0 < y < height, (y, text)


def test_long_names_and_titles_shrink_or_wrap_on_one_page(cert_app):
    title = ("Planning the financing of social services at local level: the Specific Grant, "
             "the grants commission and municipal plans.")
    assert len(title) == 120
    name = "Maria-Đurđica Çitaku-Šćepanović Ëndërrimë Žaklina Kočić-Mehmetaj Ćosić Bërisha-Ramadani"
    pdf = read(render_certificate(certificate(full_name=name, module_title=title,
                                              workshop_title=title + " (second day)")))
    assert len(pdf.pages) == 1
    text = page_text(pdf.pages[0])
    assert name in text and title in text  # shrunk or wrapped, never cut at this length
    assert_inside_the_margins(pdf.pages[0])


def test_absurdly_long_texts_are_cut_with_an_ellipsis_not_spilled(cert_app):
    name = "Ëlira Đurđević " * 40
    url = "https://lga.example.org/verify/" + "X" * 300
    pdf = read(render_certificate(certificate(full_name=name, module_title="Module " * 60,
                                              programme_name="Programme " * 40, verify_url=url)))
    assert len(pdf.pages) == 1
    text = page_text(pdf.pages[0])
    assert "…" in text
    assert "has completed the training" in text and "Verification code" in text
    assert_inside_the_margins(pdf.pages[0])
