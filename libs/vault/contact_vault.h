// The contact vault: how to reach the citizen about a case, kept apart from every event (KVKK).
// A channel stores the reply address when it accepts a case (the WhatsApp sender number, the
// phone given to Open311 or the call centre, the app's device token), sealed with AES-256-GCM
// under TEKSIN_CONTACT_VAULT_KEY and bound to the case id; only the notifier opens it.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/env.h"
#include "redis/client.h"

namespace teksin::vault {

// Where a case's citizen can be reached. Any field may be empty; all empty means "no address".
struct ContactAddress {
  std::string whatsapp_id;      // WhatsApp id of the sender (digits, as Meta sends it)
  std::string phone_e164;       // "+905321234567": SMS
  std::string push_token;       // the app's device token (Open311 device_id)
  std::string phone_number_id;  // WhatsApp: the business number the citizen wrote to
  std::string language;         // "tr" or "en"

  bool empty() const { return whatsapp_id.empty() && phone_e164.empty() && push_token.empty(); }
};

std::string ToJson(const ContactAddress& a);
absl::StatusOr<ContactAddress> ContactFromJson(std::string_view text);

// AES-256-GCM with a random 96-bit nonce per record and the case id as associated data, so a
// record copied to another case's key does not open. Sealed form (text, Redis-safe):
// "v1.<key id>.<base64url(nonce | ciphertext | tag)>", key id = first 8 hex of SHA-256(key).
class ContactCipher {
 public:
  // `key_text`: 32 bytes as 64 hex characters, or as base64 (standard or URL alphabet).
  static absl::StatusOr<ContactCipher> FromKeyText(std::string_view key_text);
  absl::StatusOr<std::string> Seal(std::string_view case_id, std::string_view plaintext) const;
  // DataLoss when the record was tampered with, belongs to another case, or was sealed under
  // another key; InvalidArgument when it is not a sealed record at all.
  absl::StatusOr<std::string> Open(std::string_view case_id, std::string_view sealed) const;
  const std::string& key_id() const { return key_id_; }

 private:
  std::string key_;  // 32 raw bytes
  std::string key_id_;
};

// Reads TEKSIN_CONTACT_VAULT_KEY. Required: a missing or malformed key is recorded in `env`.
// Optional: empty → nullopt (the service stores no addresses); malformed is still an error.
std::optional<ContactCipher> ReadContactVaultKey(common::EnvReader& env, bool required);

class ContactVault {
 public:
  virtual ~ContactVault() = default;
  // Stores (or replaces) the address for the case. An empty address stores nothing.
  virtual absl::Status Put(const std::string& case_id, const ContactAddress& address) = 0;
  // nullopt when nothing is stored (or it expired); DataLoss when it cannot be opened.
  virtual absl::StatusOr<std::optional<ContactAddress>> Get(const std::string& case_id) = 0;
};

// "<prefix>:vault:<case id>" → sealed record, with a TTL (TEKSIN_CONTACT_VAULT_TTL_DAYS).
class RedisContactVault : public ContactVault {
 public:
  RedisContactVault(redis::RedisClient& redis, std::string prefix, ContactCipher cipher,
                    absl::Duration ttl)
      : redis_(redis), prefix_(std::move(prefix)), cipher_(std::move(cipher)), ttl_(ttl) {}
  absl::Status Put(const std::string& case_id, const ContactAddress& address) override;
  absl::StatusOr<std::optional<ContactAddress>> Get(const std::string& case_id) override;
  std::string Key(const std::string& case_id) const { return prefix_ + ":vault:" + case_id; }

 private:
  redis::RedisClient& redis_;
  std::string prefix_;
  ContactCipher cipher_;
  absl::Duration ttl_;
};

// For unit tests: sealed records in a map (so the crypto is exercised), no TTL.
class InMemoryContactVault : public ContactVault {
 public:
  explicit InMemoryContactVault(ContactCipher cipher) : cipher_(std::move(cipher)) {}
  absl::Status Put(const std::string& case_id, const ContactAddress& address) override;
  absl::StatusOr<std::optional<ContactAddress>> Get(const std::string& case_id) override;
  // The stored record, for tamper tests.
  std::map<std::string, std::string>& records() { return records_; }

 private:
  ContactCipher cipher_;
  std::mutex mu_;
  std::map<std::string, std::string> records_;
};

// TEKSIN_CONTACT_VAULT_TTL_DAYS (default 400, 1..3650).
absl::Duration ReadContactVaultTtl(common::EnvReader& env);

}  // namespace teksin::vault
