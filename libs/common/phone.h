// Turkish phone numbers to E.164, and the citizen key derived from them.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/env.h"

namespace teksin::common {

// Accepts the forms people write: "0532 123 45 67", "+90 532 123 4567", "90-532-1234567",
// "5321234567", "(0324) 185 00 00". Returns "+905321234567", or InvalidArgument.
absl::StatusOr<std::string> NormalizeTurkishPhone(std::string_view raw);

// The citizen key: HMAC-SHA256 of the E.164 number under the deployment's secret, hex, prefixed
// "ck1_" so that a key version change is visible. The same person gets the same key on every channel.
std::string CitizenKey(std::string_view secret, std::string_view e164);

// Reads TEKSIN_CITIZEN_KEY_SECRET, which every channel needs (the same value everywhere, so that a
// citizen is recognised across channels): required, at least 16 characters. Problems are
// recorded in `env` and reported by its Finish().
std::string ReadCitizenKeySecret(EnvReader& env);

}  // namespace teksin::common
