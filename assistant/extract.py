"""Read a document file into raw blocks, after checking it is what it claims to be.

Formats are recognised by content, not by name: a ``.pdf`` that is not a PDF, a
binary file called ``.txt`` or a ZIP that is not a Word document is refused with a
:class:`DocumentError` that names the file and says why and what to do.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

from assistant.documents import RawBlock

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}


class DocumentError(ValueError):
    """A file that cannot be ingested. The message names the file and the reason."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{Path(path).name}: {reason}")


# --- recognising the format ------------------------------------------------------

def sniff_format(path: Path, data: bytes) -> str:
    """Return 'pdf', 'docx', 'html' or 'text' for ``data``, or raise DocumentError."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(
            path,
            f"'{suffix or 'no extension'}' files are not supported; "
            "use .pdf, .docx, .html, .md or .txt",
        )
    if not data.strip():
        raise DocumentError(path, "the file is empty")
    if data.startswith(b"%PDF-"):
        found = "pdf"
    elif data.startswith(b"PK\x03\x04"):
        found = "docx" if _is_docx(data) else "zip"
    elif b"\x00" in data[:8192] or _control_share(data[:8192]) > 0.05:
        found = "binary"
    else:
        found = "text"
    claimed = {".pdf": "pdf", ".docx": "docx"}.get(suffix, "text")
    if found == claimed:
        return "html" if claimed == "text" and _looks_like_html(suffix, data) else found
    names = {"pdf": "a PDF", "docx": "a Word (.docx) document", "text": "plain text",
             "zip": "a ZIP archive that is not a Word document", "binary": "binary data"}
    raise DocumentError(
        path,
        f"the name says {names[claimed]} ('{suffix}') but the content is {names[found]}; "
        "check it is the right file, or rename it to match what it is",
    )


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _control_share(sample: bytes) -> float:
    # Text files have tabs and newlines, but hardly any other control bytes.
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls / max(len(sample), 1)


def _looks_like_html(suffix: str, data: bytes) -> bool:
    head = data[:2048].lower()
    return suffix in (".html", ".htm") or head.lstrip().startswith((b"<!doctype html", b"<html"))


def decode_text(path: Path, data: bytes) -> str:
    """UTF-8 text (a BOM is allowed); anything else is refused with where it broke."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DocumentError(
            path,
            f"the text is not UTF-8 (byte 0x{data[err.start]:02x} at position {err.start}); "
            "save it as UTF-8 and add it again",
        ) from None


# --- readers ---------------------------------------------------------------------

def read_blocks(path: Path, data: bytes) -> list[RawBlock]:
    """Check ``data`` (the bytes of ``path``) and read it into raw blocks."""
    fmt = sniff_format(path, data)
    if fmt == "pdf":
        blocks = _read_pdf(path, data)
    elif fmt == "docx":
        blocks = _read_docx(path, data)
    elif fmt == "html":
        blocks = _read_html(decode_text(path, data))
    else:
        blocks = read_text_blocks(decode_text(path, data))
    if not any(b.text.strip() for b in blocks):
        raise DocumentError(path, "no readable text was found in it")
    return blocks


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•·▪●]|\u2022)\s+")
_INLINE_TAG = re.compile(r"</?(?:b|i|u|em|strong|span|a|font)(?:\s[^>]*)?>", re.I)
_SUP = re.compile(r"<sup>.*?</sup>", re.I | re.S)
_BREAKS = re.compile(r"</?p(?:\s[^>]*)?>|<br\s*/?>|</?ul(?:\s[^>]*)?>|</?ol(?:\s[^>]*)?>|</?li(?:\s[^>]*)?>", re.I)
_ANY_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def clean_inline(text: str) -> str:
    """Strip markup that only decorates: footnote marks, bold/italic tags and ``**``."""
    text = _SUP.sub("", text)
    text = _INLINE_TAG.sub("", text)
    text = _BOLD.sub(r"\1", text).replace("**", "")
    text = html.unescape(text)
    return re.sub(r"[ \u00a0]{2,}", " ", text).strip()


