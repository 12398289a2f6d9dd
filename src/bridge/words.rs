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
    // Markets a firm names ("일본, 미국 등으로 수출"), read as loanwords they would find minerals
    // (미국 -> mica).
    "k:미국",
    "k:일본",
    "k:중국",
    "k:호주",
    "k:유럽",
    "k:동남아",
    "k:중동",
    "k:아시아",
    "k:북미",
    "k:남미",
    "k:미주",
    "k:아프리카",
    "k:대만",
    "k:태국",
    "k:인도네시아",
    "k:필리핀",
    "k:말레이시아",
    "k:러시아",
    "k:독일",
    "k:국내",
    "k:국산",
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
    // "phục vụ X": serving X, for X (an application, see `vietnamese_profile`).
    "v:phục vụ",
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

/// Words that say what kind of product, not which: industrial, household, portable, smart.
/// They sharpen a product noun ("industrial printers") but name no heading on their own: the
/// nomenclature uses each in a few headings of unrelated trades ("công nghiệp" is in 33 headings
/// of 18 chapters), so alone they would look specific and infer a stranger's trade.
const QUALIFIERS: &[(char, &str)] = &[
    ('e', "industrial"),
    ('e', "household"),
    ('e', "domestic"),
    ('e', "commercial"),
    ('e', "professional"),
    ('e', "automatic"),
    ('e', "automated"),
    ('e', "electric"),
    ('e', "electrical"),
    ('e', "electronic"),
    ('e', "digital"),
    ('e', "smart"),
    ('e', "portable"),
    ('e', "small"),
    ('e', "large"),
    ('e', "mini"),
    ('e', "heavy"),
    ('e', "premium"),
    ('e', "special"),
    ('e', "general"),
    ('e', "traditional"),
    ('e', "modern"),
    ('e', "home"),
    ('e', "office"),
    ('e', "outdoor"),
    ('e', "indoor"),
    ('e', "storage"),
    ('e', "energy"),
    ('e', "system"),
    ('e', "equipment"),
    ('e', "accessories"),
    ('e', "components"),
    ('e', "parts"),
    ('e', "supplies"),
    ('e', "material"),
    ('k', "산업용"),
    ('k', "가정용"),
    ('k', "업소용"),
    ('k', "상업용"),
    ('k', "전문가용"),
    ('k', "소형"),
    ('k', "대형"),
    ('k', "디지털"),
    ('k', "스마트"),
    ('k', "휴대용"),
    ('k', "전동"),
    ('k', "자동"),
    ('k', "고급"),
    ('k', "프리미엄"),
    ('k', "전통"),
    ('k', "방식"),
    ('k', "기반"),
    ('k', "세트"),
    ('k', "시스템"),
    ('k', "장비"),
    ('k', "용품"),
    ('k', "액세서리"),
    ('v', "công nghiệp"),
    ('v', "gia dụng"),
    ('v', "gia đình"),
    ('v', "chuyên dụng"),
    ('v', "tự động"),
    ('v', "thông minh"),
    ('v', "cao cấp"),
    ('v', "di động"),
    ('v', "văn phòng"),
    ('v', "chuyên nghiệp"),
    ('v', "kỹ thuật số"),
    ('v', "hiện đại"),
    ('v', "truyền thống"),
    ('v', "lưu trữ"),
    ('v', "năng lượng"),
    ('v', "hệ thống"),
    ('v', "thiết bị"),
    ('v', "phụ kiện"),
    ('v', "linh kiện"),
    ('v', "vật tư"),
];

/// Whether a word as written is a qualifier in any language, so its readings (a loanword
/// reading of 전통 finds "joint") are qualifiers too.
pub fn is_qualifier_word(word: &str) -> bool {
    let spelled: Vec<String> = word.split(' ').map(vietnamese_spelling).collect();
    // English: every word a qualifier ("electric motors" names a product).
    let stems = english_stems(word);
    is_qualifier(&format!("k:{word}"))
        || is_qualifier(&format!("v:{}", spelled.join(" ")))
        || (!stems.is_empty() && stems.iter().all(|stem| is_qualifier(&format!("e:{stem}"))))
}

