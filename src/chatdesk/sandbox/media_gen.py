"""Small, structurally valid media files generated in memory for simulated customers.

Customers "send" photos, voice notes, videos, documents and stickers; chatdesk downloads them
through the media endpoints, so the bytes must be real files of the advertised MIME type:
a PNG picture, an Ogg Opus voice note of silence, an MP4 container, a one-page PDF and a WebP.
"""
from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Callable

# The canonical 1x1 lossless WebP used by browser feature detection (valid RIFF/VP8L file).
_WEBP_1PX = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")


def png(width: int = 48, height: int = 32, rgb: tuple[int, int, int] = (37, 211, 102)) -> bytes:
    """A solid-colour picture with a darker diagonal, so it is visibly an image."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type 0 per scanline
        for x in range(width):
            dark = abs(x * height - y * width) < width
            row += bytes(c // 2 for c in rgb) if dark else bytes(rgb)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def webp() -> bytes:
    return _WEBP_1PX


def pdf(text: str = "chatdesk sandbox document") -> bytes:
    """A one-page PDF showing ``text``, with a correct cross-reference table."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _ogg_crc(data: bytes) -> int:
    # Ogg uses CRC-32 with polynomial 0x04C11DB7, no reflection, zero init (RFC 3533).
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_page(packets: list[bytes], seq: int, granule: int, flags: int) -> bytes:
    """One Ogg page holding whole packets, each shorter than 255 bytes."""
    lacing = bytes(len(p) for p in packets)
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, 0x5A4E4453, seq, 0,
                         len(lacing)) + lacing
    page = bytearray(header + b"".join(packets))
    page[22:26] = struct.pack("<I", _ogg_crc(bytes(page)))
    return bytes(page)


def ogg_opus(frames: int = 50) -> bytes:
    """An Ogg Opus voice note of ``frames`` x 20 ms silence (1 s by default)."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 8) + b"chatdesk" + struct.pack("<I", 0)
    # TOC byte 0xF8: CELT fullband 20 ms, mono, one frame; a TOC-only packet decodes as silence.
    silence = [b"\xf8"] * frames
    return (_ogg_page([head], 0, 0, 0x02) + _ogg_page([tags], 1, 0, 0)
            + _ogg_page(silence, 2, 312 + frames * 960, 0x04))


def mp4() -> bytes:
    """An ISO-BMFF (MP4) container with ftyp and a movie header (no tracks: a 0 s clip)."""
    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = box(b"mvhd", struct.pack(">B3xIIII", 0, 0, 0, 1000, 0) + struct.pack(">IH10x", 0x10000,
               0x100) + matrix + bytes(24) + struct.pack(">I", 2))
    return ftyp + box(b"moov", mvhd)


# type -> (mime type, generator, file extension); every generator works with no arguments
GENERATED: dict[str, tuple[str, Callable[..., bytes], str]] = {
    "image": ("image/png", png, "png"),
    "sticker": ("image/webp", webp, "webp"),
    "audio": ("audio/ogg; codecs=opus", ogg_opus, "ogg"),
    "video": ("video/mp4", mp4, "mp4"),
    "document": ("application/pdf", pdf, "pdf"),
}
