#!/usr/bin/env python3
"""Rebuilds headings-ko.tsv and headings-vi.tsv: for each HS heading (4 digits), the words the
Korean (HSK) and Vietnamese (AHTN 2022) nomenclatures use for it and its lines, each word once.

Usage: python3 build.py [SHARED_DATA_DIR]   (default: ../../../shared/data)
Sources and terms: see README.md beside this script."""
import csv, re, sys, unicodedata
from collections import OrderedDict
from pathlib import Path

here = Path(__file__).resolve().parent
shared = Path(sys.argv[1]) if len(sys.argv) > 1 else here.parent.parent.parent / "shared" / "data"

# Words that say nothing about a product ("other", "and", "of"). Vietnamese words are
# syllables, so one letter can matter ("ổ bi", bearings); Korean ones of one syllable rarely do.
KO_STOP = {"기타", "것", "그", "및", "또는", "그", "이", "의", "등", "용", "제외", "것으로서", "해당", "하는", "한", "것을"}
VI_STOP = {"loại", "khác", "các", "và", "hoặc", "của", "có", "được", "dùng", "cho", "từ", "với", "trong", "đã", "chưa", "những", "này", "đó", "như", "trên", "dưới", "bằng", "theo", "nhưng", "là", "một", "hai", "ba"}

def words(text, stop, shortest):
    text = unicodedata.normalize("NFC", text).replace("\u318d", " ").replace("\u00b7", " ")
    out = []
    for word in re.findall(r"\w+", text.lower()):
        if word.isdigit() or len(word) < shortest or word in stop:
            continue
        out.append(word)
    return out

def build(path, code_column, name_columns, stop, shortest, out_name):
    headings = OrderedDict()
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = row[code_column].strip()
            if len(code) < 4:
                continue
            bag = headings.setdefault(code[:4], OrderedDict())
            for column in name_columns:
                for word in words(row[column], stop, shortest):
                    bag[word] = None
    with open(here / out_name, "w", encoding="utf-8", newline="\n") as f:
        f.write("heading\twords\n")
        for heading, bag in sorted(headings.items()):
            f.write(f"{heading}\t{' '.join(bag)}\n")
    print(out_name, len(headings), "headings", (here / out_name).stat().st_size, "bytes")

build(shared / "hs-ko" / "hsk_ko_2026.csv", "code", ["name", "name_path"], KO_STOP, 2, "headings-ko.tsv")
build(shared / "hs-vi" / "hs_vi_2022.csv", "code", ["name", "name_path"], VI_STOP, 1, "headings-vi.tsv")
