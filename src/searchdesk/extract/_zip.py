"""Reading members of a zip container (DOCX, ODT, EPUB) without trusting it.

A zip bomb declares small sizes and inflates to gigabytes, or declares huge
ones; either way a member is read in blocks and reading stops once the total
inflated size passes :data:`MAX_INFLATED`: the document is refused with one
line, before memory runs out.
"""

from __future__ import annotations

import io
import zipfile

from . import ExtractionError

#: Most bytes all members read from one document may inflate to.
MAX_INFLATED = 512 << 20
#: Most members a container may list.
MAX_MEMBERS = 10_000

_BLOCK = 1 << 20


class SafeZip:
    """A zip archive whose members are read with a shared inflation budget."""

    def __init__(self, data: bytes, kind: str) -> None:
        self.kind = kind
        self._budget = MAX_INFLATED
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
            raise ExtractionError(f"not {_an(kind)} file (not a zip archive)") from exc
        if len(infos) > MAX_MEMBERS:
            raise ExtractionError(f"not {_an(kind)} file ({len(infos)} members in its archive)")
        self.names = frozenset(i.filename for i in infos)

    def read(self, name: str) -> bytes:
        """A member's bytes; ExtractionError if missing, damaged or over budget."""
        if name not in self.names:
            raise ExtractionError(f"not {_an(self.kind)} file ({name} is missing)")
        # zipfile never inflates a member past its declared size (it stops there
        # and fails the CRC), so a declared size over budget is refused unread.
        if self.zip.getinfo(name).file_size > self._budget:
            raise ExtractionError(f"refused: inflates past {MAX_INFLATED >> 20} MB (a zip bomb?)")
        out = bytearray()
        try:
            with self.zip.open(name) as fh:
                while block := fh.read(_BLOCK):
                    out += block
                    if len(out) > self._budget:
                        raise ExtractionError(
                            f"refused: inflates past {MAX_INFLATED >> 20} MB (a zip bomb?)"
                        )
        except ExtractionError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ExtractionError(f"damaged {self.kind} file ({name}: {exc})") from exc
        self._budget -= len(out)
        return bytes(out)


def _an(kind: str) -> str:
    """``a DOCX``, ``an ODT``, ``an EPUB``: the article as the letters are read."""
    return f"an {kind}" if kind[:1] in "AEFHILMNORSX" else f"a {kind}"
