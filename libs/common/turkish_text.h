// Turkish text helpers for every channel: case folding done by hand (the C library's
// tolower knows nothing of İ/ı), a diacritic-free match key, the 13 districts of Mersin, and
// UTF-8-safe truncation for WhatsApp's length limits.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace teksin::common {

// Turkish lower case: "I" → "ı", "İ" → "i", Ç Ğ Ö Ş Ü Â Î Û → ç ğ ö ş ü â î û, ASCII A-Z
// (except I) → a-z. Everything else is copied unchanged; invalid UTF-8 bytes too.
std::string TurkishLower(std::string_view utf8);

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