/// Whether a feature is a qualifier (see `QUALIFIERS`): it counts only beside a word that
/// names a product.
pub fn is_qualifier(key: &str) -> bool {
    static SET: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let mut set = HashSet::new();
        for &(language, word) in QUALIFIERS {
            match language {
                'e' => set.extend(english_stems(word).into_iter().map(|s| format!("e:{s}"))),
                'v' => {
                    let spelled: Vec<String> = word.split(' ').map(vietnamese_spelling).collect();
                    set.insert(format!("v:{}", spelled.join(" ")));
                }
                _ => {
                    set.insert(format!("{language}:{word}"));
                }
            }
        }
        set
    })
    .contains(key)
}

/// Whether a feature is company boilerplate.
pub fn is_boilerplate(key: &str) -> bool {
    // Vietnamese rows in the spelling the bridge compares (see `vietnamese_spelling`).
    static SET: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        BOILERPLATE
            .iter()
            .map(|key| match key.strip_prefix("v:") {
                Some(words) => {
                    let spelled: Vec<String> = words.split(' ').map(vietnamese_spelling).collect();
                    format!("v:{}", spelled.join(" "))
                }
                None => key.to_string(),
            })
            .collect()
    })
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

/// The sentences of a text: pieces ending in `.`, `!` or `?` followed by a space or the end (so
/// "3.5 kW" and "Co.,Ltd" stay whole), in `。`, or at a line break. A `;` joins clauses of
/// one sentence ("Tyre dealer network; looking for ...").
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let ends = c == '\n'
            || c == '。'
            || (matches!(c, '.' | '!' | '?') && next.is_none_or(char::is_whitespace));
        if ends {
            let end = at + c.len_utf8();
            if !text[start..end].trim().is_empty() {
                out.push(&text[start..end]);
            }
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}

/// Words that say a sentence names what a participant makes or buys ("생산합니다", "we import",
/// "nhập khẩu"), matched within the lower-cased sentence.
const PRODUCT_MARKERS: &[&str] = &[
    "생산",
    "제조",
    "전문",
    "주력",
    "품목",
    "취급",
    "판매",
    "수입",
    "유통",
    "만듭",
    "만들",
    "import",
    "sourc",
    "looking for",
    "distribut",
    "supplier",
    "supplies",
    "manufactur",
    "produc",
    "seek",
    "interested in",
    "need",
    "buy",
    "purchas",
    "wholesal",
    "we make",
    "speciali",
    "nhập khẩu",
    "phân phối",
    "cung cấp",
    "sản xuất",
    "tìm nguồn",
    "cần",
    "mua",
    "chuyên",
    "kinh doanh",
];

/// Words that say a sentence is about the company rather than its products: history,
/// certificates, staff, customers, markets ("1998년 설립", "UL 인증 획득", "국내 대형마트 납품").
const CONTEXT_MARKERS: &[&str] = &[
    "납품",
    "인증",
    "설립",
    "직원",
    "진출",
    "수출",
    "협력사",
    "보유",
    "운영",
    "입점",
    "획득",
    "희망",
    "출시",
    "실적",
    "경험",
    "규격",
    "certif",
    "founded",
    "established",
    "employees",
    "staff",
    "stores",
    "outlets",
    "since",
    "export",
    "customers",
    "clients",
    "network",
    "thành lập",
    "chứng nhận",
    "nhân viên",
    "cửa hàng",
    "khách hàng",
    "kinh nghiệm",
    "xuất khẩu",
];

/// How much a sentence's words count: fully when it names products or says nothing about
/// itself, `CONTEXT_WEIGHT` when it only tells the company's history, certificates or customers
/// (whose words, "자동차 배선 업체 납품", name other trades than the participant's own).
pub fn sentence_weight(sentence: &str) -> f64 {
    let lower = sentence.to_lowercase();
    let has = |markers: &[&str]| markers.iter().any(|marker| lower.contains(marker));
    if !has(PRODUCT_MARKERS) && has(CONTEXT_MARKERS) {
        CONTEXT_WEIGHT
    } else {
        1.0
    }
}

/// How much less the words of a sentence about the company count than those of one about its
/// products.
const CONTEXT_WEIGHT: f64 = 0.35;

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

