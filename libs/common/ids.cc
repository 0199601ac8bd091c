#include "common/ids.h"

#include <array>
#include <cctype>
#include <random>

#include "common/crypto.h"

namespace teksin::common {
namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

uint64_t RandomU64() {
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  return rng();
}
}  // namespace

std::string NewId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  uint64_t a = RandomU64(), b = RandomU64();
  for (int i = 0; i < 16; ++i) {
    out[i] = kHex[(a >> (4 * i)) & 0xF];
    out[16 + i] = kHex[(b >> (4 * i)) & 0xF];
  }
  return out;
}

std::string DerivedId(std::string_view parent, std::string_view purpose) {
  std::string input(parent);
  input.push_back('/');
  input.append(purpose);
  return Sha256Hex(input).substr(0, 32);
}

std::string NewTrackingCode() {
  uint64_t r = RandomU64();
  std::string out;
  out.reserve(11);
  for (int i = 0; i < 10; ++i) {
    if (i == 5) out.push_back('-');
    out.push_back(kCrockford[(r >> (5 * i)) & 0x1F]);
  }
  return out;
}

bool NormalizeTrackingCode(std::string_view in, std::string* out) {
  std::string chars;
  for (char c : in) {
    if (c == '-' || c == ' ') continue;
    char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (u == 'O') u = '0';
    if (u == 'I' || u == 'L') u = '1';
    bool ok = false;
    for (const char* p = kCrockford; *p; ++p) ok = ok || (*p == u);
    if (!ok) return false;
    chars.push_back(u);
  }
  if (chars.size() != 10) return false;
  *out = chars.substr(0, 5) + "-" + chars.substr(5);
  return true;
}

}  // namespace teksin::common
