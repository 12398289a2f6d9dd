//! English words written in Hangul (모터 motor, 프린터 printer, 니트 knit): both sides reduced
//! to a consonant skeleton and the first vowel, so a Korean loanword finds the English words of
//! the nomenclature it was borrowed from. The rules are those of Korean loanword spelling: the
//! epenthetic 으 (프 for "p"), final "r" not written (모터 for "motor"), ㅂ for b and v, ㅍ for
//! p and f, ㄹ for l and r, ㅅ/ㅆ for s, z and soft c.

/// The skeleton of a Hangul word: its consonants in English classes, and the class of its first
/// vowel that is not the epenthetic 으. `None` for fewer than two consonants (too ambiguous).
pub fn hangul_key(word: &str) -> Option<String> {
    const INITIAL: [&str; 19] = [
        "k", "k", "n", "t", "t", "r", "m", "p", "p", "s", "s", "", "c", "c", "c", "k", "t", "p",
        "h",
    ];
    const FINAL: [&str; 28] = [
        "", "k", "k", "ks", "n", "n", "n", "t", "r", "rk", "rm", "rp", "rs", "rt", "rp", "r", "m",
        "p", "ps", "t", "t", "ng", "c", "c", "k", "t", "p", "",
    ];
    // Vowel classes: which English first vowel a Korean vowel writes.
    const VOWEL: [char; 21] = [
        'a', 'e', 'a', 'e', 'u', 'e', 'u', 'e', 'o', 'a', 'e', 'o', 'u', 'u', 'u', 'e', 'i', 'u',
        '-', 'i', 'i',
    ];
    let mut consonants = String::new();
    let mut vowel = None;
    for c in word.chars() {
        let code = u32::from(c);
        if !(0xAC00..=0xD7A3).contains(&code) {
            return None;
        }
        let index = (code - 0xAC00) as usize;
        let (initial, medial, last) = (index / 588, (index % 588) / 28, index % 28);
        // The loanword orthography (외래어 표기법, chapter 1, articles 3 and 4) writes no tense
        // stop (ㄲ, ㄸ, ㅃ, ㅉ) and only ㄱ, ㄴ, ㄹ, ㅁ, ㅂ, ㅅ, ㅇ as a final: a word with
        // another is Korean (깍두기, 닭갈비), not borrowed.
        if LOANWORD_TENSE.contains(&initial) || !LOANWORD_FINALS.contains(&last) {
            return None;
        }
        consonants.push_str(INITIAL[initial]);
        if vowel.is_none() && VOWEL[medial] != '-' {
            vowel = Some(VOWEL[medial]);
        }
        consonants.push_str(FINAL[last]);
    }
    let consonants = collapse(&consonants);
    (consonants.len() >= 2).then(|| format!("{consonants}{}", vowel.unwrap_or('-')))
}

/// The initials a loanword never writes: ㄲ, ㄸ, ㅃ, ㅉ (positions in the Unicode order).
const LOANWORD_TENSE: [usize; 4] = [1, 4, 8, 13];
/// The finals a loanword may write: none, ㄱ, ㄴ, ㄹ, ㅁ, ㅂ, ㅅ, ㅇ (positions in the Unicode
/// order).
const LOANWORD_FINALS: [usize; 8] = [0, 1, 4, 8, 16, 17, 19, 21];

