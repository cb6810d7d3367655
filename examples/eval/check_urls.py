#!/usr/bin/env python3
"""Check that every expected URL in questions.json names a real section of the sample book.

The URL rules mirror the ones Lectern's ingester uses for Docusaurus-style books:

* base route ``/docs``; a doc's URL is ``/docs/`` + its path relative to the book root, with
  ``NN-`` number prefixes stripped from every segment and the extension removed;
  ``index.md``/``index.mdx`` map to their folder's URL;
* front matter ``id`` replaces the file-name segment; ``slug`` starting with ``/`` gives
  ``/docs`` + slug, a relative slug replaces the last segment;
* sections split at ``##`` and ``###`` headings (outside fenced code); a section's URL is the doc
  URL + ``#`` + anchor, where the anchor is an explicit ``{#id}`` or the github-slugger slug of the
  heading text (inline-code backticks removed first); text before the first ``##`` is the section
  whose URL is the doc URL without an anchor.

Each question is ``{"question", "expected"}``, optionally with ``"kind": "short"`` (see KINDS).

Usage: python3 check_urls.py [--stats] [--book DIR] [--questions FILE]
"""

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_BOOK = HERE.parent / "book"
DEFAULT_QUESTIONS = HERE / "questions.json"

NUMBER_PREFIX = re.compile(r"^\d+-")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
EXPLICIT_ID = re.compile(r"\s*\{#([^}\s]+)\}\s*$")
FENCE = re.compile(r"^\s*(```+|~~~+)")
MDX_NOISE = re.compile(r"^\s*(import\s.+from\s.+;?|export\s+(const|default|function)\s.*|</?[A-Z][\w.]*[^>]*/?>)\s*$")
# Optional "kind" of a question. "short": a new reader's brief, definition-style question
# ("what is a node", "What's URDF?"), which the retrieval test scores on its own as well.
KINDS = {"short"}


def parse_front_matter(text):
    """Return (front_matter_dict, body). Only flat `key: value` pairs are needed here."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ValueError("unterminated front matter")
    fm = {}
    for line in text[4:end].splitlines():
        if ":" in line and not line.startswith((" ", "\t", "#")):
            key, value = line.split(":", 1)
            fm[key.strip()] = value.strip().strip("'\"")
    return fm, text[end + len("\n---\n"):]


def doc_url(rel_path, fm):
    parts = [NUMBER_PREFIX.sub("", p) for p in rel_path.parts]
    stem = NUMBER_PREFIX.sub("", rel_path.stem)
    segments = parts[:-1]
    if stem != "index":
        segments.append(fm.get("id", stem))
    elif "id" in fm:
        segments.append(fm["id"])
    slug = fm.get("slug")
    if slug:
        if slug.startswith("/"):
            return "/docs" + (slug.rstrip("/") or "")
        segments = segments[:-1] + [slug] if segments else [slug]
    return "/docs/" + "/".join(segments) if segments else "/docs"


def slugify(text):
    """github-slugger: lowercase, drop everything but letters/digits/space/-/_, spaces -> '-'."""
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def parse_sections(body):
    """Yield (level, heading_text, anchor, section_text) for ## / ### sections."""
    sections = [(0, None, None, [])]
    in_fence = None
    for line in body.splitlines():
        fence = FENCE.match(line)
        if fence:
            marker = fence.group(1)[0]
            if in_fence is None:
                in_fence = marker
            elif in_fence == marker:
                in_fence = None
            sections[-1][3].append(line)
            continue
        if in_fence is None:
            m = HEADING.match(line)
            if m and len(m.group(1)) in (2, 3):
                text = m.group(2)
                explicit = EXPLICIT_ID.search(text)
                if explicit:
                    anchor = explicit.group(1)
                    text = text[: explicit.start()].rstrip()
                else:
                    anchor = slugify(text)
                sections.append((len(m.group(1)), text, anchor, []))
                continue
            if MDX_NOISE.match(line):
                continue
        sections[-1][3].append(line)
    return [(lvl, text, anchor, "\n".join(lines)) for lvl, text, anchor, lines in sections]


