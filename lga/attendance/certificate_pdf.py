"""Certificates as PDF: one A4 landscape page per person, in the person's language.

Pure rendering: the caller hands over a ``CertificateData`` (texts already picked in the
certificate's language, e.g. with ``lga.i18n.localized``) and gets PDF bytes back; nothing
here reads the database. The fixed phrases and the dates go through Flask-Babel inside
``force_locale``, so rendering needs an application context.

The fonts (DejaVu Sans, vendored in ``lga/static/fonts``) cover the Albanian and Serbian
Latin letters; the PDF embeds a subset of them so the file reads the same everywhere.
Long names and titles first shrink, then wrap, and as a last resort are cut with an ellipsis,
so nothing ever runs off the page.
"""
from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Sequence

import segno
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from fpdf import FPDF
from PIL import Image

from lga.i18n import babel_locale_for

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVu"

# Page geometry in millimetres (A4 landscape).
PAGE_W, PAGE_H = 297.0, 210.0
MARGIN = 22.0
CONTENT_W = PAGE_W - 2 * MARGIN
PT = 25.4 / 72  # millimetres per point
LINE = 1.22  # line height as a multiple of the font size

ACCENT = (29, 78, 137)  # the platform's blue (favicon, header)
INK = (33, 37, 41)
MUTED = (96, 103, 112)
ELLIPSIS = "…"


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate; texts already in ``language``."""

    full_name: str
    module_title: str
    programme_name: str
    start_date: date
    end_date: date
    hours: Decimal | float | int
    code: str
    verify_url: str  # absolute URL of /verify/<code>; the QR code encodes it
    language: str  # "sq" | "en" | "sr"
    issued_on: date
    workshop_title: str = ""
    donor: str | None = None
    place: str | None = None
    signatories: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (name, role)


def render_certificate(data: CertificateData) -> bytes:
    """One certificate: a one-page PDF."""
    return render_many([data])


def render_many(items: Iterable[CertificateData]) -> bytes:
    """Many certificates in one PDF, one page each (a workshop's certificates in one file)."""
    pdf = _new_document()
    for data in items:
        with force_locale(babel_locale_for(data.language)):
            _draw_page(pdf, data)
    if pdf.page == 0:
        raise ValueError("no certificates to render")
    return bytes(pdf.output())


# --- Document and page ---------------------------------------------------------------------

def _new_document() -> FPDF:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_author("KLGI")
    pdf.set_creator("Local Governance Academy")
    return pdf


def _draw_page(pdf: FPDF, data: CertificateData) -> None:
    pdf.add_page()
    if pdf.page == 1:
        pdf.set_title(_("Certificate of participation"))
        pdf.set_lang({"sr": "sr-Latn"}.get(data.language, data.language))
    _draw_frame(pdf)

    _text_box(pdf, _("Kosovo Local Governance Institute (KLGI) · Local Governance Academy"),
              y=18, height=7, sizes=(10, 7), bold=True, color=ACCENT)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(PAGE_W / 2 - 30, 27, PAGE_W / 2 + 30, 27)

    _text_box(pdf, _("Certificate of participation"), y=31, height=14, sizes=(28, 16), bold=True)
    _text_box(pdf, _("This certifies that"), y=50, height=7, sizes=(12, 8), color=MUTED)
    _text_box(pdf, data.full_name, y=58, height=22, sizes=(30, 13), bold=True, color=ACCENT)
    _text_box(pdf, _("has completed the training"), y=82, height=7, sizes=(12, 8), color=MUTED)
    _text_box(pdf, data.module_title, y=90, height=19, sizes=(20, 10), bold=True)

    workshop = _clean(data.workshop_title)
    if workshop and workshop != _clean(data.module_title):
        _text_box(pdf, _("Workshop: %(title)s", title=workshop), y=110, height=8, sizes=(12, 8))

    programme = [_("Programme: %(name)s", name=_clean(data.programme_name))]
    if data.donor:
        programme.append(_("Funded by %(donor)s", donor=_clean(data.donor)))
    _text_box(pdf, " · ".join(programme), y=120, height=8, sizes=(12, 8))
    _text_box(pdf, _facts_line(data), y=129, height=8, sizes=(12, 8))

    _draw_signatories(pdf, data)
    _draw_verification(pdf, data)


def _draw_frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, PAGE_W - 22, PAGE_H - 22)


def _facts_line(data: CertificateData) -> str:
    """Dates · place · hours, in the active locale."""
    # Both dates in full: Babel's ranges abbreviate the month names.
    start, end = format_date(data.start_date, "long"), format_date(data.end_date, "long")
    parts = [start if data.start_date == data.end_date else f"{start} – {end}"]
    if data.place:
        parts.append(_clean(data.place))
    parts.append(_("%(hours)s hours", hours=format_decimal(data.hours)))
    return " · ".join(parts)


# --- Bottom of the page: who signs, how to verify ------------------------------------------

BOTTOM = PAGE_H - 20  # lowest baseline area, inside the frame
QR_SIZE = 34.0
LEFT_W = 128.0  # issue date and signatories
RIGHT_X = MARGIN + LEFT_W + 8  # verification text starts here


