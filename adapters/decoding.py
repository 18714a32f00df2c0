"""The encoding of a text file and its decoded lines: UTF-8, Windows-1252, or a mix line by line.

A file that is not UTF-8 as a whole but holds UTF-8 sequences was assembled from both
encodings (lines pasted from another export, say). Decoding it whole as Windows-1252
would turn each UTF-8 `É` into `Ã‰` without a trace, so such a file is read line by
line: a valid UTF-8 line as UTF-8, another as Windows-1252, and a line mixing both is
reported for quarantine. Clean files keep the fast path of a plain text stream.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Final

from adapters.errors import FileRefused

#: The "encoding" of a file read line by line, each line UTF-8 or Windows-1252.
LINE_BY_LINE: Final = "utf-8 or cp1252, line by line"
_CHUNK: Final = 1 << 20
_FIX_ENCODING: Final = "re-export the file as UTF-8, or give its encoding (--encoding)"


def detect_encoding(path: Path, encoding: str | None) -> str:
    """Return how to decode the file: `encoding` if given, else UTF-8, cp1252 or LINE_BY_LINE."""
    with path.open("rb") as stream:
        bom = stream.read(3) == codecs.BOM_UTF8
    if encoding is not None:
        name = _codec_name(encoding)
        if name is None:
            raise FileRefused(f"{path.name}: unknown encoding {encoding!r}; {_FIX_ENCODING}")
        name = "utf-8-sig" if bom and name == "utf-8" else name
        error = _undecodable(path, name)
        if error:
            raise FileRefused(
                f"{path.name}: undecodable bytes: not {name} ({error}); {_FIX_ENCODING}"
            )
        return name
    utf8 = _undecodable(path, "utf-8")
    if not utf8:
        return "utf-8-sig" if bom else "utf-8"
    cp1252, mixed = _cp1252_scan(path)
    if mixed:
        cp1252 = _undecodable_line(path)
        if not cp1252:
            return LINE_BY_LINE
    elif not cp1252:
        return "cp1252"
    raise FileRefused(
        f"{path.name}: undecodable bytes: neither UTF-8 ({utf8}) nor Windows-1252 ({cp1252}); "
        + _FIX_ENCODING
    )


@contextmanager
def text_lines(path: Path, encoding: str, mixed: set[int]) -> Iterator[Iterable[str]]:
    """Open the file as lines of text (ends kept); add to `mixed` each line mixing encodings."""
    if encoding != LINE_BY_LINE:
        with path.open(encoding=encoding, newline="") as stream:
            yield stream
        return
    with path.open("rb") as stream:
        yield _decoded_lines(stream, mixed)


def _decoded_lines(stream: BinaryIO, mixed: set[int]) -> Iterator[str]:
    number = 0
    for chunk in stream:
        # Split at a lone CR too, as a text stream opened with newline="" does.
        for raw in chunk.splitlines(keepends=True):
            number += 1
            text = _decode_line(raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw)
            if text is None:
                mixed.add(number)
                # Only the line's `;`, quotes and breaks matter now: they are ASCII in both.
                text = raw.decode("cp1252", "replace")
            yield text


def _decode_line(raw: bytes) -> str | None:
    """The line as UTF-8 if it is valid UTF-8, else as cp1252; None if it mixes the two."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        if _holds_utf8_sequence(raw):
            return None
    return raw.decode("cp1252")


def _holds_utf8_sequence(data: bytes) -> bool:
    # Dropping invalid bytes leaves ASCII unless a valid multi-byte sequence was there.
    return not data.decode("utf-8", "ignore").isascii()


def _codec_name(encoding: str) -> str | None:
    try:
        "".encode(encoding)  # also refuses codecs that are not text encodings
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def _undecodable(path: Path, encoding: str) -> str:
    """Describe the first byte `encoding` cannot decode ("" if none), reading in chunks."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return f"byte 0x{chunk[error.start]:02X} at offset {offset + error.start}"
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "an incomplete character at the end of the file"
    return ""


def _cp1252_scan(path: Path) -> tuple[str, bool]:
    """The first byte cp1252 cannot decode ("" if none), and whether UTF-8 sequences occur."""
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    utf8 = codecs.getincrementaldecoder("utf-8")("ignore")
    error, offset = "", 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            if not utf8.decode(chunk).isascii():
                return error, True
            if not error:
                try:
                    cp1252.decode(chunk)
                except UnicodeDecodeError as problem:
                    error = f"byte 0x{chunk[problem.start]:02X} at offset {offset + problem.start}"
            offset += len(chunk)
    return error, False


def _undecodable_line(path: Path) -> str:
    """In a mixed file: the first byte of a line neither UTF-8 nor cp1252 ("" if none)."""
    offset = 0
    with path.open("rb") as stream:
        for chunk in stream:
            for raw in chunk.splitlines(keepends=True):
                line = raw.removeprefix(codecs.BOM_UTF8) if offset == 0 else raw
                try:
                    _decode_line(line)
                except UnicodeDecodeError as error:
                    at = offset + len(raw) - len(line) + error.start
                    return f"byte 0x{line[error.start]:02X} at offset {at}"
                offset += len(raw)
    return ""
