#include "vault/contact_vault.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace teksin::vault {
namespace {

constexpr char kKeyHex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kOtherKeyHex[] = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

ContactCipher Cipher(const char* hex = kKeyHex) {
  auto c = ContactCipher::FromKeyText(hex);
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

ContactAddress Ayse() {
  ContactAddress a;
  a.whatsapp_id = "905321112233";
  a.phone_number_id = "1029384756";
  a.language = "tr";
  return a;
}

TEST(ContactCipher, KeyMustBe32BytesAsHexOrBase64) {
  EXPECT_TRUE(ContactCipher::FromKeyText(kKeyHex).ok());
  std::string raw = absl::HexStringToBytes(kKeyHex);
  EXPECT_TRUE(ContactCipher::FromKeyText(absl::Base64Escape(raw)).ok());
  EXPECT_TRUE(ContactCipher::FromKeyText(absl::WebSafeBase64Escape(raw)).ok());
  // The same key in either form seals records the other opens.
  auto hex = ContactCipher::FromKeyText(kKeyHex);
  auto b64 = ContactCipher::FromKeyText(absl::Base64Escape(raw));
  ASSERT_TRUE(hex.ok() && b64.ok());
  EXPECT_EQ(hex->key_id(), b64->key_id());
  auto sealed = hex->Seal("case-1", "merhaba");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(*b64->Open("case-1", *sealed), "merhaba");

  for (const char* bad : {"", "short", "00010203", "not base64 at all!!",
                          "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e"}) {
    auto c = ContactCipher::FromKeyText(bad);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ContactCipher, RoundTripHidesThePlaintextAndUsesAFreshNonce) {
  ContactCipher c = Cipher();
  auto a = c.Seal("case-1", "+905321112233");
  auto b = c.Seal("case-1", "+905321112233");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);  // random nonce per record
  EXPECT_EQ(a->find("905321112233"), std::string::npos);
  EXPECT_EQ(a->rfind("v1." + c.key_id() + ".", 0), 0u) << *a;
  EXPECT_EQ(*c.Open("case-1", *a), "+905321112233");
  EXPECT_EQ(*c.Open("case-1", *b), "+905321112233");
}

TEST(ContactCipher, TamperingAnotherCaseAndAnotherKeyAreDetected) {
  ContactCipher c = Cipher();
  auto sealed = c.Seal("case-1", "+905321112233");
  ASSERT_TRUE(sealed.ok());
  // Flip one bit of the ciphertext (inside the base64 payload).
  std::string raw;
  const size_t dot = sealed->rfind('.');
  ASSERT_TRUE(absl::WebSafeBase64Unescape(sealed->substr(dot + 1), &raw));
  for (size_t i : {size_t{0}, size_t{13}, raw.size() - 1}) {  // nonce, ciphertext, tag
    std::string t = raw;
    t[i] ^= 0x01;
    std::string tampered = sealed->substr(0, dot + 1) + absl::WebSafeBase64Escape(t);
    EXPECT_EQ(c.Open("case-1", tampered).status().code(), absl::StatusCode::kDataLoss) << i;
  }
  // A record moved to another case does not open there (the case id is associated data).
  EXPECT_EQ(c.Open("case-2", *sealed).status().code(), absl::StatusCode::kDataLoss);
  // Another key: refused by key id, and by the tag when the key id is forged.
  ContactCipher other = Cipher(kOtherKeyHex);
  EXPECT_EQ(other.Open("case-1", *sealed).status().code(), absl::StatusCode::kDataLoss);
  std::string forged = "v1." + other.key_id() + sealed->substr(sealed->find('.', 3));
  EXPECT_EQ(other.Open("case-1", forged).status().code(), absl::StatusCode::kDataLoss);
  // Not a record at all.
  EXPECT_EQ(c.Open("case-1", "hello").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.Open("case-1", "v1.x.AAAA").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(InMemoryContactVault, StoresSealedAddressesPerCase) {
  InMemoryContactVault v(Cipher());
  ASSERT_TRUE(v.Put("case-1", Ayse()).ok());
  ASSERT_TRUE(v.Put("case-empty", ContactAddress{}).ok());  // nothing to store
  auto got = v.Get("case-1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->whatsapp_id, "905321112233");
  EXPECT_EQ((*got)->phone_number_id, "1029384756");
  EXPECT_EQ((*got)->language, "tr");
  EXPECT_TRUE((*got)->phone_e164.empty());
  EXPECT_FALSE(v.Get("case-empty")->has_value());
  EXPECT_FALSE(v.Get("nope")->has_value());
  EXPECT_EQ(v.records()["case-1"].find("905321112233"), std::string::npos);
  v.records()["case-1"][10] ^= 0x02;
  EXPECT_EQ(v.Get("case-1").status().code(), absl::StatusCode::kDataLoss);
}

TEST(ReadContactVaultKey, RequiredOptionalAndMalformed) {
  {
    common::EnvReader env(std::map<std::string, std::string>{});
    EXPECT_FALSE(ReadContactVaultKey(env, false).has_value());
    EXPECT_TRUE(env.Finish().ok());
  }
  {
    common::EnvReader env(std::map<std::string, std::string>{});
    EXPECT_FALSE(ReadContactVaultKey(env, true).has_value());
    EXPECT_FALSE(env.Finish().ok());
  }
  {
    common::EnvReader env(std::map<std::string, std::string>{{"TEKSIN_CONTACT_VAULT_KEY", "too-short"}});
    EXPECT_FALSE(ReadContactVaultKey(env, false).has_value());
    auto s = env.Finish();
    EXPECT_NE(s.message().find("TEKSIN_CONTACT_VAULT_KEY"), std::string::npos) << s;
  }
  {
    common::EnvReader env(std::map<std::string, std::string>{{"TEKSIN_CONTACT_VAULT_KEY", kKeyHex}, {"TEKSIN_CONTACT_VAULT_TTL_DAYS", "30"}});
    EXPECT_TRUE(ReadContactVaultKey(env, true).has_value());
    EXPECT_EQ(ReadContactVaultTtl(env), absl::Hours(24 * 30));
    EXPECT_TRUE(env.Finish().ok());
  }
}

}  // namespace
}  // namespace teksin::vault
