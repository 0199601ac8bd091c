#include "common/phone.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace teksin::common {

absl::StatusOr<std::string> NormalizeTurkishPhone(std::string_view raw) {
  std::string digits;
  bool plus = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits.push_back(c);
    } else if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.') {
      continue;
    } else {
      return absl::InvalidArgumentError("phone number contains characters other than digits");
    }
  }
  if (digits.rfind("0090", 0) == 0) digits = digits.substr(4);
  else if (digits.size() == 12 && digits.rfind("90", 0) == 0) digits = digits.substr(2);
  else if (digits.size() == 11 && digits[0] == '0') digits = digits.substr(1);
  else if (plus) return absl::InvalidArgumentError("only Turkish (+90) numbers are accepted");
  if (digits.size() != 10) {
    return absl::InvalidArgumentError("a Turkish phone number has 10 digits after the 0 or +90");
  }
  if (digits[0] != '5' && digits[0] != '2' && digits[0] != '3' && digits[0] != '4' &&
      digits[0] != '8') {
    return absl::InvalidArgumentError("not a Turkish mobile or landline number");
  }
  return absl::StrCat("+90", digits);
}

std::string CitizenKey(std::string_view secret, std::string_view e164) {
  return absl::StrCat("ck1_", HmacSha256Hex(secret, e164).substr(0, 40));
}

std::string ReadCitizenKeySecret(EnvReader& env) {
  std::string secret = env.Required("TEKSIN_CITIZEN_KEY_SECRET");
  if (!secret.empty() && secret.size() < 16) {
    env.Reject("TEKSIN_CITIZEN_KEY_SECRET", "must be at least 16 characters");
  }
  return secret;
}

}  // namespace teksin::common
