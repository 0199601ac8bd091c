#include "vault/contact_vault.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "nlohmann/json.hpp"

namespace teksin::vault {
namespace {

constexpr size_t kKeyBytes = 32, kNonceBytes = 12, kTagBytes = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

std::string ToJson(const ContactAddress& a) {
  nlohmann::json j = nlohmann::json::object();
  if (!a.whatsapp_id.empty()) j["wa"] = a.whatsapp_id;
  if (!a.phone_e164.empty()) j["tel"] = a.phone_e164;
  if (!a.push_token.empty()) j["push"] = a.push_token;
  if (!a.phone_number_id.empty()) j["wa_from"] = a.phone_number_id;
  if (!a.language.empty()) j["lang"] = a.language;
  j["v"] = 1;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<ContactAddress> ContactFromJson(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return absl::DataLossError("vault record is not JSON");
  ContactAddress a;
  auto str = [&j](const char* k) {
    return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
  };
  a.whatsapp_id = str("wa");
  a.phone_e164 = str("tel");
  a.push_token = str("push");
  a.phone_number_id = str("wa_from");
  a.language = str("lang");
  return a;
}

absl::StatusOr<ContactCipher> ContactCipher::FromKeyText(std::string_view text) {
  std::string raw;
  if (text.size() == 2 * kKeyBytes && IsHex(text)) {
    raw = absl::HexStringToBytes(A(text));
  } else if (!absl::Base64Unescape(A(text), &raw) && !absl::WebSafeBase64Unescape(A(text), &raw)) {
    return absl::InvalidArgumentError("must be 32 bytes as 64 hex characters or base64");
  }
  if (raw.size() != kKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("must be 32 bytes (64 hex characters or base64); it decodes to ", raw.size()));
  }
  ContactCipher c;
  c.key_ = std::move(raw);
  c.key_id_ = common::Sha256Hex(c.key_).substr(0, 8);
  return c;
}

absl::StatusOr<std::string> ContactCipher::Seal(std::string_view case_id,
                                                std::string_view plaintext) const {
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceBytes) != 1) {
    return absl::InternalError("no random bytes for the nonce");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out = nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  auto* ct = reinterpret_cast<unsigned char*>(out.data()) + kNonceBytes;
  int len = 0, total = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, U(key_), U(nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(case_id), static_cast<int>(case_id.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ct, &len, U(plaintext), static_cast<int>(plaintext.size())) != 1) {
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), ct + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, ct + plaintext.size()) != 1) {
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  return absl::StrCat("v1.", key_id_, ".", absl::WebSafeBase64Escape(out));
}

absl::StatusOr<std::string> ContactCipher::Open(std::string_view case_id,
                                                std::string_view sealed) const {
  std::vector<std::string> parts = absl::StrSplit(A(sealed), '.');
  std::string raw;
  if (parts.size() != 3 || parts[0] != "v1" || !absl::WebSafeBase64Unescape(parts[2], &raw) ||
      raw.size() < kNonceBytes + kTagBytes) {
    return absl::InvalidArgumentError("not a sealed vault record");
  }
  if (parts[1] != key_id_) {
    return absl::DataLossError(absl::StrCat("vault record sealed under key ", parts[1],
                                            ", not the configured key ", key_id_));
  }
  const size_t n = raw.size() - kNonceBytes - kTagBytes;
  const auto* nonce = U(raw);
  const auto* ct = nonce + kNonceBytes;
  std::string tag = raw.substr(kNonceBytes + n);
  std::string plain(n, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  auto* pt = reinterpret_cast<unsigned char*>(plain.data());
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, U(key_), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(case_id), static_cast<int>(case_id.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), pt, &len, ct, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1) {
    return absl::InternalError("AES-256-GCM decryption failed");
  }
  int fin = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), pt + len, &fin) != 1) {
    return absl::DataLossError("vault record failed authentication (tampered, or another case's)");
  }
  return plain;
}

std::optional<ContactCipher> ReadContactVaultKey(common::EnvReader& env, bool required) {
  const std::string name = "TEKSIN_CONTACT_VAULT_KEY";
  std::string text = required ? env.Required(name) : env.String(name, "");
  if (text.empty()) return std::nullopt;
  auto c = ContactCipher::FromKeyText(text);
  if (!c.ok()) {
    env.Reject(name, std::string(c.status().message()));
    return std::nullopt;
  }
  return *std::move(c);
}

absl::Duration ReadContactVaultTtl(common::EnvReader& env) {
  return absl::Hours(24 * env.Int("TEKSIN_CONTACT_VAULT_TTL_DAYS", 400, 1, 3650));
}

absl::Status RedisContactVault::Put(const std::string& case_id, const ContactAddress& address) {
  if (address.empty()) return absl::OkStatus();
  auto sealed = cipher_.Seal(case_id, ToJson(address));
  if (!sealed.ok()) return sealed.status();
  auto r = redis_.Command({"SET", Key(case_id), *sealed, "EX",
                           std::to_string(absl::ToInt64Seconds(ttl_))});
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<std::optional<ContactAddress>> RedisContactVault::Get(const std::string& case_id) {
  auto r = redis_.Command({"GET", Key(case_id)});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return std::nullopt;
  auto plain = cipher_.Open(case_id, r->str);
  if (!plain.ok()) return absl::DataLossError(plain.status().message());
  auto a = ContactFromJson(*plain);
  if (!a.ok()) return a.status();
  return std::optional<ContactAddress>(*std::move(a));
}

absl::Status InMemoryContactVault::Put(const std::string& case_id, const ContactAddress& address) {
  if (address.empty()) return absl::OkStatus();
  auto sealed = cipher_.Seal(case_id, ToJson(address));
  if (!sealed.ok()) return sealed.status();
  std::lock_guard<std::mutex> lock(mu_);
  records_[case_id] = *sealed;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ContactAddress>> InMemoryContactVault::Get(const std::string& case_id) {
  std::string sealed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = records_.find(case_id);
    if (it == records_.end()) return std::nullopt;
    sealed = it->second;
  }
  auto plain = cipher_.Open(case_id, sealed);
  if (!plain.ok()) return absl::DataLossError(plain.status().message());
  auto a = ContactFromJson(*plain);
  if (!a.ok()) return a.status();
  return std::optional<ContactAddress>(*std::move(a));
}

}  // namespace teksin::vault
