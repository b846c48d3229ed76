#!/usr/bin/env python3
"""Reproduce the font shipped in document/fonts/ from Debian's fonts-wqy-microhei.

WenQuanYi Micro Hei (the Droid Sans Fallback outlines, Apache-2.0) is cut down to the
characters the product can print, so the repository stays small and every PDF's
embedded subset is cheap to build:

  * GB 2312 (all 6,763 hanzi and its symbols),
  * printable ASCII and Latin-1, CJK symbols and punctuation, fullwidth forms,
    general punctuation, ¥ ㎡ № × and friends,
  * every character in fixtures/, templates/ and document/src/ (so any Chinese the
    product itself prints is covered).

Run from anywhere: `python3 document/fonts/subset.py` (needs fontTools and
fonts-wqy-microhei; `apt-get install fonts-wqy-microhei python3-fonttools`).
"""

import pathlib
import subprocess
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection
from fontTools.ttLib.scaleUpem import scale_upem

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
SOURCES = [pathlib.Path("/usr/share/fonts/truetype/wqy")]

# (source collection, name of the face, output file)
FACES = [("wqy-microhei.ttc", "WenQuanYi Micro Hei", "WenQuanYiMicroHei.ttf")]

SCANNED = ["fixtures", "templates", "document/src"]


def gb2312_chars():
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def ranges(*spans):
    return {chr(c) for a, b in spans for c in range(a, b + 1)}


def scanned_chars():
    chars = set()
    for folder in SCANNED:
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file():
                try:
                    chars |= set(path.read_text(encoding="utf-8"))
                except UnicodeDecodeError:
                    pass  # binary files hold no printable text
    return chars


def face_index(collection, full_name):
    for i, font in enumerate(TTCollection(str(collection)).fonts):
        if font["name"].getDebugName(4) == full_name:
            return i
    sys.exit(f"{full_name} not found in {collection}")


def main():
    wanted = gb2312_chars()
    wanted |= ranges(
        (0x20, 0x7E),      # ASCII
        (0xA0, 0xFF),      # Latin-1 (×, ², ·, ¥ …)
        (0x2010, 0x2026),  # general punctuation: dashes, quotes, …
        (0x2030, 0x2033),  # ‰ ′ ″
        (0x203B, 0x203B),  # ※
        (0x2103, 0x2103),  # ℃
        (0x2116, 0x2116),  # №
        (0x2121, 0x2122),  # ℡ ™
        (0x2160, 0x216B),  # Roman numerals
        (0x2460, 0x249B),  # circled and parenthesised numbers
        (0x3000, 0x303F),  # CJK symbols and punctuation
        (0x3200, 0x32FF),  # enclosed CJK (㈠ …)
        (0x3380, 0x33FF),  # squared units: ㎡ ㎏ ㎞
        (0xFF01, 0xFF5E),  # fullwidth forms
        (0xFFE0, 0xFFE6),  # fullwidth ￥ ￠ …
    )
    wanted |= scanned_chars()
    wanted = {c for c in wanted if c.isprintable() or c == "\u3000"}

    for collection, name, out in FACES:
        src = next((d / collection for d in SOURCES if (d / collection).exists()), None)
        if src is None:
            sys.exit(f"{collection} not found in {SOURCES}; apt-get install fonts-wqy-microhei")
        index = face_index(src, name)
        options = subset.Options()
        options.font_number = index
        options.layout_features = []  # we place glyphs ourselves: no shaping tables needed
        options.name_IDs = ["*"]     # keep the copyright and licence names
        options.notdef_outline = True
        options.hinting = False  # printed at 300 dpi and up: hints only cost bytes
        # Vertical metrics and kerning are never used: the layout sets glyphs itself.
        options.drop_tables += ["vhea", "vmtx", "gasp", "GDEF", "GPOS", "GSUB"]
        font = subset.load_font(str(src), options)
        cmap = font.getBestCmap()
        missing = sorted(c for c in wanted if ord(c) not in cmap)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in wanted])
        subsetter.subset(font)
        # The Droid outlines were drawn on a 256-unit em and WenQuanYi scaled them by 8: going
        # back is exact for every hanzi (all coordinates are multiples of 8) and moves Latin
        # points by under 1/500 em, while coordinates shrink to one byte and every embedded
        # subset by 13 %.
        scale_upem(font, 256)
        subset.save_font(font, str(HERE / out), options)
        size = (HERE / out).stat().st_size
        print(f"{out}: {len(wanted) - len(missing)} characters, {size / 1e6:.2f} MB")
        if missing:
            print(f"  not in the face ({len(missing)}): {''.join(missing)}")


if __name__ == "__main__":
    main()
