//! Words, not syllables: a text cut into the features the bridge weighs, each with the word as
//! written. Korean words lose their particles and endings (볼트와 -> 볼트, 제조사입니다 ->
//! 제조사), Vietnamese keeps multi-syllable words together (bu lông, máy bơm), English words are
//! stemmed (tantivy's stemmer, through `index`). Features carry their language as a prefix
//! (`k:`, `v:`, `e:`), so a Vietnamese syllable never meets an English word ("thong").

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

/// Korean particles and endings, longest first. Those that are also the last syllable of
/// many nouns (이, 가, 도, 만, 들, 용, 류) come off only when what is left is a word the
/// nomenclature uses (`vocabulary`); the others whenever two syllables are left.
const KOREAN_ENDINGS: &[(&str, bool)] = &[
    ("이라는", true),
    ("입니다", true),
    ("합니다", true),
    ("습니다", true),
    ("에서는", true),
    ("에서도", true),
    ("으로는", true),
    ("으로서", true),
    ("으로써", true),
    ("으로의", true),
    ("이었던", true),
    ("에서", true),
    ("에게", true),
    ("으로", true),
    ("로서", true),
    ("로써", true),
    ("로는", true),
    ("까지", true),
    ("부터", true),
    ("이며", true),
    ("이고", true),
    ("이다", true),
    ("이나", true),
    ("하는", true),
    ("하며", true),
    ("하고", true),
    ("되는", true),
    ("과의", true),
    ("와의", true),
    ("에는", true),
    ("에도", true),
    ("처럼", true),
    ("보다", true),
    ("전문", true),
    ("와", true),
    ("과", true),
    ("을", true),
    ("를", true),
    ("은", true),
    ("는", true),
    ("의", true),
    ("에", true),
    ("로", true),
    ("및", true),
    ("등", true),
    ("이", false),
    ("가", false),
    ("도", false),
    ("만", false),
    ("들", false),
    ("용", false),
    ("류", false),
    ("제", false),
];

/// Words that describe a company, not a product: they never count as evidence, however rare
/// they are in the nomenclature (a profile's boilerplate: history, size, certificates, "we
/// import", "nhà phân phối"). Kept short: words common to many headings need no entry, the
/// weighting already discounts them.
const BOILERPLATE: &[&str] = &[
    // Korean
    "k:제조",
    "k:제조사",
    "k:제조업체",
    "k:생산",
    "k:기업",
    "k:업체",
    "k:회사",
    "k:당사",
    "k:경력",
    "k:제품",
    "k:주력",
    "k:설립",
    "k:인증",
    "k:획득",
    "k:수출",
    "k:수입",
    "k:공급",
    "k:개발",
    "k:판매",
    "k:유통",
    "k:품질",
    "k:고품질",
    "k:기술",
    "k:국내",
    "k:해외",
    "k:시장",
    "k:고객",
    "k:납품",
    "k:협력사",
    "k:분야",
    "k:직원",
    "k:강소기업",
    "k:중소기업",
    "k:가격",
    "k:합리적인",
    "k:희망",
    "k:진출",
    "k:다양한",
    "k:각종",
    "k:종류",
    "k:우수",
    "k:세계",
    "k:글로벌",
    "k:한국",
    "k:인도",
    "k:베트남",
    "k:서비스",
    "k:솔루션",
    "k:브랜드",
    "k:자체",
    "k:연구",
    "k:특허",
    "k:대형마트",
    "k:생산하고",
    "k:있습니다",
    "k:있는",
    "k:위한",
    "k:이상",
    "k:년간",
    "k:설비",
    "k:전문기업",
    "k:주요",
    "k:원료",
    "k:소재",
    "k:부품",
    "k:제작",
    "k:가공",
    "k:완제품",
    // Vietnamese
    "v:công ty",
    "v:nhập khẩu",
    "v:phân phối",
    "v:nhà phân phối",
    "v:cung cấp",
    "v:nhà cung cấp",
    "v:sản phẩm",
    "v:hàng",
    "v:hàng hóa",
    "v:hàng hoá",
    "v:chất lượng",
    "v:tìm",
    "v:nguồn",
    "v:hàn quốc",
    "v:việt nam",
    "v:doanh nghiệp",
    "v:thương mại",
    "v:chuyên",
    "v:tnhh",
    "v:cửa hàng",
    "v:siêu thị",
    "v:khách hàng",
    "v:đối tác",
    "v:cần",
    "v:chúng tôi",
    "v:các loại",
    "v:giá",
    "v:bán buôn",
    "v:bán lẻ",
    "v:đại lý",
    "v:sản xuất",
    "v:nhà máy",
    "v:thị trường",
    "v:tìm kiếm",
    "v:mua",
    "v:nhu cầu",
    "v:nhà nhập khẩu",
    "v:chuỗi",
    "v:dự án",
    "v:kinh doanh",
    "v:chính hãng",
    "v:uy tín",
    "v:năm",
    "v:tại",
    "v:miền",
    "v:toàn quốc",
    "v:thành phố",
    // English (stems)
    "e:import",
    "e:importer",
    "e:distributor",
    "e:distribut",
    "e:supplier",
    "e:suppli",
    "e:compani",
    "e:product",
    "e:qualiti",
    "e:india",
    "e:indian",
    "e:korea",
    "e:korean",
    "e:vietnam",
    "e:look",
    "e:seek",
    "e:trade",
    "e:trader",
    "e:dealer",
    "e:deal",
    "e:wholesal",
    "e:manufactur",
    "e:oem",
    "e:odm",
    "e:year",
    "e:busi",
    "e:sourc",
    "e:interest",
    "e:retail",
    "e:custom",
    "e:market",
    "e:price",
    "e:good",
    "e:item",
    "e:rang",
    "e:high",
    "e:new",
    "e:variou",
    "e:solut",
    "e:servic",
    "e:brand",
    "e:across",
    "e:south",
    "e:north",
    "e:west",
    "e:east",
    "e:delhi",
    "e:mumbai",
    "e:chennai",
    "e:establish",
    "e:certifi",
    "e:iso",
    "e:author",
    "e:contractor",
    "e:epc",
    "e:partner",
    "e:buy",
    "e:purchas",
    "e:demand",
    "e:stockist",
    "e:agent",
    "e:agenc",
    "e:firm",
    "e:group",
    "e:pvt",
    "e:ltd",
    "e:privat",
    "e:limit",
    "e:enterpris",
    "e:industri",
    "e:client",
    "e:project",
    "e:requir",
    "e:need",
    "e:want",
    "e:offer",
    "e:premium",
    "e:best",
    "e:reliabl",
    "e:origin",
    "e:local",
    "e:nationwid",
    "e:citi",
    "e:region",
    "e:state",
    "e:network",
    "e:store",
    "e:shop",
];

