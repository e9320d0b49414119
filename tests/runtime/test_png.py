"""The snapshot PNG, decoded by a decoder written here, against the canvas.

tests/runtime/png_probe.c fills a canvas with random colours, writes its
cache value (the bitfield) and canvas_encode_png's PNG. This file reads the
bitfield with its own bit reader (Redis's BITFIELD order: pixel i at bits
[i*depth, (i+1)*depth) from the most significant bit of byte 0), decodes the
PNG with zlib and a minimal chunk reader (CRCs, IHDR, PLTE, IDAT, IEND, all
five row filters, bit depths 1 to 8), and compares every pixel's RGB, with
the palettes written out here again from their public definitions. Redis
itself checks the layout: the same colours set with one BITFIELD SET per
pixel and read back with GET give the probe's bytes exactly.
"""

import os
import pathlib
import struct
import subprocess
import zlib

import pytest

PROBE = pathlib.Path(os.environ.get("SCRIBBLE_TEST_BIN", "")) / "png_probe"

R_PLACE_2017 = [0xFFFFFF, 0xE4E4E4, 0x888888, 0x222222, 0xFFA7D1, 0xE50000, 0xE59500, 0xA06A42,
                0xE5D900, 0x94E044, 0x02BE01, 0x00D3DD, 0x0083C7, 0x0000EA, 0xCF6EE4, 0x820080]
XTERM_SYSTEM = [0x000000, 0x800000, 0x008000, 0x808000, 0x000080, 0x800080, 0x008080, 0xC0C0C0,
                0x808080, 0xFF0000, 0x00FF00, 0xFFFF00, 0x0000FF, 0xFF00FF, 0x00FFFF, 0xFFFFFF]


def rgb(value):
    return (value >> 16 & 255, value >> 8 & 255, value & 255)


def xterm_256():
    levels = [0, 95, 135, 175, 215, 255]
    cube = [(r, g, b) for r in levels for g in levels for b in levels]
    greys = [(8 + 10 * i,) * 3 for i in range(24)]
    return [rgb(c) for c in XTERM_SYSTEM] + cube + greys


PALETTES = {
    1: [rgb(0xFFFFFF), rgb(0x000000)],
    2: [rgb(0xFFFFFF), rgb(0xAAAAAA), rgb(0x555555), rgb(0x000000)],
    4: [rgb(c) for c in R_PLACE_2017],
    8: xterm_256(),
}


def canvas_colours(bits, width, height, depth):
    """Every pixel's colour value, read from the bitfield, row by row."""
    number = int.from_bytes(bits, "big")
    total = len(bits) * 8
    mask = (1 << depth) - 1
    return [number >> (total - (i + 1) * depth) & mask for i in range(width * height)]


def colour_rgb(colour, depth):
    return rgb(colour) if depth == 24 else PALETTES[depth][colour]


