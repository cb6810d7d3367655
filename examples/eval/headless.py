#!/usr/bin/env python3
"""Print the sample book with every heading and title removed, as numbered paragraphs.

This is what the writer of `readers.json` and `held-out.json` read, so that questions are
phrased as readers phrase them and not after the book's headings. With `--map FILE`, also
write which section (and, for a `###` sub-section, which `##` section) each paragraph belongs
to: the expected sections of a question are derived from the paragraphs it cites.

Usage: python3 headless.py [--book DIR] [--map FILE] > headless.md
"""

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import check_urls as cu  # noqa: E402


def paragraphs(text):
    """Split on blank lines outside fenced code blocks."""
    out, cur, fence = [], [], False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fence = not fence
        if not line.strip() and not fence:
            if cur:
                out.append("\n".join(cur))
                cur = []
        else:
            cur.append(line)
    if cur:
        out.append("\n".join(cur))
    return out


def main():
    here = Path(__file__).parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, default=here / "../book")
    parser.add_argument("--map", type=Path)
    args = parser.parse_args()
    mapping, n = {}, 0
    for path in sorted(args.book.rglob("*")):
        if path.suffix not in (".md", ".mdx") or not path.is_file():
            continue
        fm, body = cu.parse_front_matter(path.read_text(encoding="utf-8"))
        url = cu.doc_url(path.relative_to(args.book), fm)
        parent = None
        for level, _heading, anchor, text in cu.parse_sections(body):
            section = f"{url}#{anchor}" if anchor else url
            if level in (0, 2):
                parent = section
            for p in paragraphs(text):
                if re.match(r"^\s*(import|export)\s", p):
                    continue
                p = re.sub(r"(?m)^#{1,6} .*$", "", p).strip()
                if not p:
                    continue
                n += 1
                pid = f"P{n:04d}"
                mapping[pid] = {
                    "section": section,
                    "parent": parent if level == 3 else None,
                    "doc": url,
                }
                print(f"[{pid}]\n{p}\n")
    if args.map:
        args.map.write_text(json.dumps(mapping, indent=1))


if __name__ == "__main__":
    main()