/// A nomenclature line's phrases (as [`phrases`] cuts them), each with how much its words say
/// of the line's product by where they stand: the first item names it (1.0), a later item of a
/// list names one of its products ([`LATER_ITEM`]), what follows a `;` qualifies it
/// ([`QUALIFICATION`]: "Nonwovens; whether or not impregnated"), and what stands in brackets
/// explains it ([`IN_BRACKETS`]: "부직포(침투ㆍ도포ㆍ피복ㆍ적층한 것인지에 상관없다)").
pub fn line_phrases(text: &str) -> Vec<(String, f64)> {
    let normalised: String = text.nfc().collect::<String>().to_lowercase();
    // What stands in brackets is read apart, and the words on either side of it join again
    // ("펠트나 부직포(성형인 것을 포함한다)의 제조용 기계": 부직포 is what the machine is for).
    let mut outside = String::new();
    let mut inside = String::new();
    let mut depth = 0usize;
    for c in normalised.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                inside.push(',');
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ if depth > 0 => inside.push(c),
            _ => outside.push(c),
        }
    }
    let mut out = Vec::new();
    let mut current = String::new();
    let mut place = 1.0;
    let mut seen_words = false;
    let mut flush = |current: &mut String, place: f64| -> bool {
        let phrase = !current.trim().is_empty();
        if phrase {
            out.push((current.replace('-', " "), place));
        }
        current.clear();
        phrase
    };
    for c in outside.chars() {
        let separator =
            c == 'ㆍ' || !(c.is_alphanumeric() || c.is_whitespace() || c == '-' || c == '\'');
        if !separator {
            current.push(c);
            continue;
        }
        // A separator before any word (a line's opening quote) leaves the first item first.
        seen_words |= flush(&mut current, place);
        if seen_words {
            place = f64::min(place, if c == ';' { QUALIFICATION } else { LATER_ITEM });
        }
    }
    flush(&mut current, place);
    out.extend(
        phrases(&inside)
            .into_iter()
            .map(|phrase| (phrase, IN_BRACKETS)),
    );
    out
}

/// How much a later item of a nomenclature line's list counts (see [`line_phrases`]).
pub const LATER_ITEM: f64 = 0.8;
/// How much what follows a nomenclature line's `;` counts (see [`line_phrases`]).
pub const QUALIFICATION: f64 = 0.6;
/// How much what a nomenclature line says in brackets counts (see [`line_phrases`]).
pub const IN_BRACKETS: f64 = 0.4;

