#include "common/turkish_text.h"

#include <cstdint>
#include <set>

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

void Append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

uint32_t LowerCp(uint32_t cp) {
  switch (cp) {
    case 'I': return 0x0131;     // I → ı (dotless)
    case 0x0130: return 'i';     // İ → i
    case 0x00C7: return 0x00E7;  // Ç
    case 0x011E: return 0x011F;  // Ğ
    case 0x00D6: return 0x00F6;  // Ö
    case 0x015E: return 0x015F;  // Ş
    case 0x00DC: return 0x00FC;  // Ü
    case 0x00C2: return 0x00E2;  // Â
    case 0x00CE: return 0x00EE;  // Î
    case 0x00DB: return 0x00FB;  // Û
    default: break;
  }
  if (cp >= 'A' && cp <= 'Z') return cp + ('a' - 'A');
  return cp;
}

// After lower-casing: the base letter without its Turkish mark.
uint32_t Unmark(uint32_t cp) {
  switch (cp) {
    case 0x00E7: return 'c';  // ç
    case 0x011F: return 'g';  // ğ
    case 0x0131: return 'i';  // ı
    case 0x00F6: return 'o';  // ö
    case 0x015F: return 's';  // ş
    case 0x00FC: return 'u';  // ü
    case 0x00E2: return 'a';  // â
    case 0x00EE: return 'i';  // î
    case 0x00FB: return 'u';  // û
    default: return cp;
  }
}

bool IsSpace(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' ||
         cp == 0x00A0;
}

}  // namespace

std::string TurkishLower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    uint32_t cp = Next(s, i);
    if (cp == kInvalid) {
      out.append(s.substr(start, i - start));
      continue;
    }
    Append(out, LowerCp(cp));
  }
  return out;
}

std::string MatchKey(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    uint32_t cp = Next(s, i);
    if (cp == kInvalid) {
      out.append(s.substr(start, i - start));
      continue;
    }
    if (cp == 0x0307) continue;  // combining dot above
    if (IsSpace(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    Append(out, Unmark(LowerCp(cp)));
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
