"""scribblectl timelapse: the history table in the local AWS's DynamoDB,
written as runtime/handler_save.c writes it (minute, seq, x, y, colour,
placedAt), drawn into an animated WebP; Pillow decodes it, and its first,
middle and last frames are checked pixel by pixel against the history
replayed here. Depth 24 (colour values are their own RGB) and depth 2 (the
four greys of stack/palette.c)."""
import os
import subprocess
import time

import pytest
from PIL import Image, ImageSequence

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
STACK = "tl"
GREYS = [(0xFF, 0xFF, 0xFF), (0xAA, 0xAA, 0xAA), (0x55, 0x55, 0x55), (0, 0, 0)]
T0 = 1_796_400_000_000  # placedAt of the first placement, ms


def write_config(tmp_path, width, height, depth):
    (tmp_path / "scribble.ini").write_text(
        f"[stack]\nname = {STACK}\n[canvas]\nwidth = {width}\nheight = {height}\ndepth = {depth}\n")


def history_table(local_aws, placements):
    """placements: [(x, y, colour)], given seqs 1.. and placedAt one second apart."""
    ddb = local_aws.client("dynamodb")
    ddb.create_table(TableName=f"{STACK}-history", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "minute", "AttributeType": "N"},
                                           {"AttributeName": "seq", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "minute", "KeyType": "HASH"},
                                {"AttributeName": "seq", "KeyType": "RANGE"}])
    for seq, (x, y, colour) in enumerate(placements, start=1):
        at = T0 + seq * 1000
        ddb.put_item(TableName=f"{STACK}-history", Item={
            "minute": {"N": str(at // 60000)}, "seq": {"N": str(seq)}, "x": {"N": str(x)},
            "y": {"N": str(y)}, "colour": {"N": str(colour)}, "placedAt": {"N": str(at)}})


def timelapse(local_aws, tmp_path, *args, check=True):
    result = subprocess.run([SCRIBBLECTL, "timelapse", "-o", "out.webp", *args], capture_output=True,
                            text=True, env=local_aws.env(), cwd=tmp_path, timeout=120)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def frames(path):
    with Image.open(path) as image:
        assert image.format == "WEBP" and image.is_animated
        return [frame.convert("RGB").copy() for frame in ImageSequence.Iterator(image)]


def replay(width, height, placements, rgb, until):
    canvas = [[rgb(0)] * width for _ in range(height)]
    for x, y, colour in placements[:until]:
        canvas[y][x] = rgb(colour)
    return canvas


def assert_frame(frame, canvas, scale):
    height, width = len(canvas), len(canvas[0])
    assert frame.size == (width * scale, height * scale)
    for y in range(height * scale):
        for x in range(width * scale):
            assert frame.getpixel((x, y)) == canvas[y // scale][x // scale], (x, y)


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def rgb24(colour):
    return (colour >> 16 & 0xFF, colour >> 8 & 0xFF, colour & 0xFF)


PLACEMENTS_24 = [((i * 7) % 9, (i * 5) % 6, (i * 0x1F3A7B) & 0xFFFFFF) for i in range(1, 41)]


def test_frames_are_the_history_replayed(local_aws, tmp_path):
    write_config(tmp_path, 9, 6, 24)
    history_table(local_aws, PLACEMENTS_24)
    result = timelapse(local_aws, tmp_path, "--frames", "4", "--scale", "3", "--fps", "5")
    assert result.stdout.startswith("out.webp: 5 frames of 27x18 at 5 a second, 40 placements "
                                    "(seq 1 to 40)"), result.stdout
    got = frames(tmp_path / "out.webp")
    assert len(got) == 5
    for index, until in ((0, 0), (2, 20), (4, 40)):  # frame k: after k/4 of the 40 placements
        assert_frame(got[index], replay(9, 6, PLACEMENTS_24, rgb24, until), 3)
    with Image.open(tmp_path / "out.webp") as image:
        assert image.info.get("loop") == 0  # for ever
        durations = []
        for index in range(image.n_frames):
            image.seek(index)
            image.load()  # Pillow reads a frame's duration as it decodes it
            durations.append(image.info["duration"])
        assert durations == [200] * 5


def test_range_by_seq_and_by_time(local_aws, tmp_path):
    write_config(tmp_path, 9, 6, 24)
    history_table(local_aws, PLACEMENTS_24)
    timelapse(local_aws, tmp_path, "--from", "11", "--to", "30", "--frames", "2")
    got = frames(tmp_path / "out.webp")
    assert len(got) == 3
    assert_frame(got[0], replay(9, 6, PLACEMENTS_24, rgb24, 10), 1)  # before seq 11
    assert_frame(got[1], replay(9, 6, PLACEMENTS_24, rgb24, 20), 1)
    assert_frame(got[2], replay(9, 6, PLACEMENTS_24, rgb24, 30), 1)  # seq 30 included
    # The same range by time: seq n was placed at T0 + n s.
    timelapse(local_aws, tmp_path, "--from", iso(T0 + 11_000), "--to", iso(T0 + 30_000), "--frames", "2")
    by_time = frames(tmp_path / "out.webp")
    assert [f.tobytes() for f in by_time] == [f.tobytes() for f in got]


def test_palette_depth(local_aws, tmp_path):
    placements = [(x, y, (x + y) % 4) for y in range(3) for x in range(4)]
    write_config(tmp_path, 4, 3, 2)
    history_table(local_aws, placements)
    timelapse(local_aws, tmp_path, "--frames", "1")
    got = frames(tmp_path / "out.webp")
    assert len(got) == 2
    assert_frame(got[0], replay(4, 3, placements, GREYS.__getitem__, 0), 1)
    assert_frame(got[1], replay(4, 3, placements, GREYS.__getitem__, len(placements)), 1)


@pytest.mark.parametrize("args, refusal", [
    ([], "needs --out FILE"),
    (["-o", "x.webp", "--from", "yesterday"], "--from yesterday: allowed"),
    (["-o", "x.webp", "--scale", "65"], "--scale 65: allowed"),
    (["-o", "x.webp", "--data-dir", "d"], "--data-dir: allowed only with --local"),
])
def test_refusals(local_aws, tmp_path, args, refusal):
    write_config(tmp_path, 9, 6, 24)
    result = subprocess.run([SCRIBBLECTL, "timelapse", *args], capture_output=True, text=True,
                            env=local_aws.env(), cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and refusal in result.stderr, result.stderr
    assert not (tmp_path / "x.webp").exists()


def test_too_large_for_webp(local_aws, tmp_path):
    write_config(tmp_path, 2000, 10, 1)
    history_table(local_aws, [(0, 0, 1)])
    result = timelapse(local_aws, tmp_path, "--scale", "9", check=False)
    assert result.returncode == 2 and "WebP allows at most 16383 a side" in result.stderr, result.stderr
    assert not any(r.operation == "Scan" for r in local_aws.requests), "the history was read first"
    assert not (tmp_path / "out.webp").exists()
