"""JPEGs whose EXIF is written by piexif (an independent library), with the
quirks and faults that other tools read past. Used by tests/cli/fidelity.rs.

    python3 piexif_photos.py BASE.jpg OUT_DIR

writes OUT_DIR/<order>-<case>-<orientation>.jpg for both byte orders (MM,
II), every case below and every orientation 1-8, each carrying the caption
CAPTION in ImageDescription. piexif writes big-endian (MM) only; the II files
are the same bytes with each number swapped to little-endian, so they keep
piexif's layout.

Cases:
  sub-ifd-overlap   piexif as it is: its Exif IFD has no next-IFD offset, so
                    the value after the entries sits where that offset belongs
  odd-offsets       odd-length strings: the later values and the Exif IFD
                    start at odd offsets (TIFF wants them even)
  missing-required  no XResolution, YResolution, ResolutionUnit,
                    YCbCrPositioning or ExifVersion, and a GPS IFD written
                    the same way as the Exif IFD
  dangling-ifd1     IFD0 links to a thumbnail IFD past the end of the data
                    (a thumbnail dropped without its link)
  bad-field         a field before the orientation whose value lies past
                    the end of the data
"""
import io
import struct
import sys

import piexif
from piexif import ExifIFD, GPSIFD, ImageIFD

CAPTION = b"Bride and groom"
SUB_IFDS = (0x8769, 0x8825, 0xA005)  # Exif, GPS, Interoperability pointers
SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
UNIT = {3: 2, 4: 4, 5: 4, 8: 2, 9: 4, 10: 4, 11: 4, 12: 8}  # swapped per unit


def zeroth(orientation):
    return {ImageIFD.Orientation: orientation, ImageIFD.ImageDescription: CAPTION}


def case_exif(case, orientation):
    shot = {ExifIFD.DateTimeOriginal: b"2026:06:01 12:00:00"}
    if case == "sub-ifd-overlap":
        return piexif.dump({"0th": zeroth(orientation), "Exif": shot})
    if case == "odd-offsets":
        ifd = zeroth(orientation)
        ifd[ImageIFD.Make] = b"Odd"
        ifd[ImageIFD.Artist] = b"Studio North"
        return piexif.dump({"0th": ifd, "Exif": {ExifIFD.DateTimeOriginal: b"2026:06:01 12:00:0",
                                                 ExifIFD.LensMake: b"Lens"}})
    if case == "missing-required":
        gps = {GPSIFD.GPSVersionID: (2, 3, 0, 0), GPSIFD.GPSLatitudeRef: b"N",
               GPSIFD.GPSLatitude: ((52, 1), (22, 1), (0, 1))}
        return piexif.dump({"0th": zeroth(orientation), "GPS": gps})
    if case in ("dangling-ifd1", "bad-field"):
        ifd = zeroth(orientation)
        ifd[ImageIFD.Make] = b"Camera maker"  # 0x010F: after the caption
        ifd[ImageIFD.Artist] = b"Studio North"  # 0x013B: after the orientation
        data = bytearray(piexif.dump({"0th": ifd, "Exif": shot}))
        if case == "dangling-ifd1":
            count = struct.unpack_from(">H", data, 6 + 8)[0]
            struct.pack_into(">I", data, 6 + 8 + 2 + 12 * count, 0x00FFFF00)
        else:
            entry = find_entry(data, ImageIFD.Artist)
            struct.pack_into(">I", data, entry + 8, 0x00FFFF00)
        return bytes(data)
    raise ValueError(case)


def find_entry(data, tag):
    tiff = 6
    count = struct.unpack_from(">H", data, tiff + 8)[0]
    for i in range(count):
        at = tiff + 8 + 2 + 12 * i
        if struct.unpack_from(">H", data, at)[0] == tag:
            return at
    raise KeyError(tag)


def to_little_endian(exif):
    """piexif's big-endian APP1 payload with every number swapped."""
    src, out, tiff = exif, bytearray(exif), 6
    out[tiff:tiff + 8] = b"II*\x00" + src[tiff + 4:tiff + 8][::-1]

    def swap(at, unit, length):
        for i in range(at, at + length, unit):
            if tiff + i + unit <= len(src):
                out[tiff + i:tiff + i + unit] = src[tiff + i:tiff + i + unit][::-1]

    def walk(offset, has_next):
        if tiff + offset + 2 > len(src):
            return
        count = struct.unpack_from(">H", src, tiff + offset)[0]
        swap(offset, 2, 2)
        for i in range(count):
            at = offset + 2 + 12 * i
            tag, kind, number = struct.unpack_from(">HHI", src, tiff + at)
            swap(at, 2, 2)
            swap(at + 2, 2, 2)
            swap(at + 4, 4, 4)
            length = SIZES.get(kind, 1) * number
            value = at + 8
            if length > 4:
                swap(at + 8, 4, 4)
                value = struct.unpack_from(">I", src, tiff + at + 8)[0]
            if kind in UNIT:
                swap(value, UNIT[kind], length)
            if tag in SUB_IFDS:
                walk(struct.unpack_from(">I", src, tiff + at + 8)[0], False)
        if has_next:  # piexif writes a next-IFD offset for IFD0 and IFD1 only
            swap(offset + 2 + 12 * count, 4, 4)

    walk(struct.unpack_from(">I", src, tiff + 4)[0], True)
    return bytes(out)


CASES = ("sub-ifd-overlap", "odd-offsets", "missing-required", "dangling-ifd1", "bad-field")


def main(base, out_dir):
    jpeg = open(base, "rb").read()
    for case in CASES:
        for orientation in range(1, 9):
            big = case_exif(case, orientation)
            for order, exif in (("MM", big), ("II", to_little_endian(big))):
                photo = io.BytesIO()
                piexif.insert(exif, jpeg, photo)
                with open(f"{out_dir}/{order}-{case}-{orientation}.jpg", "wb") as f:
                    f.write(photo.getvalue())


if __name__ == "__main__":
    main(*sys.argv[1:])
