"""PDF: the text layer of each page, by pypdfium2 (PDFium, the engine in Chrome).

Pages are joined with a blank line, so no paragraph runs across a page break, and the start
offset of each page is kept: a span's page is the last page starting at or before it. Line
breaks are ``\\n`` and control characters are dropped. A password-protected PDF, a damaged one
and one with no text layer at all (scanned, image-only) are :class:`Unreadable` with a reason;
it does not run OCR.
"""

from __future__ import annotations

from .base import Reader, ReadText, Unreadable, tidy

PAGE_BREAK = "\n\n"


class PdfReader(Reader):
    format = "pdf"
    extensions = (".pdf",)

    def sniff(self, head: bytes) -> bool:
        return head.lstrip()[:5] == b"%PDF-"

    def read(self, data: bytes, name: str) -> ReadText:
        import pypdfium2 as pdfium

        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise Unreadable(
                    "encrypted PDF (it needs a password); save a copy without one"
                ) from None
            raise Unreadable(f"damaged or not a PDF ({exc})") from None
        try:
            parts: list[str] = []
            pages: list[int] = []
            at = 0
            for i in range(len(doc)):
                page = doc[i]
                textpage = page.get_textpage()
                text = tidy(textpage.get_text_range()).strip()
                textpage.close()
                page.close()
                if parts:
                    parts.append(PAGE_BREAK)
                    at += len(PAGE_BREAK)
                pages.append(at)
                parts.append(text)
                at += len(text)
            title = (doc.get_metadata_dict().get("Title") or "").strip() or None
        except pdfium.PdfiumError as exc:
            raise Unreadable(f"damaged PDF ({exc})") from None
        finally:
            doc.close()
        text = "".join(parts)
        if not text.strip():
            raise Unreadable(
                f"no text layer ({len(pages)} page(s) of images: a scan or an image-only PDF); "
                "run OCR on it first (e.g. ocrmypdf) to index it"
            )
        return ReadText(text + "\n", self.format, tuple(pages), title)
