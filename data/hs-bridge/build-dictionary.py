#!/usr/bin/env python3
"""Writes dictionary-ko-en.tsv and dictionary-vi-en.tsv: Korean and Vietnamese words with their
English translations, from the bilingual dictionaries WECHSEL scraped from the English
Wiktionary's translation tables (GitHub repository CPJKU/wechsel, `dicts/data/korean.txt` and
`dicts/data/vietnamese.txt`, lines `english<TAB>translation`).

Kept: Korean entries written in Hangul only (one word, or words joined by spaces, which become
one word: Korean spaces compounds freely), of two syllables or more; English translations in
lower-case Latin letters, one to three words. At most four translations per Korean word, in the
file's order. A translation the nomenclature's English does not use (kimchi, fishcake) still
joins the participant's searchable text, where a buyer who writes it finds it. Vietnamese: entries
in Latin letters of two syllables or more (one syllable says too little: "van" is a valve, a
wall and a kind of fate), other than the English word itself.

Usage: python3 build-dictionary.py KOREAN_TXT VIETNAMESE_TXT
Terms: Wiktionary's text is CC BY-SA (see LICENSE-dictionary.txt beside this script)."""
import re, sys, unicodedata
from pathlib import Path

here = Path(__file__).resolve().parent



def build(source, target, accept, join):
    translations = {}
    with open(source, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2:
                continue
            en, word = (unicodedata.normalize("NFC", p).strip() for p in parts)
            if not latin.match(en) or not accept(word) or word == en:
                continue
            kept = translations.setdefault(join(word), [])
            if en not in kept and len(kept) < 4:
                kept.append(en)
    with open(here / target, "w", encoding="utf-8", newline="\n") as f:
        f.write("word\tenglish\n")
        for word in sorted(translations):
            f.write(f"{word}\t{';'.join(translations[word])}\n")
    print(target, len(translations), "words", (here / target).stat().st_size, "bytes")


latin = re.compile(r"^[a-z]+( [a-z]+){0,2}$")
hangul = re.compile(r"^[\uac00-\ud7a3]{2,}$|^[\uac00-\ud7a3]+( [\uac00-\ud7a3]+)+$")
vietnamese = re.compile(r"^[a-zà-ỹđ]+( [a-zà-ỹđ]+){1,2}$")
build(Path(sys.argv[1]), "dictionary-ko-en.tsv", hangul.match, lambda w: w.replace(" ", ""))
build(Path(sys.argv[2]), "dictionary-vi-en.tsv", vietnamese.match, lambda w: w)