def read_chunks(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    pos = 8
    chunks = []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND", [k for k, _ in chunks]
    return chunks


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(raw, height, stride, bpp_bytes):
    rows, prev, pos = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            left = line[i - bpp_bytes] if i >= bpp_bytes else 0
            up = prev[i]
            up_left = prev[i - bpp_bytes] if i >= bpp_bytes else 0
            predictor = [0, left, up, (left + up) // 2, paeth(left, up, up_left)][kind]
            line[i] = (line[i] + predictor) & 255
        rows.append(line)
        prev = line
    assert pos == len(raw), "image data longer than the image"
    return rows


def decode_png(data):
    """(width, height, rows of (r, g, b)), and the IHDR's bit depth and colour type."""
    chunks = read_chunks(data)
    width, height, bit_depth, colour_type, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1])
    assert (compression, filtering, interlace) == (0, 0, 0)
    palette = None
    for kind, body in chunks:
        if kind == b"PLTE":
            palette = [tuple(body[i:i + 3]) for i in range(0, len(body), 3)]
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    channels = {2: 3, 3: 1}[colour_type]
    stride = (width * channels * bit_depth + 7) // 8
    rows = unfilter(raw, height, stride, max(1, channels * bit_depth // 8))
    pixels = []
    for line in rows:
        if colour_type == 2:
            pixels.append([tuple(line[3 * x:3 * x + 3]) for x in range(width)])
        else:
            value = int.from_bytes(line, "big")
            shift = stride * 8
            indexes = [value >> (shift - (x + 1) * bit_depth) & ((1 << bit_depth) - 1)
                       for x in range(width)]
            pixels.append([palette[i] for i in indexes])
    return width, height, bit_depth, colour_type, palette, pixels


def run_probe(tmp_path, width, height, depth, seed, length=None):
    bits_file, png_file = tmp_path / "canvas.bits", tmp_path / "canvas.png"
    args = [str(PROBE), str(width), str(height), str(depth), str(seed), str(bits_file),
            str(png_file)] + ([str(length)] if length is not None else [])
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert "Sanitizer" not in result.stderr and "runtime error:" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    return bits_file.read_bytes(), png_file.read_bytes()


def assert_pixels(pixels, colours, width, height, depth):
    for y in range(height):
        for x in range(width):
            want = colour_rgb(colours[y * width + x], depth)
            assert pixels[y][x] == want, (
                f"depth {depth}: pixel ({x}, {y}) is {pixels[y][x]}, want {want} "
                f"(colour {colours[y * width + x]})")


# Widths whose rows are a whole number of bytes at every depth, and widths
# that are not (the encoder then repacks each row).
SIZES = [(16, 8), (13, 7), (1, 1), (61, 9), (3, 40)]


@pytest.mark.parametrize("depth", [1, 2, 4, 8, 24])
@pytest.mark.parametrize("width,height", SIZES)
def test_every_pixel_decodes_to_the_canvas(tmp_path, depth, width, height):
    bits, png = run_probe(tmp_path, width, height, depth, seed=width * 100 + depth)
    assert len(bits) == (width * height * depth + 7) // 8
    decoded_width, decoded_height, bit_depth, colour_type, palette, pixels = decode_png(png)
    assert (decoded_width, decoded_height) == (width, height)
    if depth == 24:
        assert (bit_depth, colour_type) == (8, 2), "24-bit canvases are 8-bit RGB PNGs"
    else:
        assert (bit_depth, colour_type) == (depth, 3), "indexed depths are palette PNGs"
        assert palette == PALETTES[depth]
    colours = canvas_colours(bits, width, height, depth)
    if width * height > 1:
        assert len(set(colours)) > 1, "the probe should draw more than one colour"
    assert_pixels(pixels, colours, width, height, depth)


@pytest.mark.parametrize("depth", [1, 4, 24])
def test_a_short_value_reads_as_colour_zero_after_its_end(tmp_path, depth):
    width, height, length = 29, 11, 17
    bits, png = run_probe(tmp_path, width, height, depth, seed=7, length=length)
    colours = canvas_colours(bits[:length] + bytes(len(bits) - length), width, height, depth)
    _, _, _, _, _, pixels = decode_png(png)
    assert_pixels(pixels, colours, width, height, depth)


def test_an_untouched_canvas_is_colour_zero(tmp_path):
    _, png = run_probe(tmp_path, 10, 10, 4, seed=1, length=0)
    _, _, _, _, _, pixels = decode_png(png)
    assert all(pixel == (255, 255, 255) for row in pixels for pixel in row)


@pytest.mark.parametrize("depth", [1, 2, 4, 8, 24])
def test_the_layout_is_redis_bitfield(tmp_path, local_redis, depth):
    width, height = 13, 7
    bits, _ = run_probe(tmp_path, width, height, depth, seed=3)
    colours = canvas_colours(bits, width, height, depth)
    args = ["BITFIELD", "canvas"]
    for index, colour in enumerate(colours):
        args += ["SET", f"u{depth}", f"#{index}", colour]
    local_redis.command(*args)
    assert local_redis.command("GET", "canvas") == bits