def load_book(book):
    """Return {url: info} for every section and a list of per-doc records."""
    urls = {}
    docs = []
    problems = []
    for path in sorted(book.rglob("*")):
        if path.suffix not in (".md", ".mdx") or not path.is_file():
            continue
        rel = path.relative_to(book)
        fm, body = parse_front_matter(path.read_text(encoding="utf-8"))
        for key in ("title", "sidebar_position"):
            if key not in fm:
                problems.append(f"{rel}: front matter lacks {key!r}")
        url = doc_url(rel, fm)
        sections = parse_sections(body)
        anchors = Counter(a for _, _, a, _ in sections if a)
        for anchor, n in anchors.items():
            if n > 1:
                problems.append(f"{rel}: anchor #{anchor} appears {n} times")
        words = 0
        for _, heading, anchor, text in sections:
            section_url = f"{url}#{anchor}" if anchor else url
            if section_url in urls:
                problems.append(f"{rel}: URL {section_url} also produced by {urls[section_url]['file']}")
            n = len(text.split()) + (len(heading.split()) if heading else 0)
            words += n
            urls[section_url] = {"file": str(rel), "heading": heading, "words": n}
        docs.append({"file": rel, "url": url, "sections": len(sections), "words": words,
                     "headings": sum(1 for s in sections if s[1])})
    return urls, docs, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--book", type=Path, default=DEFAULT_BOOK)
    ap.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    ap.add_argument("--stats", action="store_true", help="print per-doc and per-chapter statistics")
    args = ap.parse_args()

    urls, docs, problems = load_book(args.book)
    questions = json.loads(args.questions.read_text(encoding="utf-8"))

    if args.stats:
        per_chapter = defaultdict(lambda: [0, 0, 0])
        for d in docs:
            print(f"{str(d['file']):58} {d['url']:48} sections={d['sections']:2} words={d['words']}")
            ch = per_chapter[d["file"].parts[0]]
            ch[0] += 1
            ch[1] += d["sections"]
            ch[2] += d["words"]
        print()
        for chapter, (n_docs, n_sections, n_words) in sorted(per_chapter.items()):
            print(f"{chapter:24} docs={n_docs} sections={n_sections:3} words={n_words}")
        print(f"{'total':24} docs={len(docs)} sections={len(urls):3} "
              f"words={sum(d['words'] for d in docs)}")
        print()

    seen_q = set()
    hits = Counter()
    kinds = Counter()
    for i, q in enumerate(questions):
        if not {"question", "expected"} <= set(q) <= {"question", "expected", "kind"}:
            problems.append(f"question {i}: keys must be 'question', 'expected' and optionally 'kind'")
            continue
        if "kind" in q and q["kind"] not in KINDS:
            problems.append(f"question {i}: kind must be one of {sorted(KINDS)}")
        kinds[q.get("kind", "regular")] += 1
        if q["question"] in seen_q:
            problems.append(f"question {i}: duplicate question text")
        seen_q.add(q["question"])
        if q["expected"] not in urls:
            problems.append(f"question {i}: expected URL {q['expected']} is not a section of the book")
        else:
            hits[urls[q["expected"]]["file"].split("/")[0]] += 1

    chapters = sorted({str(d["file"].parts[0]) for d in docs})
    for chapter in chapters:
        if hits[chapter] == 0:
            problems.append(f"no question targets chapter {chapter}")
    if len(questions) < 48:
        problems.append(f"only {len(questions)} questions; at least 48 required")
    if kinds["short"] < 25:
        problems.append(f"only {kinds['short']} short questions; at least 25 required")

    if problems:
        for p in problems:
            print("FAIL:", p)
        sys.exit(1)
    per = ", ".join(f"{c}={hits[c]}" for c in chapters)
    print(f"OK: {len(questions)} questions ({kinds['short']} short), every expected URL exists "
          f"({len(urls)} sections in {len(docs)} docs). Per chapter: {per}")


if __name__ == "__main__":
    main()
