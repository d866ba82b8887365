"""Spreadsheets built by hand with zipfile, fast at any size: what an attacker sends."""
import io
import zipfile


def sheet_xml(rows: int, extra: str = "") -> bytes:
    """``rows`` rows of one cell (x1, x2...); ``extra`` more XML per row, with {n} its number."""
    body = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x{n}</t></is></c>{extra.format(n=n)}</row>'
                   for n in range(1, rows + 1))
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>').encode()


def one_sheet_xlsx(sheet_xml: bytes, padding: int = 0) -> bytes:
    """A minimal workbook around one sheet, built with zipfile (fast at any size);
    ``padding`` bytes of zeros in an extra member make it unpack big and zip small."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        archive.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{package}"><Relationship '
                         f'Id="rId1" Type="{rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rels}">'
                         '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="{package}">'
                         f'<Relationship Id="rId1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/>'
                         '</Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if padding:
            archive.writestr("xl/padding.bin", bytes(padding))
    return buffer.getvalue()


def tall_xlsx(rows: int) -> bytes:
    """A header and ``rows`` - 1 rows of one cell: a million of them zip to ~60 KB."""
    return one_sheet_xlsx(sheet_xml(1).replace(b"</sheetData>", b"<row><c><v>1</v></c></row>" * (rows - 1)
                                               + b"</sheetData>"))
