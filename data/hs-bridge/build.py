#!/usr/bin/env python3
"""Rebuilds segments-ko.tsv, segments-vi.tsv and segments-en.tsv from the shared nomenclature
files: for each HS heading (4 digits), the distinct names of its lines at each depth (0: the
heading's own name, 1: a subheading's, 2 and more: national lines), in Korean (HSK), Vietnamese
(AHTN 2022) and the English names both give their national lines. The matcher learns which
words point to which heading from them (src/bridge/).

With a second argument, the path of `reference_data/search_references.json` of the GitHub
repository trade-tariff/trade-tariff-lambdas-fpo-search (the UK Trade Tariff's search references:
the names traders use, each with its commodity code), it also writes common-names-en.tsv (each
name at depth 1 under its heading).

Usage: python3 build.py [SHARED_DATA_DIR [SEARCH_REFERENCES_JSON]]   (default: ../../../shared/data)
Sources and terms: see README.md beside this script."""
import csv, json, sys, unicodedata
from pathlib import Path

here = Path(__file__).resolve().parent
shared = Path(sys.argv[1]) if len(sys.argv) > 1 else here.parent.parent.parent / "shared" / "data"


def clean(text):
    text = unicodedata.normalize("NFC", text).replace("\t", " ").replace("\n", " ").strip()
    return text.strip(" :-")


def write(name, rows):
    seen = set()
    with open(here / name, "w", encoding="utf-8", newline="\n") as f:
        f.write("heading\tdepth\ttext\n")
        for heading, depth, text in rows:
            text = clean(text)
            key = (heading, depth, text)
            if not text or key in seen:
                continue
            seen.add(key)
            f.write(f"{heading}\t{depth}\t{text}\n")
    print(name, len(seen), "segments", (here / name).stat().st_size, "bytes")


ko, en = [], []
with open(shared / "hs-ko" / "hsk_ko_2026.csv", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        code = row["code"].strip()
        if len(code) < 4:
            continue
        path = [p for p in row["name_path"].split(" > ") if p.strip()]
        for depth, part in enumerate(path):
            ko.append((code[:4], depth, part))
        ko.append((code[:4], len(path), row["name"]))
        en.append((code[:4], 3, row["name_en"]))
vi = []
with open(shared / "hs-vi" / "hs_vi_2022.csv", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        code = row["code"].strip()
        if len(code) < 4:
            continue
        for depth, part in enumerate(row["name_path"].split(" > ")):
            vi.append((code[:4], depth, part))
        if int(row["level"]) > 0:
            en.append((code[:4], int(row["level"]) + 1, row["name_en"]))
write("segments-ko.tsv", ko)
write("segments-vi.tsv", vi)
write("segments-en.tsv", en)

if len(sys.argv) > 2:
    with open(sys.argv[2], encoding="utf-8") as f:
        references = json.load(f)
    headings = set()
    with open(shared / "hs2022.csv", encoding="utf-8") as f:
        headings = {row["code"] for row in csv.DictReader(f) if len(row["code"]) == 4}
    common = sorted(
        (code.strip()[:4], 1, name)
        for name, code in references.items()
        if code.strip()[:4] in headings
    )
    write("common-names-en.tsv", common)
