"""Plain text and Markdown on the extractor seam.

The indexer streams text files line by line (:func:`documents.scan`,
:func:`documents.read_lines`, :func:`chunking.iter_line_chunks`) so that a
file of any size is read in bounded memory, and the layout (blank-line
blocks, long lines, hard-wrapped text, Markdown ``#`` headings) is worked out
by the chunker. :meth:`TextExtractor.extract` gives the same paragraphs as
blocks from bytes in memory, for callers of the seam.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import Block, Extracted, ExtractionError


@dataclass(frozen=True, slots=True)
class TextExtractor:
    """Plain text (``markdown=False``) or Markdown."""

    name: str
    suffixes: tuple[str, ...]
    markdown: bool
    paged: bool = False

    def extract(self, data: bytes) -> Extracted:
        from ..chunking import TITLE_CHUNKS, document_title, iter_chunks
        from ..documents import BinaryFile, decode

        try:
            decoded = decode(data)
        except BinaryFile as exc:
            raise ExtractionError("binary file (NUL bytes), not text") from exc
        chunks = list(iter_chunks(decoded.text, "", "", markdown=self.markdown))
        blocks = [
            Block(
                c.text,
                "heading" if c.is_heading else "paragraph",
                1 if c.is_heading else 0,
                None,
                c.line,
            )
            for c in chunks
        ]
        title = document_title(chunks[:TITLE_CHUNKS]) or (chunks[0].text if chunks else None)
        warnings = (decoded.warning,) if decoded.warning else ()
        return Extracted(title, blocks, warnings)


TEXT = TextExtractor("text", (".txt",), markdown=False)
MARKDOWN = TextExtractor("Markdown", (".md",), markdown=True)
