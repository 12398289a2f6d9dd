#!/usr/bin/env bash
# Rebuilds the two fonts the PDF agendas embed: Noto Sans CJK KR Regular and Bold, cut down to
# the characters agendas print (Latin with Vietnamese, Hangul, punctuation, arrows), no hinting.
# Needs Debian's fonts-noto-cjk (the source fonts) and fonttools' pyftsubset (pip install fonttools).
set -euo pipefail
cd "$(dirname "$0")"
source_dir=/usr/share/fonts/opentype/noto
# Basic Latin, Latin-1, Latin Extended A/B, combining marks, Latin Extended Additional
# (Vietnamese), punctuation, currency, letterlike, arrows, enclosed numbers, shapes, CJK symbols,
# Hangul Jamo, compatibility Jamo, Hangul syllables, full-width forms.
unicodes="U+0020-007E,U+00A0-024F,U+0300-036F,U+1E00-1EFF,U+2000-206F,U+20A0-20CF,U+2100-214F,U+2190-21FF,U+2460-24FF,U+25A0-25FF,U+3000-303F,U+1100-11FF,U+3130-318F,U+AC00-D7A3,U+FF01-FF5E"
for weight in Regular Bold; do
  # Font number 1 of the collection is the Korean face (Noto Sans CJK KR).
  pyftsubset "$source_dir/NotoSansCJK-$weight.ttc" --font-number=1 \
    --unicodes="$unicodes" --layout-features='*' --no-hinting \
    --output-file="NotoSansCJKkr-$weight-subset.otf"
done
ls -l NotoSansCJKkr-*-subset.otf