/// Vietnamese syllables that join words rather than name things ("và", "cho", "của"): a word
/// of the nomenclature never starts or ends with one ("tấm và" is no word), and alone they
/// are no evidence.
const VIETNAMESE_FUNCTION: &[&str] = &[
    "và", "hoặc", "của", "các", "có", "cho", "để", "được", "bằng", "theo", "là", "một", "những",
    "này", "đó", "như", "trên", "dưới", "với", "từ", "trong", "tại", "đã", "chưa", "dùng", "loại",
    "khác", "về", "ra", "vào", "thì", "mà", "nhưng", "hay", "cũng", "rất", "đang", "sẽ", "ở",
    "nên", "chỉ", "gồm", "kể", "cả", "đến", "qua", "sau", "trước", "nhiều", "số", "lượng", "muốn",
    "đều",
];

/// Korean words that join or qualify rather than name things.
const KOREAN_FUNCTION: &[&str] = &[
    "등", "및", "또는", "함께", "위해", "위한", "통해", "통한", "대한", "따라", "같은", "모든",
    "각", "온", "해", "된", "한", "더", "또", "그", "이", "저", "수", "것", "중", "내", "외", "전",
    "후", "약", "총", "현재", "이후", "부터", "까지", "가장", "매우", "다수", "일체",
];

/// Whether a Vietnamese syllable is a function word.
pub fn is_vietnamese_function(syllable: &str) -> bool {
    static SET: std::sync::OnceLock<HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| VIETNAMESE_FUNCTION.iter().copied().collect())
        .contains(syllable)
}

/// Whether a Vietnamese n-gram can be a word: it neither starts nor ends with a function word.
pub fn is_vietnamese_word(syllables: &[&str]) -> bool {
    match (syllables.first(), syllables.last()) {
        (Some(first), Some(last)) => {
            !is_vietnamese_function(first) && !is_vietnamese_function(last)
        }
        _ => false,
    }
}

/// Whether a Korean stem is a function word or a predicate (a verb or adjective form: 만들어,
/// 갖추고, 위치한), not a product noun. `known` words of the nomenclature are never predicates.
pub fn is_korean_function(stem: &str, known: bool) -> bool {
    static SET: std::sync::OnceLock<HashSet<&'static str>> = std::sync::OnceLock::new();
    if SET
        .get_or_init(|| KOREAN_FUNCTION.iter().copied().collect())
        .contains(stem)
    {
        return true;
    }
    !known
        && stem.chars().count() >= 3
        && stem.ends_with([
            '고', '며', '어', '아', '여', '서', '는', '한', '된', '던', '은', '게', '지',
        ])
}

/// Whether a feature is company boilerplate.
pub fn is_boilerplate(key: &str) -> bool {
    static SET: std::sync::OnceLock<HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| BOILERPLATE.iter().copied().collect())
        .contains(key)
}

