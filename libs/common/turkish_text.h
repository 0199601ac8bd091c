// Turkish text helpers for every channel: Unicode normalisation and case folding with Turkish
// rules by ICU (the C library's tolower knows nothing of İ/ı), a diacritic-free match key, the 13
// districts of Mersin, and UTF-8-safe truncation for WhatsApp's length limits.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace teksin::common {

// Unicode NFC (composed form): "c" + U+0327 → "ç", "I" + U+0307 → "İ". Invalid UTF-8 bytes are
// copied unchanged; the valid runs around them are normalised.
std::string Nfc(std::string_view utf8);

// Turkish lower case by ICU's "tr" locale rules, after NFC: "I" → "ı", "İ" → "i",
// Ç Ğ Ö Ş Ü Â Î Û → ç ğ ö ş ü â î û, and every other script's capitals too ("ΑΒ" → "αβ").
// Invalid UTF-8 bytes are copied unchanged.
std::string TurkishLower(std::string_view utf8);

// The one folding for matching and for the complaint classifier (training and serving): NFC,
// Unicode case folding with the Turkic I rules (ICU U_FOLD_CASE_EXCLUDE_SPECIAL_I: "I" → "ı",
// "İ" → "i"), then NFC again, and the combining dot above that a non-Turkish lower-casing leaves
// after "i" ("i̇" → "i") dropped. Marks are kept: "ÇÖP" → "çöp", "KAÇAĞI" → "kaçağı".
std::string TurkishFold(std::string_view utf8);

// TurkishFold(utf8) split into words: a word is a run of letters, digits and combining marks;
// everything else (spaces, punctuation, apostrophes, symbols, invalid bytes) separates words.
// "Tarsus'ta GAZ KAÇAĞI!" → {"tarsus", "ta", "gaz", "kaçağı"}.
std::vector<std::string> FoldedWords(std::string_view utf8);

// A key for forgiving comparisons: Turkish lower case, then the Turkish letters without their
// marks (ç→c ğ→g ı→i ö→o ş→s ü→u â→a î→i û→u), the combining dot above (what "İ" becomes when
// lower-cased by a non-Turkish locale: "i̇") dropped, and runs of whitespace collapsed to one
// space, trimmed. "YENİŞEHİR", "Yenişehir" and "yenisehir" all give "yenisehir".
std::string MatchKey(std::string_view utf8);

// The 13 districts, spelled as in the boundary file (what intake accepts).
const std::vector<std::string>& MersinDistricts();

// The district a citizen typed: a word of the text (after MatchKey, words split at anything that
// is not a letter or digit, so "Tarsus'ta" counts) equal to a district's key. nullopt when none
// matches, or when two different districts do (ambiguous).
std::optional<std::string> FindDistrict(std::string_view text);

// At most `max_chars` code points; when cut, the last one is "…". Never splits a UTF-8 sequence.
std::string TruncateUtf8(std::string_view utf8, size_t max_chars);
size_t Utf8Length(std::string_view utf8);

}  // namespace teksin::common
