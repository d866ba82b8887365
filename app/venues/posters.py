"""The venue code poster 场所码: one A4 page to put up at the door, with the venue's QR
code (its public page, ``/v/<code>``), what a visitor does and the rule the doorkeeper
applies. Drawn with the filing posters' reportlab pieces (app.filings.posters)."""
import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from app.filings.posters import A4, GREY, HEIGHT, LATIN, MARGIN, RED, WIDTH, band, boxed_text, centred, \
    draw_qr, draw_steps, register_font, wrap

STEPS = (_l("Scan the venue code with your phone"), _l("Choose yourself or a family member"),
         _l("Show the colour to the staff at the door"))
REFUSED_RULE = _l("Red and yellow codes may not enter. Please wear a mask and keep one metre apart.")
MEDICAL_RULE = _l("Red and yellow codes: tell the staff at once and follow their guidance to the fever clinic.")


@dataclass
class VenuePoster:
    name: str
    place: str        # the community and the address
    url: str          # what the QR code opens
    code: str
    medical: bool


def poster_pdf(poster: VenuePoster) -> bytes:
    register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{_l('Venue code')} · {poster.name}")
    band(pdf, _l("Scan the venue code to enter"))
    y = HEIGHT - 34 * mm - 16 * mm
    for line in wrap(poster.name, 26, WIDTH - 2 * MARGIN):
        centred(pdf, line, y, 26)
        y -= 26 * 1.3
    for line in wrap(poster.place, 13, WIDTH - 2 * MARGIN):
        centred(pdf, line, y, 13, GREY)
        y -= 13 * 1.5
    side = 115 * mm
    draw_qr(pdf, poster.url, (WIDTH - side) / 2, y - side, side)
    y -= side + 7 * mm
    centred(pdf, f"{_l('Venue code')} {poster.code}", y, 16, RED)
    y -= 6 * mm
    centred(pdf, poster.url, y, 10, GREY, LATIN)
    y -= 14 * mm
    draw_steps(pdf, STEPS, y)
    boxed_text(pdf, MEDICAL_RULE if poster.medical else REFUSED_RULE, MARGIN + 26 * mm)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