def _split_fragment(cell: str) -> list[tuple[str, str]]:
    """Split an HTML fragment (``<p>…</p> <ul> • a • b``) into (kind, text) pieces."""
    pieces: list[tuple[str, str]] = []
    for part in _BREAKS.split(cell):
        bullets = re.split(r"\s*•\s*", part)
        lead, items = bullets[0], bullets[1:]
        if clean_inline(_ANY_TAG.sub(" ", lead)):
            pieces.append(("paragraph", clean_inline(_ANY_TAG.sub(" ", lead))))
        for item in items:
            if clean_inline(_ANY_TAG.sub(" ", item)):
                pieces.append(("list_item", clean_inline(_ANY_TAG.sub(" ", item))))
    return pieces


# "Strategy**1.0 Key Points**": a heading run onto the line before it in conversion.
_GLUED_HEADING = re.compile(r"^(?P<before>\S.*?[^\s*])\*\*(?P<heading>[^*]{2,120})\*\*\s*$")


_PIPE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")


def read_text_blocks(text: str) -> list[RawBlock]:
    """Read plain text or Markdown, with stray HTML table fragments, into raw blocks.

    One line is one block, except that a wrapped line (starting in lower case after a
    line with no closing punctuation) joins the one before, and a lone number ("4.")
    joins the paragraph after it, as converted board papers lay them out.
    """
    blocks: list[RawBlock] = []
    pending_number = ""
    lines: list[str] = []
    for raw in text.splitlines():
        glued = _GLUED_HEADING.match(raw)
        lines.extend([glued["before"], glued["heading"]] if glued else [raw])
    for raw in lines:
        line = raw.rstrip()
        if not line.strip():
            continue
        if re.fullmatch(r"\s*(\d{1,2}(?:\.\d{1,2})*)\.?\s*", line):
            pending_number = line.strip().rstrip(".") + ". "
            continue
        if line.strip() == ".":
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            blocks.append(RawBlock("heading", pending_number + clean_inline(heading.group(2)),
                                   level=len(heading.group(1))))
            pending_number = ""
            continue
        piped = _PIPE_ROW.match(line)
        if piped:
            # A Markdown table row ("| Step | Lead |"); its "|---|---|" rule row says nothing.
            cells = [clean_inline(c.replace("\\|", "|")) for c in re.split(r"(?<!\\)\|", piped.group(1))]
            if not all(re.fullmatch(r"\s*:?-{3,}:?\s*", c) for c in cells):
                row = "\t".join(cells).strip("\t")
                if row.strip():
                    blocks.append(RawBlock("table_row", pending_number + row))
                    pending_number = ""
            continue
        if "\t" in line:
            cells = line.split("\t")
            if any("<p" in c or "<ul" in c or "•" in c for c in cells):
                # A layout table whose cells hold paragraphs: read it as the text it is.
                first = True
                for cell in cells:
                    for kind, piece in _split_fragment(cell):
                        if first and pending_number:
                            piece, pending_number = pending_number + piece, ""
                        blocks.append(RawBlock(kind, piece, in_table=True))
                        first = False
                    if not _split_fragment(cell) and re.fullmatch(r"\s*\d{1,2}\.?\s*", cell):
                        pending_number = cell.strip().rstrip(".") + ". "
                continue
            row = "\t".join(clean_inline(c) for c in cells).strip("\t")
            if row.strip():
                blocks.append(RawBlock("table_row", pending_number + row))
                pending_number = ""
            continue
        if "<p" in line or "<ul" in line or "<br" in line.lower():
            for kind, piece in _split_fragment(line):
                blocks.append(RawBlock(kind, pending_number + piece))
                pending_number = ""
            continue
        bullet = _BULLET.match(line)
        content = clean_inline(line[bullet.end():] if bullet else line)
        if not content:
            continue
        prev = blocks[-1] if blocks else None
        if (prev and not bullet and not pending_number and prev.kind in ("paragraph", "list_item")
                and content[0].islower() and not re.search(r"[.:;!?]\s*$", prev.text)):
            prev.text = f"{prev.text} {content}"
            continue
        kind = "list_item" if bullet else "paragraph"
        blocks.append(RawBlock(kind, pending_number + content))
        pending_number = ""
    return blocks


