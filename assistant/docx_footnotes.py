"""Real Word footnotes in a python-docx document.

python-docx writes paragraphs, tables and styles but not footnotes, and a workspace's
export should carry its citations as footnotes: a reader of the Word file then sees each
source at the foot of the page it is cited on, as in any board paper. A footnote in WordprocessingML is
a ``w:footnote`` in the ``/word/footnotes.xml`` part (after the two separators Word
expects), referred to from the text by a ``w:footnoteReference`` run; Word numbers them
in order of reference. This module adds that part and those runs; nothing else changes.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_SUPERSCRIPT = '<w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
# Word's own separators (ids -1 and 0), which it draws above the footnotes.
_SEPARATORS = ('<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
               '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
               '<w:continuationSeparator/></w:r></w:p></w:footnote>')


class Footnotes:
    """The footnotes of one document: :meth:`add` one after a run of text, then
    :meth:`save` once, before the document is saved."""

    def __init__(self, document) -> None:
        self.document = document
        self._notes: list[str] = []

    def add(self, paragraph, text: str) -> int:
        """Put a footnote reference at the end of ``paragraph`` with ``text`` as its note;
        its id (Word shows the notes numbered 1, 2, 3 … in order)."""
        number = len(self._notes) + 1
        run = paragraph.add_run()
        run._r.append(parse_xml(f'<w:rPr {nsdecls("w")}><w:vertAlign w:val="superscript"/></w:rPr>'))
        run._r.append(parse_xml(f'<w:footnoteReference {nsdecls("w")} w:id="{number}"/>'))
        self._notes.append(text)
        return number

    def save(self) -> None:
        """Add the footnotes part holding every note to the document (once)."""
        notes = "".join(
            f'<w:footnote w:id="{n}"><w:p><w:r>{_SUPERSCRIPT}<w:footnoteRef/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {escape(text)}</w:t></w:r></w:p></w:footnote>'
            for n, text in enumerate(self._notes, start=1))
        xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f'<w:footnotes {_W}>{_SEPARATORS}{notes}</w:footnotes>').encode("utf-8")
        package = self.document.part.package
        part = Part(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, xml, package)
        self.document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