pub fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Whether a text is (partly) Vietnamese: letters only Vietnamese uses among the mission's
/// languages (đ, ơ, ư, ă and the tone-marked vowels of Latin Extended Additional).
pub fn has_vietnamese(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, 'đ' | 'Đ' | 'ơ' | 'Ơ' | 'ư' | 'Ư' | 'ă' | 'Ă')
            || ('\u{1EA0}'..='\u{1EF9}').contains(&c)
    })
}

/// A Korean word without its particles and endings. `known` says whether a form is a word of
/// the nomenclature; a known word is kept as it is.
pub fn korean_stem(word: &str, known: &dyn Fn(&str) -> bool) -> String {
    if known(word) {
        return word.to_string();
    }
    strip_endings(word, known)
}

/// A word of the nomenclature itself without its particles and endings ("볼트와" -> "볼트"):
/// `written` says whether a form stands somewhere in the nomenclature as it is.
pub fn korean_corpus_stem(word: &str, written: &dyn Fn(&str) -> bool) -> String {
    strip_endings(word, written)
}

/// Strips endings while what is left is a word (`known`) or, for the unambiguous endings, at
/// least two syllables.
fn strip_endings(word: &str, known: &dyn Fn(&str) -> bool) -> String {
    let mut word = word.to_string();
    loop {
        let syllables = word.chars().count();
        let stripped = KOREAN_ENDINGS.iter().find_map(|&(ending, safe)| {
            let rest = word.strip_suffix(ending)?;
            let left = rest.chars().count();
            (left >= 1 && (known(rest) || (safe && left >= 2))).then(|| rest.to_string())
        });
        match stripped {
            Some(rest) if rest.chars().count() < syllables => {
                word = rest;
                if known(&word) {
                    return word;
                }
            }
            _ => return word,
        }
    }
}

/// Phrases of a text: runs between punctuation, lower-cased and NFC-normalised; `ㆍ` and `·`
/// separate list items as commas do.
pub fn phrases(text: &str) -> Vec<String> {
    let normalised: String = text.nfc().collect::<String>().to_lowercase();
    normalised
        // ㆍ (U+318D) is a letter to Unicode, but Korean lists use it as a comma.
        .split(|c: char| {
            c == 'ㆍ' || !(c.is_alphanumeric() || c.is_whitespace() || c == '-' || c == '\'')
        })
        .map(|phrase| phrase.replace('-', " "))
        .filter(|phrase| !phrase.trim().is_empty())
        .collect()
}

/// The text without the names of companies, people and places in Latin letters: words that
/// start with a capital and go on in lower case, other than a sentence's first. In English such
/// a word is a name unless the nomenclature knows it (`known`: "dealers in Gujarat", but "Bolts,
/// Nuts, Washers" stay); in Vietnamese, whose words are syllables, a run of two or more is a
/// name ("Công ty TNHH Cơ điện Lạc Hồng", "Bình Dương"), one alone is a list's first word
/// ("Đai ốc"). Acronyms ("LAN", "PVC") stay. Each name becomes a comma, so the words around it
/// do not join.
pub fn without_names(text: &str, vietnamese: bool, known: &dyn Fn(&str) -> bool) -> String {
    let tokens: Vec<&str> = text.split(' ').collect();
    let capitalised = |token: &str| {
        let letters: Vec<char> = token.chars().filter(|c| c.is_alphabetic()).collect();
        letters
            .first()
            .is_some_and(|c| c.is_uppercase() && !is_hangul(*c))
            && letters.iter().skip(1).any(|c| c.is_lowercase())
    };
    let mut sentence_start = true;
    let mut starts = Vec::with_capacity(tokens.len());
    for token in &tokens {
        starts.push(sentence_start);
        if !token.trim().is_empty() {
            sentence_start = token.ends_with(['.', '!', '?', ':', ';']);
        }
    }
    let name = |index: usize| -> bool {
        let token = tokens[index];
        if starts[index] || !capitalised(token) {
            return false;
        }
        if vietnamese {
            let neighbour = |other: Option<usize>| {
                other
                    .and_then(|i| tokens.get(i))
                    .is_some_and(|t| capitalised(t))
            };
            neighbour(index.checked_sub(1)) || neighbour(Some(index + 1))
        } else {
            let word: String = token.chars().filter(|c| c.is_alphabetic()).collect();
            !known(&word.to_lowercase())
        }
    };
    let mut out = String::with_capacity(text.len());
    for (index, token) in tokens.iter().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        if name(index) {
            out.push(',');
        } else {
            out.push_str(token);
        }
    }
    out
}

/// The words of a phrase: whitespace-separated, without digits-only or digit-bearing tokens
/// ("20년", "ISO9001", "16 mm").
pub fn words(phrase: &str) -> Vec<&str> {
    phrase
        .split_whitespace()
        .filter(|word| !word.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

/// The English stems of a word or phrase (stop words removed).
pub fn english_stems(text: &str) -> Vec<String> {
    crate::index::analyse(text)
}