/// Which words of a nomenclature line's phrase name the product and which only its use, its
/// material or what it is made for (true for a modifier): in Korean, whose head noun comes last,
/// every word up to the last one marked as a modifier ("인쇄회로기판 제조용 기계", "세제를
/// 침투시키거나 도포한 종이": 기계, 종이); in English and Vietnamese, whose head comes first,
/// every word after one that opens a use or an exception ("machines for printed circuits",
/// "máy dùng để sản xuất").
pub fn line_modifiers(tokens: &[&str], stems: &[Option<String>]) -> Vec<bool> {
    const OPENERS: &[&str] = &[
        "for",
        "excluding",
        "except",
        "whether",
        "suitable",
        "designed",
        "dùng",
        "để",
        "trừ",
        "cho",
    ];
    const JOINING: &[&str] = &["", "와", "과", "이나", "나", "및", "등"];
    const VERB_FORMS: &[&str] = &["한", "된", "하는", "되는", "있는", "없는", "않은", "시킨"];
    let hangul = stems.iter().any(Option::is_some);
    if hangul {
        // The last word is the head: a marker before it makes the words up to it modifiers.
        let before_head = tokens.len().saturating_sub(1);
        let last_marker = tokens[..before_head]
            .iter()
            .zip(stems)
            .rposition(|(token, stem)| {
                let particle = stem
                    .as_deref()
                    .and_then(|stem| token.strip_prefix(stem))
                    .unwrap_or("");
                !JOINING.contains(&particle)
                    || (token.chars().count() > 1 && VERB_FORMS.iter().any(|v| token.ends_with(v)))
            });
        return (0..tokens.len())
            .map(|index| last_marker.is_some_and(|last| index <= last))
            .collect();
    }
    let opener = tokens.iter().position(|token| OPENERS.contains(token));
    (0..tokens.len())
        .map(|index| opener.is_some_and(|first| index >= first))
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
    // A Vietnamese name capitalises each word's first syllable only ("Công ty Cổ phần Vật tư
    // Nông nghiệp Đắk Lắk"): a lower-case syllable between capitalised ones, with no
    // punctuation between, belongs to it.
    let open = |token: &str| !token.ends_with(|c: char| c.is_ascii_punctuation());
    let capital: Vec<bool> = (0..tokens.len())
        .map(|index| {
            capitalised(tokens[index])
                || (vietnamese
                    && index > 0
                    && !starts[index]
                    && open(tokens[index - 1])
                    && open(tokens[index])
                    && capitalised(tokens[index - 1])
                    && tokens.get(index + 1).is_some_and(|t| capitalised(t)))
        })
        .collect();
    let name = |index: usize| -> bool {
        let token = tokens[index];
        if starts[index] || !capital[index] {
            return false;
        }
        if vietnamese {
            let neighbour =
                |other: Option<usize>| other.is_some_and(|i| capital.get(i) == Some(&true));
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

/// A Vietnamese syllable in one spelling of those the language allows alike, so a text and the
/// nomenclature meet whichever they use: the tone of a final "oa", "oe" or "uy" on its first
/// vowel (hoá and hóa, thuỷ and thủy, khoẻ and khỏe), and a final "y" after a consonant as "i"
/// (ắc quy and ắc qui, kỹ and kĩ, lý and lí). Other syllables, and words of other languages
/// (whose first letters are no Vietnamese onset: "dry"), are as written.
pub fn vietnamese_spelling(syllable: &str) -> String {
    const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
    const ONSETS: &[&str] = &[
        "ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
        "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
    ];
    // Letters without their tone (other marks stay: â, ơ, ư, đ), and the tone with its letter.
    let mut letters: Vec<String> = Vec::new();
    let mut tone: Option<(usize, char)> = None;
    for c in syllable.nfd() {
        if TONES.contains(&c) && !letters.is_empty() {
            tone = Some((letters.len() - 1, c));
        } else if unicode_normalization::char::is_combining_mark(c) {
            if let Some(last) = letters.last_mut() {
                last.push(c);
            }
        } else {
            letters.push(c.to_string());
        }
    }
    let Some(last) = letters.last().cloned() else {
        return syllable.to_string();
    };
    // A final "y" after an onset alone ("k", "l", "qu") is the vowel "i".
    let count = letters.len();
    if last == "y" && count > 1 {
        let onset: String = letters[..count - 1].concat().nfc().collect();
        if ONSETS.contains(&onset.as_str()) {
            letters[count - 1] = "i".to_string();
        }
    }
    let tail: String = letters
        .iter()
        .rev()
        .take(2)
        .rev()
        .cloned()
        .collect::<String>();
    let after_q = count >= 3 && letters[count - 3] == "q";
    if let Some((_, mark)) = tone {
        if ["oa", "oe"].contains(&tail.as_str()) || (tail == "uy" && !after_q) {
            tone = Some((count - 2, mark));
        }
    }
    if let Some((at, mark)) = tone {
        letters[at].push(mark);
    }
    letters.concat().nfc().collect()
}

#[cfg(test)]
mod spelling_tests {
    use super::vietnamese_spelling;

    /// Each pair of spellings reads as one; words that only look alike stay apart.
    #[test]
    fn vietnamese_spellings_meet() {
        for (one, other) in [
            ("hoá", "hóa"),
            ("thuỷ", "thủy"),
            ("khoẻ", "khỏe"),
            ("quy", "qui"),
            ("kỹ", "kĩ"),
            ("lý", "lí"),
            ("mỹ", "mĩ"),
            ("quý", "quí"),
        ] {
            assert_eq!(
                vietnamese_spelling(one),
                vietnamese_spelling(other),
                "{one} {other}"
            );
        }
        for (one, other) in [
            ("y", "i"),
            ("dry", "dri"),
            ("hóa", "hoa"),
            ("tuy", "ti"),
            ("quỳ", "quý"),
        ] {
            assert_ne!(
                vietnamese_spelling(one),
                vietnamese_spelling(other),
                "{one} {other}"
            );
        }
        assert_eq!(vietnamese_spelling("máy"), "máy");
        assert_eq!(vietnamese_spelling("battery"), "battery");
    }
}

/// Words after which an English or Vietnamese text names what its writer buys or sells
/// ("interested in sourcing", "distributor of", "cần nhập khẩu", "nhà phân phối"): whole words,
/// or, ending in `-`, the start of a word ("distribut-" is also "distributor"; "need" is not
/// "needle", nor "import" "important"), tried longest first at each word.
const FOCUS_MARKERS: &[&str] = &[
    "looking for",
    "looking to",
    "interested in",
    "supplier of",
    "trader of",
    "seek",
    "seeks",
    "seeking",
    "sourc-",
    "importer",
    "importers",
    "importing",
    "imports",
    "import",
    "need",
    "needs",
    "buy",
    "buying",
    "purchas-",
    "procur-",
    "distribut-",
    "wholesal-",
    "dealer",
    "dealers",
    "want",
    "wants",
    "require",
    "requires",
    "nhập khẩu",
    "nhập",
    "nhu cầu",
    "tìm nguồn hàng",
    "tìm nguồn",
    "tìm kiếm",
    "tìm",
    "mua",
    "cần",
    "phân phối",
    "cung cấp",
    "chuyên",
];

/// Where the words a text is about start (see [`FOCUS_MARKERS`]): the byte after the first run
/// of markers in the lower-cased `text`, or None when it has none.
pub fn focus_start(text: &str) -> Option<usize> {
    let word_start = |at: usize| {
        text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
    };
    let word_end = |at: usize| {
        at + text[at..]
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(text.len() - at)
    };
    // A marker at `at`: the end of the word it starts, if one starts there.
    let marker_at = |at: usize| {
        FOCUS_MARKERS.iter().find_map(|marker| {
            let (start, stem) = match marker.strip_suffix('-') {
                Some(start) => (start, true),
                None => (*marker, false),
            };
            text[at..].starts_with(start).then(|| {
                let end = at + start.len();
                if stem {
                    word_end(end)
                } else {
                    end
                }
            })
        })
    };
    let whole = |at: usize, end: usize| word_start(at) && word_end(end) == end;
    let mut at = 0;
    while at < text.len() {
        if let Some(mut end) = marker_at(at).filter(|&end| whole(at, end)) {
            // Markers run on: "interested in sourcing", "cần nhập khẩu", "có nhu cầu mua".
            loop {
                let next = end + (text.len() - end - text[end..].trim_start().len());
                match marker_at(next).filter(|&after| next > end && whole(next, after)) {
                    Some(after) => end = after,
                    None => return Some(end),
                }
            }
        }
        at += text[at..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// How much each token of a Korean phrase counts by its role: a noun group that ends in a
/// locative or dative particle (에, 에서, 에게: "대형마트와 해외 유통사에 공급", "선박과 철골
/// 구조물에 쓰이는") names the customers or the use, not the product, and counts `PLACE_WEIGHT`;
/// "분야에서" (in the field of) names the product's field and counts fully. Other tokens: 1.
/// `stems` holds each token's [`korean_stem`], None for a token without Hangul.
pub fn korean_roles(tokens: &[&str], stems: &[Option<String>]) -> Vec<f64> {
    let mut roles = vec![1.0; tokens.len()];
    let mut group_start = 0;
    for (index, (token, stem)) in tokens.iter().zip(stems).enumerate() {
        let Some(stem) = stem else {
            continue;
        };
        let particle = token.strip_prefix(stem.as_str()).unwrap_or("");
        let joins = particle.is_empty() || matches!(particle, "와" | "과") || *token == "및";
        if joins {
            continue;
        }
        if particle.starts_with('에') && !FIELD_WORDS.contains(&stem.as_str()) {
            for role in &mut roles[group_start..=index] {
                *role = PLACE_WEIGHT;
            }
        }
        group_start = index + 1;
    }
    roles
}

/// Whether a Korean phrase is one bare noun group: it has Hangul words and no particle other
/// than "and" (와, 과, 및) closes any of them, as an item of a list before a comma is.
pub fn is_bare_group(tokens: &[&str], stems: &[Option<String>]) -> bool {
    let mut hangul = false;
    for (token, stem) in tokens.iter().zip(stems) {
        let Some(stem) = stem else {
            continue;
        };
        hangul = true;
        let particle = token.strip_prefix(stem.as_str()).unwrap_or("");
        if !(particle.is_empty() || matches!(particle, "와" | "과") || *token == "및") {
            return false;
        }
    }
    hangul
}

/// Words whose locative names the product's own field ("체결 부품 분야에서").
const FIELD_WORDS: &[&str] = &["분야", "부문", "업종"];

/// How much the words of a Korean noun group in the locative count (see [`korean_roles`]).
const PLACE_WEIGHT: f64 = 0.35;

#[cfg(test)]
mod tests {
    use super::*;

    /// A nomenclature line's phrases and how much each says of its product by its place.
    #[test]
    fn a_lines_first_item_names_its_product() {
        let cases: &[(&str, &[(&str, f64)])] = &[
            (
                "Nonwovens; whether or not impregnated",
                &[
                    ("nonwovens", 1.0),
                    (" whether or not impregnated", QUALIFICATION),
                ],
            ),
            (
                "Gloves, mittens and mitts",
                &[("gloves", 1.0), (" mittens and mitts", LATER_ITEM)],
            ),
            (
                "부직포(침투ㆍ도포한 것)",
                &[
                    ("부직포", 1.0),
                    ("침투", IN_BRACKETS),
                    ("도포한 것", IN_BRACKETS),
                ],
            ),
            // The words on either side of brackets join again.
            (
                "펠트나 부직포(성형인 것)의 제조용 기계",
                &[
                    ("펠트나 부직포의 제조용 기계", 1.0),
                    ("성형인 것", IN_BRACKETS),
                ],
            ),
        ];
        for (line, expected) in cases {
            let got = line_phrases(line);
            let expected: Vec<(String, f64)> =
                expected.iter().map(|(p, w)| (p.to_string(), *w)).collect();
            assert_eq!(got, expected, "{line}");
        }
    }

    /// The words of a nomenclature phrase that only modify its head: in Korean all up to the
    /// last marked word, in English and Vietnamese all from the word that opens a use.
    #[test]
    fn a_phrases_modifiers_are_found() {
        let known = |word: &str| ["제조", "기계", "세제", "종이", "비누"].contains(&word);
        let cases: &[(&str, &[bool])] = &[
            ("펠트나 부직포의 제조용 기계", &[true, true, true, false]),
            (
                "비누나 세제를 침투시키거나 도포한 종이",
                &[true, true, true, true, false],
            ),
            ("machines for printed circuits", &[false, true, true, true]),
            ("máy dùng để sản xuất", &[false, true, true, true, true]),
            ("ball bearings", &[false, false]),
        ];
        for (phrase, expected) in cases {
            let tokens = words(phrase);
            let stems: Vec<Option<String>> = tokens
                .iter()
                .map(|t| t.chars().all(is_hangul).then(|| korean_stem(t, &known)))
                .collect();
            assert_eq!(
                line_modifiers(&tokens, &stems),
                expected.to_vec(),
                "{phrase}"
            );
        }
    }

    /// Each lower-cased text and what it is about (the text after its first run of markers),
    /// or None when no marker says.
    #[test]
    fn a_text_is_about_what_follows_its_verb() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "seafood distributor in kochi; interested in sourcing fish cakes",
                Some(" in kochi; interested in sourcing fish cakes"),
            ),
            (
                "pharma company interested in sourcing toothpaste",
                Some(" toothpaste"),
            ),
            ("importer of suiting fabrics", Some(" of suiting fabrics")),
            ("distributors of tyres", Some(" of tyres")),
            // Only stems take the rest of a word: "needle", "important", "looking forward".
            ("needle bearings for gearboxes", None),
            ("an important maker of pumps", None),
            ("looking forward to meeting pump makers", None),
            (
                "công ty xuất khẩu gạo cần nhập bao jumbo",
                Some(" bao jumbo"),
            ),
            ("nhà máy có nhu cầu mua keo dán", Some(" keo dán")),
            // A marker inside another word is none ("buyers", "mùa", "khẩu trang").
            ("buyers of khẩu trang", None),
            ("bolts and nuts", None),
        ];
        for &(text, about) in cases {
            assert_eq!(focus_start(text).map(|at| &text[at..]), about, "{text}");
        }
    }

    /// Each Korean phrase and the tokens that count `PLACE_WEIGHT` (customers, uses).
    #[test]
    fn customers_and_uses_count_less_than_products() {
        let known = |word: &str| matches!(word, "어묵" | "게맛살" | "대형마트" | "분야");
        let cases: &[(&str, &[&str])] = &[
            (
                "냉장 어묵과 게맛살을 대형마트와 해외 유통사에 공급",
                &["대형마트와", "해외", "유통사에"],
            ),
            (
                "선박과 철골 구조물에 쓰이는 도료를",
                &["선박과", "철골", "구조물에"],
            ),
            // The field a firm works in is its product's.
            ("체결 부품 분야에서 20년", &[]),
        ];
        for &(phrase, places) in cases {
            let tokens: Vec<&str> = phrase.split(' ').collect();
            let stems: Vec<Option<String>> = tokens
                .iter()
                .map(|token| {
                    token
                        .chars()
                        .any(is_hangul)
                        .then(|| korean_stem(token, &known))
                })
                .collect();
            let roles = korean_roles(&tokens, &stems);
            let found: Vec<&str> = tokens
                .iter()
                .zip(&roles)
                .filter(|(_, &role)| role < 1.0)
                .map(|(token, _)| *token)
                .collect();
            assert_eq!(found, places, "{phrase}");
        }
    }
}
