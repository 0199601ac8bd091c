// Hashes for ids and for the citizen key (KVKK: citizens are keyed by a keyed hash, never by
// their phone number).
#pragma once

#include <string>
#include <string_view>

namespace teksin::common {

std::string Sha256Hex(std::string_view data);
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// Constant-time comparison for secrets and signatures.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace teksin::common
