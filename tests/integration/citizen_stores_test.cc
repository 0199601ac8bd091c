// The stores that let the citizen hear back, against a real redis-server: the contact vault
// (sealed addresses with a TTL), the notifier's log of what was sent, and the WhatsApp channel's
// last resolved case per citizen.
#include "absl/strings/str_cat.h"
#include "channel_whatsapp/feedback.h"
#include "gtest/gtest.h"
#include "notifier/notification_log.h"
#include "redis/client.h"
#include "support/redis_fixture.h"
#include "support/suite_harness.h"
#include "vault/contact_vault.h"

namespace teksin::testing {
namespace {

constexpr char kKey[] = "1f1e1d1c1b1a19181716151413121110f0e0d0c0b0a090807060504030201000";
constexpr char kOtherKey[] = "2f1e1d1c1b1a19181716151413121110f0e0d0c0b0a090807060504030201000";

class CitizenStoresTest : public RedisFixture<> {
 protected:
  void SetUp() override {
    RedisFixture::SetUp();
    if (HasFatalFailure()) return;
    prefix_ = UniquePrefix("citizen");
  }
  vault::ContactCipher Cipher(const char* key = kKey) { return *vault::ContactCipher::FromKeyText(key); }
  std::string prefix_;
};

TEST_F(CitizenStoresTest, ContactVaultSealsAddressesWithATtlAndDetectsTampering) {
  vault::RedisContactVault v(*client_, prefix_, Cipher(), absl::Hours(24 * 400));
  vault::ContactAddress a;
  a.phone_e164 = "+905321234567";
  a.push_token = "fcm:device-token-ğüşiöç";
  a.language = "en";
  ASSERT_TRUE(v.Put("case-1", a).ok());
  auto got = v.Get("case-1");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
  EXPECT_EQ((*got)->phone_e164, "+905321234567");
  EXPECT_EQ((*got)->push_token, "fcm:device-token-ğüşiöç");
  EXPECT_EQ((*got)->language, "en");
  EXPECT_FALSE(v.Get("case-none")->has_value());
  // What Redis holds: sealed, no number, with the TTL.
  auto raw = client_->Command({"GET", v.Key("case-1")});
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->str.find("5321234567"), std::string::npos);
  EXPECT_EQ(raw->str.rfind("v1.", 0), 0u);
  auto ttl = client_->Command({"TTL", v.Key("case-1")});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 399LL * 86400);
  EXPECT_LE(ttl->integer, 400LL * 86400);
  // Another key cannot read it; a record copied to another case does not open; a flipped byte
  // is detected.
  vault::RedisContactVault other(*client_, prefix_, Cipher(kOtherKey), absl::Hours(1));
  EXPECT_EQ(other.Get("case-1").status().code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(client_->Command({"SET", v.Key("case-2"), raw->str}).ok());
  EXPECT_EQ(v.Get("case-2").status().code(), absl::StatusCode::kDataLoss);
  std::string t = raw->str;
  t[t.size() - 5] = t[t.size() - 5] == 'A' ? 'B' : 'A';
  ASSERT_TRUE(client_->Command({"SET", v.Key("case-3"), t}).ok());
  EXPECT_EQ(v.Get("case-3").status().code(), absl::StatusCode::kDataLoss);
  // Put replaces.
  a.phone_e164 = "+905059876543";
  ASSERT_TRUE(v.Put("case-1", a).ok());
  EXPECT_EQ((*v.Get("case-1"))->phone_e164, "+905059876543");
}

TEST_F(CitizenStoresTest, NotificationLogClaimsOnceFinishesAndReleases) {
  notifier::RedisNotificationLog a(*client_, prefix_);
  notifier::RedisNotificationLog b(*client_, prefix_);  // another instance
  auto first = a.Claim("n-1", absl::Hours(1));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  auto second = b.Claim("n-1", absl::Hours(1));
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ(**second, notifier::kClaimed);
  ASSERT_TRUE(a.Finish("n-1", R"({"status":"sent"})", absl::Hours(1)).ok());
  EXPECT_EQ(**b.Claim("n-1", absl::Hours(1)), R"({"status":"sent"})");
  ASSERT_TRUE(a.Release("n-1").ok());
  EXPECT_FALSE(b.Claim("n-1", absl::Hours(1))->has_value());
  auto ttl = client_->Command({"TTL", a.Key("n-1")});
  EXPECT_GT(ttl->integer, 0);
}

TEST_F(CitizenStoresTest, ResolvedCaseStoreKeepsTheLatestAndForgetsOnlyItsCase) {
  channel_whatsapp::RedisResolvedCaseStore s(*client_, prefix_);
  ASSERT_TRUE(s.Put("ck1_a", {"case-2", "BBBBB-22222", 2000}, absl::Hours(1)).ok());
  // An older resolution arriving late does not replace a newer one.
  ASSERT_TRUE(s.Put("ck1_a", {"case-1", "AAAAA-11111", 1000}, absl::Hours(1)).ok());
  auto got = s.Get("ck1_a");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->case_id, "case-2");
  EXPECT_EQ((*got)->tracking_code, "BBBBB-22222");
  ASSERT_TRUE(s.Forget("ck1_a", "case-1").ok());  // not the stored one
  EXPECT_TRUE(s.Get("ck1_a")->has_value());
  ASSERT_TRUE(s.Forget("ck1_a", "case-2").ok());
  EXPECT_FALSE(s.Get("ck1_a")->has_value());
  EXPECT_FALSE(s.Get("ck1_nobody")->has_value());
}

}  // namespace
}  // namespace teksin::testing