/// The skeleton of an English word in the same classes (lower-case ASCII letters only).
pub fn english_key(word: &str) -> Option<String> {
    if word.len() < 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let letters: Vec<char> = word.chars().collect();
    let is_vowel = |c: Option<&char>| c.is_some_and(|c| "aeiouy".contains(*c));
    let mut consonants = String::new();
    let mut vowel = None;
    let mut i = 0;
    while i < letters.len() {
        let c = letters[i];
        let next = letters.get(i + 1);
        let two = (c, next.copied().unwrap_or(' '));
        let (sound, used) = match two {
            ('p', 'h') => ("p", 2),
            ('c', 'k') => ("k", 2),
            ('c', 'h') | ('t', 'c') => ("c", 2),
            ('s', 'h') => ("s", 2),
            ('t', 'h') => ("s", 2),
            ('k', 'n') if i == 0 => ("n", 2),
            ('w', 'r') if i == 0 => ("r", 2),
            ('g', 'h') => ("", 2),
            ('q', 'u') => ("k", 2),
            ('n', 'g') => ("ng", 2),
            ('c', 'e' | 'i' | 'y') => ("s", 1),
            ('g', 'e' | 'i') if i + 2 >= letters.len() => ("c", 1),
            _ => (
                match c {
                    'b' | 'v' | 'p' | 'f' => "p",
                    'c' | 'k' | 'g' | 'q' => "k",
                    'd' | 't' => "t",
                    'l' => "r",
                    // A final r, or one before a consonant, is not written in Hangul (모터).
                    'r' if !is_vowel(next) => "",
                    'r' => "r",
                    's' | 'z' => "s",
                    'x' => "ks",
                    'j' => "c",
                    'm' => "m",
                    'n' => "n",
                    'h' if i == 0 => "h",
                    _ => "",
                },
                1,
            ),
        };
        if "aeiou".contains(c) && vowel.is_none() {
            vowel = Some(match c {
                // English "o" of "motor", "u" of "pump" (펌프), "a" of "cable" (케이블).
                'a' => 'a',
                'e' => 'e',
                'i' => 'i',
                'o' => 'o',
                _ => 'u',
            });
        }
        consonants.push_str(sound);
        i += used;
    }
    let consonants = collapse(&consonants);
    (consonants.len() >= 2).then(|| format!("{consonants}{}", vowel.unwrap_or('-')))
}

/// Whether an English word's vowel class agrees with a Hangul word's (the last character of
/// each key). Hangul writes one English vowel several ways: "a" of cable 케 (e), "u" of pump
/// 퍼 (u), "o" of motor 모 (o) and of computer 커 (u).
pub fn vowels_agree(hangul: char, english: char) -> bool {
    hangul == english
        || matches!(
            (hangul, english),
            ('e', 'a')
                | ('a', 'o')
                | ('u', 'o')
                | ('o', 'a')
                | ('i', 'e')
                | ('e', 'i')
                | ('u', 'a')
        )
}

/// Doubled letters and doubled classes are one sound ("battery", 배터리).
fn collapse(consonants: &str) -> String {
    let mut out = String::new();
    for c in consonants.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loanwords and the English words they were borrowed from share a key, up to the vowel
    /// class; unrelated words do not.
    #[test]
    fn loanwords_meet_their_english_words() {
        let meet = |hangul: &str, english: &str| {
            let (Some(h), Some(e)) = (hangul_key(hangul), english_key(english)) else {
                return false;
            };
            let (hc, hv) = h.split_at(h.len() - 1);
            let (ec, ev) = e.split_at(e.len() - 1);
            hc == ec
                && vowels_agree(
                    hv.chars().next().unwrap_or('-'),
                    ev.chars().next().unwrap_or('-'),
                )
        };
        for (hangul, english) in [
            ("모터", "motor"),
            ("프린터", "printer"),
            ("니트", "knit"),
            ("볼트", "bolt"),
            ("라우터", "router"),
            ("필터", "filter"),
            ("센서", "sensor"),
            ("케이블", "cable"),
            ("밸브", "valve"),
            ("펌프", "pump"),
            ("배터리", "battery"),
            ("로봇", "robot"),
            ("카메라", "camera"),
        ] {
            assert!(meet(hangul, english), "{hangul} should meet {english}");
        }
        // Words the loanword orthography cannot write are Korean: a tense stop, a final other
        // than ㄱ ㄴ ㄹ ㅁ ㅂ ㅅ ㅇ.
        for korean in ["깍두기", "닭갈비", "빵", "꽃병"] {
            assert_eq!(hangul_key(korean), None, "{korean}");
        }
        for (hangul, english) in [("모터", "meat"), ("펌프", "lamp"), ("니트", "nut")] {
            assert!(!meet(hangul, english), "{hangul} should not meet {english}");
        }
    }
}