def _draw_signatories(pdf: FPDF, data: CertificateData) -> None:
    _text_box(pdf, _("Issued on %(date)s", date=format_date(data.issued_on, "long")),
              y=146, height=6, sizes=(10, 7), x=MARGIN, width=LEFT_W, align="L", color=MUTED)
    signatories = list(data.signatories)
    if not signatories:
        return
    gap = 8.0
    col_w = (LEFT_W - gap * (len(signatories) - 1)) / len(signatories)
    line_y = 174.0
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.3)
    for i, (name, role) in enumerate(signatories):
        x = MARGIN + i * (col_w + gap)
        pdf.line(x, line_y, x + col_w, line_y)
        _text_box(pdf, name, y=line_y + 1.5, height=5.5, sizes=(11, 6), x=x, width=col_w,
                  align="L", bold=True, valign="top")
        _text_box(pdf, role, y=line_y + 7.5, height=8, sizes=(9, 6), x=x, width=col_w,
                  align="L", color=MUTED, valign="top")


def _draw_verification(pdf: FPDF, data: CertificateData) -> None:
    qr_x, qr_y = PAGE_W - MARGIN - QR_SIZE, BOTTOM - QR_SIZE
    pdf.image(_qr_image(data.verify_url), x=qr_x, y=qr_y, w=QR_SIZE, h=QR_SIZE)
    text_x, text_w = RIGHT_X, qr_x - 4 - RIGHT_X
    box = dict(x=text_x, width=text_w, align="R", valign="top")
    _text_box(pdf, _("Verification code"), y=qr_y + 2, height=5, sizes=(9, 6), color=MUTED, **box)
    _text_box(pdf, data.code, y=qr_y + 7, height=7, sizes=(14, 7), bold=True, one_line=True,
              **box)
    _text_box(pdf, _("Verify at"), y=qr_y + 17, height=5, sizes=(9, 6), color=MUTED, **box)
    _text_box(pdf, data.verify_url, y=qr_y + 22, height=8, sizes=(9, 6), color=ACCENT,
              one_line=True, **box)


def _qr_image(url: str) -> Image.Image:
    # make_qr: always a full QR code; a Micro QR (what segno.make picks for short data)
    # is not read by most phone cameras.
    buf = io.BytesIO()
    segno.make_qr(url, error="m").save(buf, kind="png", scale=10, border=4)
    buf.seek(0)
    # Grey scale: fpdf2 skews the rows of segno's 1-bit PNG.
    return Image.open(buf).convert("L")


# --- Text that fits ------------------------------------------------------------------------

def _clean(text: str | None) -> str:
    """One line of NFC text: composed letters render with the font's own glyphs."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _text_box(pdf: FPDF, text: str, *, y: float, height: float, sizes: tuple[float, float],
              x: float = MARGIN, width: float = CONTENT_W, align: str = "C", bold: bool = False,
              color: tuple[int, int, int] = INK, valign: str = "middle",
              one_line: bool = False) -> None:
    """Write ``text`` inside the box (x, y, width, height): the largest size in ``sizes``
    (max, min) at which it fits, wrapping if need be; cut with an ellipsis at the smallest.
    ``one_line``: shrink down to the smallest size before wrapping (codes, addresses)."""
    text = _clean(text)
    if not text:
        return
    size, lines = _fit(pdf, text, width, height, sizes, bold, one_line)
    line_h = size * PT * LINE
    top = y if valign == "top" else y + (height - line_h * len(lines)) / 2
    pdf.set_text_color(*color)
    for i, line in enumerate(lines):
        pdf.set_xy(x, top + i * line_h)
        pdf.cell(width, line_h, line, align=align)


def _fit(pdf: FPDF, text: str, width: float, height: float, sizes: tuple[float, float],
         bold: bool, one_line: bool = False) -> tuple[float, list[str]]:
    """(size, lines): the first size, from the largest down by half points, at which the
    wrapped text fits the box (with ``one_line``: on one line, before any wrapping)."""
    largest, smallest = sizes
    steps = [largest - 0.5 * i for i in range(int((largest - smallest) * 2) + 1)]
    for may_wrap in ((False, True) if one_line else (True,)):
        for size in steps:
            pdf.set_font(FONT, "B" if bold else "", size)
            lines = _wrap(pdf, text, width)
            fits = len(lines) * size * PT * LINE <= height + 0.01
            if fits and (may_wrap or len(lines) == 1):
                return size, lines
    keep = max(1, int((height + 0.01) // (size * PT * LINE)))
    return size, lines[:keep - 1] + [_with_ellipsis(pdf, " ".join(lines[keep - 1:]), width)]


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Lines of ``text`` at the current font within ``width`` (long words are split)."""
    lines = pdf.multi_cell(width, 1, text, dry_run=True, output="LINES", padding=0)
    return [line.strip() for line in lines if line.strip()] or [text]


def _with_ellipsis(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text.rstrip() + ELLIPSIS) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS
