"""A photo as a phone leaves it (EXIF GPS, time, device serial, XMP, a JPEG comment) and a check
that a JPEG holds nothing but its image: only the SOI, APP0, DQT, SOF, DHT, SOS, EOI markers."""

from __future__ import annotations

import io

from PIL import Image

SERIAL = "SN-4417-OBSERVER-CAMERA"
COMMENT = b"taken at station 1 by the observer"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description about="xmp-marker-7731"/></x:xmpmeta>'
GPS = (55.0, 45.0, 21.12)
#: JPEG markers a clean baseline JPEG may contain (SOF0 and SOF2 are both a SOF).
CLEAN_MARKERS = {0xD8, 0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDA, 0xD9}


def phone_photo(width: int = 640, height: int = 480) -> bytes:
    """A JPEG with GPS, time, the body serial number, orientation, XMP and a comment."""
    image = Image.new("RGB", (width, height))
    image.putdata(
        [((x * 7) % 256, (y * 3) % 256, (x + y) % 256) for y in range(height) for x in range(width)]
    )
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees
    exif[0x0132] = "2026:09:19 20:04:11"
    exif[0x010F] = "PhoneMaker"
    ifd = exif.get_ifd(0x8769)
    ifd[0xA431] = SERIAL
    ifd[0x9003] = "2026:09:19 20:04:11"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", GPS, "E", (37.0, 37.0, 3.5)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=COMMENT, xmp=XMP, quality=85)
    return out.getvalue()


def markers(data: bytes) -> set[int]:
    """The markers of a JPEG's segments up to and including its EOI."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    found, pos = {0xD8}, 2
    while pos < len(data):
        assert data[pos] == 0xFF, f"no marker at {pos}"
        marker = data[pos + 1]
        found.add(marker)
        if marker == 0xD9:
            return found
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        pos += 2 + length
        if marker == 0xDA:  # entropy-coded data up to the next marker that is not a stuffed byte or RST
            while not (data[pos] == 0xFF and data[pos + 1] not in (0x00, *range(0xD0, 0xD8))):
                pos += 1
    raise AssertionError("no EOI marker")
