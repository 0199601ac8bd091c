#include "common/turkish_text.h"

#include <cstdint>
#include <cstdlib>
#include <set>

#include "unicode/locid.h"
#include "unicode/normalizer2.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"

namespace teksin::common {
namespace {

constexpr uint32_t kInvalid = 0xFFFFFFFF;

// Decodes one code point at s[i]; advances i. Invalid input yields kInvalid and one byte.
uint32_t Next(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto bits = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0 && b0 >= 0xC2 && cont(1)) {
    uint32_t cp = (static_cast<uint32_t>(b0 & 0x1F) << 6) | bits(1);
    i += 2;
    return cp;
  }
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    uint32_t cp = (static_cast<uint32_t>(b0 & 0x0F) << 12) | (bits(1) << 6) | bits(2);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
      i += 3;
      return cp;
    }
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    uint32_t cp = (static_cast<uint32_t>(b0 & 0x07) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3);
    if (cp >= 0x10000 && cp <= 0x10FFFF) {
      i += 4;
      return cp;
    }
  }
  ++i;
  return kInvalid;
}

bool IsSpace(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' ||
         cp == 0x00A0 || (cp != kInvalid && u_isUWhiteSpace(static_cast<UChar32>(cp)));
}

// Applies `transform` (ICU, on valid UTF-8) to every valid run of `s`; invalid bytes between the
// runs are copied unchanged.
template <typename F>
std::string ByValidRuns(std::string_view s, F transform) {
  std::string out;
  out.reserve(s.size());
  size_t run = 0;
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    if (Next(s, i) != kInvalid) continue;
    if (start > run) out += transform(s.substr(run, start - run));
    out.append(s.substr(start, i - start));
    run = i;
  }
  if (run < s.size()) out += transform(s.substr(run));
  return out;
}

icu::UnicodeString ToIcu(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

std::string FromIcu(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}

const icu::Normalizer2& NfcNormalizer() {
  static const icu::Normalizer2* n = [] {
    UErrorCode err = U_ZERO_ERROR;
    const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(err);
    if (U_FAILURE(err) || nfc == nullptr) std::abort();  // ICU data missing: not recoverable
    return nfc;
  }();
  return *n;
}

const icu::Normalizer2& NfdNormalizer() {
  static const icu::Normalizer2* n = [] {
    UErrorCode err = U_ZERO_ERROR;
    const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(err);
    if (U_FAILURE(err) || nfd == nullptr) std::abort();
    return nfd;
  }();
  return *n;
}

icu::UnicodeString IcuNfc(const icu::UnicodeString& u) {
  UErrorCode err = U_ZERO_ERROR;
  icu::UnicodeString out = NfcNormalizer().normalize(u, err);
  return U_FAILURE(err) ? u : out;
}

// NFC, Turkic case folding, NFC, "i" + U+0307 → "i".
icu::UnicodeString IcuFold(std::string_view valid) {
  icu::UnicodeString u = IcuNfc(ToIcu(valid));
  u.foldCase(U_FOLD_CASE_EXCLUDE_SPECIAL_I);
  u = IcuNfc(u);
  u.findAndReplace(icu::UnicodeString(u"i\u0307"), icu::UnicodeString(u"i"));
  return u;
}

}  // namespace

std::string Nfc(std::string_view s) {
  return ByValidRuns(s, [](std::string_view v) { return FromIcu(IcuNfc(ToIcu(v))); });
}

std::string TurkishLower(std::string_view s) {
  static const icu::Locale kTurkish("tr");
  return ByValidRuns(s, [](std::string_view v) {
    icu::UnicodeString u = IcuNfc(ToIcu(v));
    u.toLower(kTurkish);
    return FromIcu(u);
  });
}

std::string TurkishFold(std::string_view s) {
  return ByValidRuns(s, [](std::string_view v) { return FromIcu(IcuFold(v)); });
}

std::vector<std::string> FoldedWords(std::string_view s) {
  const std::string folded = TurkishFold(s);
  std::vector<std::string> words;
  std::string word;
  for (size_t i = 0; i < folded.size();) {
    size_t start = i;
    uint32_t cp = Next(folded, i);
    const bool part = cp != kInvalid && (u_isalnum(static_cast<UChar32>(cp)) ||
                                         u_charType(static_cast<UChar32>(cp)) == U_NON_SPACING_MARK);
    if (part) {
      word.append(folded, start, i - start);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::string MatchKey(std::string_view s) {
  // Folded, decomposed, marks dropped, dotless ı → i: only base letters are left.
  const std::string bare = ByValidRuns(s, [](std::string_view v) {
    UErrorCode err = U_ZERO_ERROR;
    icu::UnicodeString d = NfdNormalizer().normalize(IcuFold(v), err);
    if (U_FAILURE(err)) d = IcuFold(v);
    icu::UnicodeString out;
    for (int32_t i = 0; i < d.length();) {
      UChar32 cp = d.char32At(i);
      i += U16_LENGTH(cp);
      if (u_charType(cp) == U_NON_SPACING_MARK) continue;
      out.append(cp == 0x0131 ? UChar32{'i'} : cp);
    }
    return FromIcu(out);
  });
  std::string out;
  out.reserve(bare.size());
  bool pending_space = false;
  for (size_t i = 0; i < bare.size();) {
    size_t start = i;
    uint32_t cp = Next(bare, i);
    if (IsSpace(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.append(bare.substr(start, i - start));
  }
  return out;
}

const std::vector<std::string>& MersinDistricts() {
  static const std::vector<std::string> kDistricts = {
      "Akdeniz", "Anamur", "Aydıncık", "Bozyazı", "Çamlıyayla", "Erdemli", "Gülnar",
      "Mezitli", "Mut",    "Silifke",  "Tarsus",  "Toroslar",   "Yenişehir"};
  return kDistricts;
}

std::optional<std::string> FindDistrict(std::string_view text) {
  const std::string key = MatchKey(text);
  std::set<std::string> words;
  std::string word;
  for (char c : key) {
    // After MatchKey every Turkish letter is ASCII; other non-ASCII bytes end a word too.
    bool letter = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (letter) {
      word.push_back(c);
    } else if (!word.empty()) {
      words.insert(word);
      word.clear();
    }
  }
  if (!word.empty()) words.insert(word);
  std::optional<std::string> found;
  for (const auto& d : MersinDistricts()) {
    if (words.count(MatchKey(d)) == 0) continue;
    if (found && *found != d) return std::nullopt;  // two districts: ask again
    found = d;
  }
  return found;
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    Next(s, i);
    ++n;
  }
  return n;
}

std::string TruncateUtf8(std::string_view s, size_t max_chars) {
  if (Utf8Length(s) <= max_chars) return std::string(s);
  if (max_chars == 0) return "";
  std::string out;
  size_t n = 0;
  for (size_t i = 0; i < s.size() && n + 1 < max_chars; ++n) {
    size_t start = i;
    Next(s, i);
    out.append(s.substr(start, i - start));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += "\xE2\x80\xA6";  // …
  return out;
}

}  // namespace teksin::common
