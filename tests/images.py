"""Real image files for upload tests: small pictures made with Pillow, a phone photo
with a GPS position in its EXIF, a damaged file, and a decompression bomb.

The portal decodes every uploaded image, so tests must send real ones: a file that only
starts with the right magic bytes is refused as damaged.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

from PIL import Image

# EXIF tags: the GPS block, and the orientation a phone writes when it was held sideways.
GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def png_bytes(size: tuple[int, int] = (8, 6), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(
    size: tuple[int, int] = (8, 6), color=(30, 120, 200), *, gps: bool = False, orientation: int = 0
) -> bytes:
    """A JPEG; ``gps`` puts a phone's EXIF (maker and GPS position of 杭州) in it,
    ``orientation`` an EXIF orientation tag (6: turn 90° clockwise to show it upright)."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if gps:
        exif[MAKE] = "PhoneMaker"
        exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"taken at No. 8, Dongshan village")
    return out.getvalue()


def truncated(content: bytes) -> bytes:
    """The first half of a file, as a dropped connection or a half-copied file leaves it."""
    return content[: len(content) // 2]


PNG_BYTES = png_bytes()
JPEG_BYTES = jpeg_bytes()
# Big enough that its first half ends inside the picture data.
DAMAGED_JPEG = truncated(jpeg_bytes((64, 64)))
DAMAGED_PNG = truncated(png_bytes((64, 64)))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def huge_png(width: int = 20000, height: int = 20000) -> bytes:
    """A valid black-and-white PNG of ``width`` x ``height`` pixels that compresses to
    about 50 KB: what a decompression bomb looks like (decoded, this one is 400 million
    pixels). Written row by row, so that making it never holds the picture in memory."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte, then 1 bit per pixel
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def exif_of(content: bytes) -> dict:
    with Image.open(io.BytesIO(content)) as image:
        return dict(image.getexif())


def info_of(content: bytes) -> dict:
    with Image.open(io.BytesIO(content)) as image:
        return dict(image.info)


def size_of(content: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(content)) as image:
        return image.size
