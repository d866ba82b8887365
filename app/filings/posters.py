"""Printable posters and 明白纸 (a plain-words guide) for a community or a township: one
A4 PDF of two pages. The first is the poster to put up: the title, the place, a large
QR code to the report form with the destination filled in (``/report/?to=<code>``), three
steps and the hotline. The second is the guide to hand out: who files, when, how, what
follows (app.filings.guide, the same words as the public help page) and the hotline.

Drawn with reportlab; the Chinese text uses the CID font STSong-Light, which every PDF
reader supplies, so no font file is needed (nor embedded). Plain Python: the caller
passes the place's names, the link and the hotline, in the language of the request.
"""
import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from app.filings import guide

FONT, LATIN = "STSong-Light", "Helvetica"
RED, INK, GREY = HexColor("#c62828"), HexColor("#1d2733"), HexColor("#4a5563")
WIDTH, HEIGHT = A4
MARGIN = 18 * mm
POSTER_STEPS = (_l("Scan the code with your phone"), _l("Fill in the report (family members too)"),
                _l("Keep the receipt SMS; show it at checkpoints"))


@dataclass
class Poster:
    place: str          # "郑州市 金水区 经八路街道 体育社区"
    url: str            # what the QR code opens
    hotline: str


def register_font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def poster_pdf(poster: Poster) -> bytes:
    """The A4 PDF (poster, then 明白纸) of ``poster``."""
    register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{_l('Report your arrival')} · {poster.place}")
    _poster_page(pdf, poster)
    pdf.showPage()
    _guide_page(pdf, poster)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def wrap(text: str, size: float, width: float, font: str = FONT) -> list[str]:
    """Lines of ``text`` no wider than ``width``: Chinese breaks between any characters,
    other text at its spaces."""
    lines, line = [], ""
    for char in str(text):
        if line and pdfmetrics.stringWidth(line + char, font, size) > width:
            cut = line.rfind(" ")
            if char != " " and cut > 0 and line[-1].isascii() and char.isascii():
                lines.append(line[:cut])
                line = line[cut + 1:]
            else:
                lines.append(line.rstrip())
                line = ""
            if char == " ":
                continue
        line += char
    return lines + ([line] if line else [])


def _paragraph(pdf, text, x, y, size, width, colour=INK, leading=1.45) -> float:
    """Draw wrapped ``text`` from the top ``y``; the y below it."""
    pdf.setFillColor(colour)
    pdf.setFont(FONT, size)
    for line in wrap(text, size, width):
        y -= size * leading
        pdf.drawString(x, y + size * (leading - 1), line)
    return y


def centred(pdf, text, y, size, colour=INK, font=FONT):
    pdf.setFillColor(colour)
    pdf.setFont(font, size)
    pdf.drawCentredString(WIDTH / 2, y, str(text))


def draw_qr(pdf, url, x, y, side):
    widget = QrCodeWidget(url, barLevel="M", barBorder=2)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(side, side, transform=[side / (right - left), 0, 0, side / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, x, y)


def band(pdf, title, height=34 * mm, size=34):
    pdf.setFillColor(RED)
    pdf.rect(0, HEIGHT - height, WIDTH, height, stroke=0, fill=1)
    centred(pdf, title, HEIGHT - height / 2 - size / 3, size, white)


def _hotline_box(pdf, poster, y, size=15):
    boxed_text(pdf, guide.hotline_text(poster.hotline), y, size)


def boxed_text(pdf, text, y, size=15):
    """``text`` centred in red in a rounded box whose top is at ``y``."""
    box = 24 * mm
    pdf.setStrokeColor(RED)
    pdf.setLineWidth(1.5)
    pdf.roundRect(MARGIN, y - box, WIDTH - 2 * MARGIN, box, 4 * mm, stroke=1, fill=0)
    lines = wrap(text, size, WIDTH - 2 * MARGIN - 10 * mm)
    top = y - (box - len(lines) * size * 1.4) / 2
    pdf.setFillColor(RED)
    pdf.setFont(FONT, size)
    for line in lines:
        top -= size * 1.4
        pdf.drawCentredString(WIDTH / 2, top + size * 0.4, line)


def _poster_page(pdf, poster: Poster):
    band(pdf, _l("Report your arrival"))
    y = HEIGHT - 34 * mm - 14 * mm
    centred(pdf, poster.place, y, 20)
    y -= 10 * mm
    for line in wrap(guide.INTRO, 13, WIDTH - 2 * MARGIN):
        centred(pdf, line, y, 13, GREY)
        y -= 13 * 1.5
    side = 110 * mm
    y -= 2 * mm
    draw_qr(pdf, poster.url, (WIDTH - side) / 2, y - side, side)
    y -= side + 6 * mm
    centred(pdf, _l("Scan to report"), y, 22, RED)
    y -= 7 * mm
    centred(pdf, poster.url, y, 10, GREY, LATIN)
    y -= 12 * mm
    draw_steps(pdf, POSTER_STEPS, y)
    _hotline_box(pdf, poster, MARGIN + 26 * mm)


def draw_steps(pdf, steps, y):
    """Numbered steps side by side, their circles' centres at ``y``."""
    width = (WIDTH - 2 * MARGIN) / len(steps)
    for number, step in enumerate(steps, start=1):
        x = MARGIN + (number - 1) * width
        pdf.setFillColor(RED)
        pdf.circle(x + width / 2, y, 5 * mm, stroke=0, fill=1)
        pdf.setFillColor(white)
        pdf.setFont(LATIN, 16)
        pdf.drawCentredString(x + width / 2, y - 5.5, str(number))
        pdf.setFillColor(INK)
        pdf.setFont(FONT, 12)
        lines = wrap(step, 12, width - 6 * mm)
        for index, line in enumerate(lines):
            pdf.drawCentredString(x + width / 2, y - 12 * mm - index * 12 * 1.4, line)


def _guide_page(pdf, poster: Poster):
    band(pdf, _l("Arrival report guide"), height=26 * mm, size=26)
    y = HEIGHT - 26 * mm - 10 * mm
    centred(pdf, poster.place, y, 15)
    y -= 8 * mm
    width = WIDTH - 2 * MARGIN
    y = _paragraph(pdf, guide.INTRO, MARGIN, y, 13, width)
    for title, text in ((guide.PREPARE_TITLE, guide.PREPARE), (guide.STEPS_TITLE, None)):
        y = _paragraph(pdf, title, MARGIN, y - 5 * mm, 16, width, RED) - 1 * mm
        if text:
            y = _paragraph(pdf, text, MARGIN, y, 13, width)
    for number, step in enumerate(guide.STEPS, start=1):
        pdf.setFillColor(RED)
        pdf.setFont(LATIN, 14)
        pdf.drawString(MARGIN, y - 14, f"{number}.")
        y = _paragraph(pdf, step, MARGIN + 8 * mm, y, 13, width - 8 * mm) - 3 * mm
    side = 55 * mm
    y -= 6 * mm
    draw_qr(pdf, poster.url, MARGIN, y - side, side)
    text_x = MARGIN + side + 6 * mm
    top = _paragraph(pdf, _l("Scan to report"), text_x, y - 4 * mm, 16, width - side - 6 * mm, RED)
    pdf.setFillColor(GREY)
    pdf.setFont(LATIN, 9)
    pdf.drawString(text_x, top - 4 * mm, poster.url)
    _hotline_box(pdf, poster, MARGIN + 26 * mm)