_HTML_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote",
                "dt", "dd", "caption", "tr", "figcaption"}
_HTML_SKIP = {"script", "style", "sup", "nav", "noscript", "template", "head", "svg"}


def _read_html(text: str) -> list[RawBlock]:
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(text, "html.parser")
    blocks: list[RawBlock] = []
    inline: list[str] = []

    def flush() -> None:
        joined = clean_inline(" ".join(inline))
        inline.clear()
        if joined:
            blocks.append(RawBlock("paragraph", joined))

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if child.__class__.__name__ in ("Comment", "Doctype", "Declaration"):
                    continue
                inline.append(str(child))
                continue
            if not isinstance(child, Tag) or child.name in _HTML_SKIP:
                continue
            if child.name in _HTML_BLOCKS:
                flush()
                for sup in child.find_all("sup"):
                    sup.decompose()
                if child.name == "tr":
                    cells = [clean_inline(c.get_text(" ")) for c in child.find_all(["td", "th"])]
                    if any(cells):
                        blocks.append(RawBlock("table_row", "\t".join(cells)))
                elif child.name == "li" and child.find(["ul", "ol"]):
                    nested = child.find(["ul", "ol"]).extract()
                    blocks.append(RawBlock("list_item", clean_inline(child.get_text(" "))))
                    walk(nested)
                else:
                    body = clean_inline(child.get_text(" "))
                    if body:
                        kind = ("heading" if child.name[0] == "h" and child.name[1:].isdigit()
                                else "list_item" if child.name in ("li", "dd") else "paragraph")
                        level = int(child.name[1]) if kind == "heading" else None
                        blocks.append(RawBlock(kind, body, level=level))
            elif child.name == "br":
                flush()
            elif child.name in ("b", "i", "em", "strong", "span", "a", "u", "small", "code", "abbr"):
                inline.append(child.get_text(" "))
            else:
                flush()
                walk(child)
        flush()

    walk(soup.body or soup)
    return blocks


def _read_pdf(path: Path, data: bytes) -> list[RawBlock]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(path, "the PDF is password-protected; remove the password and add it again")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as err:
        raise DocumentError(path, f"the PDF could not be read ({err}); it may be damaged") from None
    if not any(p.strip() for p in pages):
        raise DocumentError(
            path,
            "the PDF has no text layer (it looks like scanned images); "
            "run it through OCR or add the original document instead",
        )
    # pypdf gives hard-wrapped lines; the text reader rejoins wrapped sentences.
    return read_text_blocks("\n".join(pages))


def _read_docx(path: Path, data: bytes) -> list[RawBlock]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as err:  # python-docx raises many types for a damaged package
        raise DocumentError(path, f"the Word document could not be read ({err.__class__.__name__}); it may be damaged") from None
    blocks: list[RawBlock] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            text = clean_inline(item.text)
            if not text:
                continue
            style = (item.style.name if item.style is not None else "") or ""
            level_match = re.match(r"Heading (\d)", style)
            if level_match or style == "Title":
                blocks.append(RawBlock("heading", text, level=int(level_match.group(1)) if level_match else 1))
            elif "List" in style or item._p.pPr is not None and item._p.pPr.numPr is not None:
                blocks.append(RawBlock("list_item", text))
            else:
                blocks.append(RawBlock("paragraph", text))
        elif isinstance(item, Table):
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = clean_inline(" ".join(p.text for p in cell.paragraphs))
                    if not cells or cells[-1] != value:  # merged cells repeat
                        cells.append(value)
                if any(cells):
                    blocks.append(RawBlock("table_row", "\t".join(cells)))
    return blocks
