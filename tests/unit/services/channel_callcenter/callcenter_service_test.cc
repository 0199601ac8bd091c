// The call centre channel with an in-memory broker, case index, rate limiter and idempotency
// store: what an operator's console gets back, what goes on teksin.channel.callcenter.contacts.v1,
// and what the caller look-up and the nearby search show as the case's events arrive.
#include "channel_callcenter/callcenter_service.h"

#include <atomic>
#include <string>

#include "channel/guards.h"
#include "channel_callcenter/callcenter_grpc.h"
#include "channel_callcenter/case_index.h"
#include "common/ids.h"
#include "common/phone.h"
#include "events/in_memory.h"
#include "events/topics.h"
#include "kafka/publisher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/envelopes.h"
#include "support/reference_data.h"
#include "support/status.h"

namespace teksin::channel_callcenter {
namespace {

using ::teksin::testing::kAdanaCity;
using ::teksin::testing::kAkdeniz;
using ::teksin::testing::kMezitli;
using ::teksin::testing::kTarsusCentre;
using ::teksin::testing::SetOwner;
using ::teksin::testing::TaskChange;
using ::teksin::testing::TrTime;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kTopic[] = "teksin.channel.callcenter.contacts.v1";
constexpr char kSecret[] = "citizen-key-secret-0123456789";
constexpr char kPhone[] = "0532 123 45 67";
constexpr char kE164[] = "+905321234567";

// The idempotency store, counting what it remembers so a test can tell nothing was.
class CountingIdempotencyStore : public channel::InMemoryIdempotencyStore {
 public:
  absl::StatusOr<std::string> Remember(const std::string& key, const std::string& answer,
                                       absl::Duration ttl) override {
    ++remembered;
    return InMemoryIdempotencyStore::Remember(key, answer, ttl);
  }
  int remembered = 0;
};

// An Alo 185 operator registers a pothole in central Tarsus for a caller.
v1::LogContactRequest PotholeCall(const std::string& key = "console-7:call-0001") {
  v1::LogContactRequest r;
  r.set_idempotency_key(key);
  r.set_outcome(v1::CONTACT_OUTCOME_CASE_REQUESTED);
  r.set_channel(v1::CHANNEL_CALL_CENTER);
  r.set_operator_id("op-melike");
  r.set_caller_phone(kPhone);
  r.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  r.set_category("yol-sokak");
  r.set_text("Sokağımızda büyük bir çukur var, araçlar zarar görüyor.");
  r.mutable_location()->set_has_coordinates(true);
  r.mutable_location()->set_lat(kTarsusCentre.lat);
  r.mutable_location()->set_lon(kTarsusCentre.lon);
  r.mutable_location()->set_neighbourhood("Kızılmurat");
  r.set_age_group(v1::AGE_GROUP_45_64);
  return r;
}

// The same caller asks when the water comes back: answered on the spot.
v1::LogContactRequest InformationCall(const std::string& key = "console-7:call-0002") {
  v1::LogContactRequest r;
  r.set_idempotency_key(key);
  r.set_outcome(v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT);
  r.set_operator_id("op-melike");
  r.set_caller_phone(kPhone);
  r.set_request_type(v1::REQUEST_TYPE_INFORMATION);
  r.set_category("su-kesintisi");
  r.set_text("Su kesintisi ne zaman bitecek?");
  return r;
}

class CallCenterServiceTest : public ::testing::Test {
 protected:
  CallCenterOptions Options() {
    CallCenterOptions o;
    o.citizen_key_secret = kSecret;
    o.rate_limit = 1000;
    return o;
  }
  ContactAnswer LogOk(const v1::LogContactRequest& r) {
    auto a = service_.LogContact(r);
    EXPECT_OK(a);
    return a.ok() ? *a : ContactAnswer();
  }
  std::vector<events::OutgoingEvent> Published() { return publisher_.Published(kTopic); }
  double Counter(const std::string& name, const metrics::Labels& labels) {
    return registry_.AddCounter(name, "", {}).With(labels).Value();
  }
  double Contacts(const std::string& outcome, const std::string& channel) {
    return Counter("teksin_channel_callcenter_contacts_total", {outcome, channel});
  }
  double Errors(const std::string& rpc, const std::string& code) {
    return Counter("teksin_channel_callcenter_errors_total", {rpc, code});
  }
  std::string CitizenKey() { return common::CitizenKey(kSecret, kE164); }
  absl::Status Project(v1::Envelope e, const std::string& topic = "teksin.intake.cases.v1") {
    return service_.Handle(teksin::testing::Consumed(topic, std::move(e)));
  }
  v1::LookupCallerResponse Lookup(const std::string& phone) {
    v1::LookupCallerRequest r;
    r.set_caller_phone(phone);
    r.set_operator_id("op-melike");
    auto out = service_.LookupCaller(r);
    EXPECT_OK(out);
    return out.ok() ? *out : v1::LookupCallerResponse();
  }
  v1::FindNearbyOpenCasesResponse Nearby(double lat, double lon, int radius = 0,
                                         const std::string& category = "") {
    v1::FindNearbyOpenCasesRequest r;
    r.set_lat(lat);
    r.set_lon(lon);
    r.set_radius_m(radius);
    r.set_category(category);
    r.set_operator_id("op-melike");
    auto out = service_.FindNearbyOpenCases(r);
    EXPECT_OK(out);
    return out.ok() ? *out : v1::FindNearbyOpenCasesResponse();
  }
  // A case of `citizen_key` as intake registers it.
  v1::Case Registered(const std::string& case_id, const std::string& category, double lat,
                      double lon, absl::Time received, const std::string& citizen_key = "") {
    v1::Case c = teksin::testing::CaseAt(case_id, category, lat, lon);
    c.set_tracking_code(common::NewTrackingCode());
    c.set_citizen_key(citizen_key.empty() ? CitizenKey() : citizen_key);
    c.set_channel(v1::CHANNEL_CALL_CENTER);
    *c.mutable_received_at() = common::ToProto(received);
    c.mutable_location()->set_district(districts_.Locate(lat, lon).value_or(""));
    c.set_status(v1::CASE_STATUS_REGISTERED);
    return c;
  }

  common::FakeClock clock_{TrTime(2026, 5, 22, 10, 0)};
  events::Topics topics_{"teksin"};
  events::InMemoryEventPublisher publisher_;
  InMemoryCaseIndex index_;
  channel::InMemoryRateLimiter limiter_;
  CountingIdempotencyStore idempotency_;
  metrics::Registry registry_;
  const geo::DistrictLocator& districts_ = teksin::testing::RealDistricts();
  CallCenterService service_{teksin::testing::RealCatalogue(), districts_, index_, limiter_,
                             idempotency_, topics_, publisher_, clock_, registry_, Options()};
};

// ---------------------------------------------------------------------------------------------
// Logging contacts

TEST_F(CallCenterServiceTest, CaseRequestedPublishesOneContactAndAnswersWithCaseAndTrackingCode) {
  ContactAnswer a = LogOk(PotholeCall());
  EXPECT_FALSE(a.replayed);
  EXPECT_THAT(a.response.tracking_code(), ::testing::MatchesRegex("[0-9A-Z]{5}-[0-9A-Z]{5}"));
  std::string normalized;
  EXPECT_TRUE(common::NormalizeTrackingCode(a.response.tracking_code(), &normalized));
  EXPECT_EQ(a.response.outcome(), v1::CONTACT_OUTCOME_CASE_REQUESTED);
  EXPECT_EQ(common::FromProto(a.response.received_at()), clock_.Now());

  auto out = Published();
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].key, CitizenKey());  // keyed by the citizen: one caller's contacts in order
  const v1::Envelope& env = out[0].envelope;
  EXPECT_EQ(env.event_type(), "teksin.v1.ContactReceived");
  EXPECT_EQ(env.source(), "channel_callcenter");
  EXPECT_EQ(env.partition_key(), CitizenKey());
  EXPECT_EQ(env.correlation_id(), a.response.case_id());
  const v1::ContactReceived& contact = env.contact_received();
  EXPECT_EQ(contact.contact_id(), a.response.contact_id());
  EXPECT_EQ(contact.channel(), v1::CHANNEL_CALL_CENTER);
  EXPECT_EQ(contact.outcome(), v1::CONTACT_OUTCOME_CASE_REQUESTED);
  EXPECT_EQ(contact.operator_id(), "op-melike");
  const v1::Case& c = contact.requested_case();
  EXPECT_EQ(c.case_id(), a.response.case_id());
  EXPECT_EQ(c.tracking_code(), a.response.tracking_code());
  EXPECT_EQ(c.category(), "yol-sokak");
  EXPECT_EQ(c.request_type(), v1::REQUEST_TYPE_COMPLAINT);
  EXPECT_EQ(c.citizen_key(), CitizenKey());
  EXPECT_EQ(c.location().district(), "Tarsus");  // from the point, as intake will find it
  EXPECT_EQ(c.location().neighbourhood(), "Kızılmurat");
  EXPECT_EQ(c.age_group(), v1::AGE_GROUP_45_64);
  EXPECT_EQ(c.status(), v1::CASE_STATUS_RECEIVED);
  ASSERT_THAT(c.history(), SizeIs(1));
  EXPECT_EQ(c.history(0).actor(), "op-melike");
  EXPECT_EQ(c.language(), "tr");

  EXPECT_EQ(Contacts("case_requested", "call_center"), 1);
  // The caller's history shows the case at once, before intake has run.
  auto seen = Lookup(kPhone);
  ASSERT_THAT(seen.cases(), SizeIs(1));
  EXPECT_EQ(seen.cases(0).tracking_code(), a.response.tracking_code());
  EXPECT_EQ(seen.cases(0).status(), v1::CASE_STATUS_RECEIVED);
  EXPECT_TRUE(seen.cases(0).open());
  // Not yet in the nearby search: intake may still reject it.
  EXPECT_THAT(index_.GeoMembers(), IsEmpty());
}

TEST_F(CallCenterServiceTest, AnsweredOnSpotIsAContactWithoutACase) {
  ContactAnswer a = LogOk(InformationCall());
  EXPECT_FALSE(a.response.contact_id().empty());
  EXPECT_TRUE(a.response.case_id().empty());
  EXPECT_TRUE(a.response.tracking_code().empty());
  auto out = Published();
  ASSERT_THAT(out, SizeIs(1));
  const auto& contact = out[0].envelope.contact_received();
  EXPECT_EQ(contact.outcome(), v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT);
  // What the call was about, but nothing intake would register.
  EXPECT_EQ(contact.requested_case().category(), "su-kesintisi");
  EXPECT_TRUE(contact.requested_case().case_id().empty());
  EXPECT_TRUE(contact.requested_case().tracking_code().empty());
  EXPECT_EQ(out[0].envelope.correlation_id(), a.response.contact_id());
  EXPECT_EQ(Contacts("answered_on_spot", "call_center"), 1);
  EXPECT_THAT(Lookup(kPhone).cases(), IsEmpty());
}

TEST_F(CallCenterServiceTest, TransferredContactRecordsWhereTheCallerWent) {
  v1::LogContactRequest r = InformationCall("console-7:call-0003");
  r.set_outcome(v1::CONTACT_OUTCOME_TRANSFERRED);
  r.set_category("elektrik");
  r.set_transferred_to("toroslar-edas");
  ContactAnswer a = LogOk(r);
  EXPECT_TRUE(a.response.case_id().empty());
  auto out = Published();
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].envelope.contact_received().requested_case().attributes().at("transferred_to"),
            "toroslar-edas");
  EXPECT_EQ(Contacts("transferred", "call_center"), 1);
}

TEST_F(CallCenterServiceTest, AnsweredOnSpotNeedsNoCategoryOrLocation) {
  v1::LogContactRequest r;
  r.set_idempotency_key("console-7:call-0004");
  r.set_outcome(v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT);
  r.set_operator_id("op-melike");
  EXPECT_OK(service_.LogContact(r));
  // Without a number the contact is keyed by its own id.
  auto out = Published();
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].key, out[0].envelope.contact_received().contact_id());
}

TEST_F(CallCenterServiceTest, RegisterCaseWithDistrictOnlyTakesTheBoundaryFileSpelling) {
  v1::RegisterCaseRequest r;
  r.set_idempotency_key("console-7:call-0005");
  r.set_operator_id("op-melike");
  r.set_caller_phone("+90 532 123 4567");  // the same caller, another form of the number
  r.set_category("cop-alinmadi");
  r.set_text("Üç gündür çöpler alınmadı.");
  r.mutable_location()->set_district("YENİŞEHİR");
  r.mutable_location()->set_neighbourhood("Menteş");
  auto a = service_.RegisterCase(r);
  ASSERT_OK(a);
  EXPECT_FALSE(a->response.tracking_code().empty());
  auto out = Published();
  ASSERT_THAT(out, SizeIs(1));
  const v1::ContactReceived& contact = out[0].envelope.contact_received();
  EXPECT_EQ(contact.outcome(), v1::CONTACT_OUTCOME_CASE_REQUESTED);
  EXPECT_EQ(contact.channel(), v1::CHANNEL_CALL_CENTER);
  EXPECT_FALSE(contact.requested_case().location().has_coordinates());
  EXPECT_EQ(contact.requested_case().location().district(), "Yenişehir");
  EXPECT_EQ(contact.requested_case().citizen_key(), CitizenKey());
  EXPECT_EQ(out[0].key, CitizenKey());
}

TEST_F(CallCenterServiceTest, WalkInDeskContactsCarryTheDesk) {
  v1::LogContactRequest r = PotholeCall("desk-tarsus-1:0001");
  r.clear_channel();
  r.clear_operator_id();
  r.set_desk_id("desk-tarsus-1");
  ContactAnswer a = LogOk(r);
  auto out = Published();
  ASSERT_THAT(out, SizeIs(1));
  const auto& contact = out[0].envelope.contact_received();
  EXPECT_EQ(contact.channel(), v1::CHANNEL_WALK_IN);
  EXPECT_EQ(contact.operator_id(), "desk-tarsus-1");
  EXPECT_EQ(contact.requested_case().channel(), v1::CHANNEL_WALK_IN);
  EXPECT_EQ(contact.requested_case().attributes().at("desk_id"), "desk-tarsus-1");
  EXPECT_EQ(Contacts("case_requested", "walk_in"), 1);

  // A walk-in contact needs its desk.
  v1::LogContactRequest no_desk = PotholeCall("desk-tarsus-1:0002");
  no_desk.set_channel(v1::CHANNEL_WALK_IN);
  auto refused = service_.LogContact(no_desk);
  EXPECT_CODE(refused, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("desk_id is required"));
}

// ---------------------------------------------------------------------------------------------
// Personal data

TEST_F(CallCenterServiceTest, TheNumberIsNeverPublishedLoggedOrIndexed) {
  ::testing::internal::CaptureStderr();
  LogOk(PotholeCall());
  LogOk(InformationCall());
  (void)Lookup(kPhone);
  std::string logs = ::testing::internal::GetCapturedStderr();
  for (const auto& e : Published()) {
    std::string bytes = e.envelope.SerializeAsString();
    std::string text = e.envelope.DebugString();
    for (const char* needle : {"5321234567", "532 123", "0532", "+90532"}) {
      EXPECT_EQ(bytes.find(needle), std::string::npos) << needle;
      EXPECT_EQ(text.find(needle), std::string::npos) << needle;
      EXPECT_EQ(e.key.find(needle), std::string::npos) << needle;
      EXPECT_EQ(logs.find(needle), std::string::npos) << needle;
    }
    EXPECT_NE(e.key, kE164);
    EXPECT_THAT(e.key, ::testing::StartsWith("ck1_"));
  }
  auto indexed = index_.Get(Published()[0].envelope.contact_received().requested_case().case_id());
  ASSERT_TRUE(indexed.has_value());
  EXPECT_EQ(indexed->citizen_key, CitizenKey());
}

// ---------------------------------------------------------------------------------------------
// Bad input: INVALID_ARGUMENT with a Turkish / English reason, nothing published or counted

struct BadCase {
  const char* name;
  std::function<void(v1::LogContactRequest&)> edit;
  const char* english;
};

class CallCenterValidationTest : public CallCenterServiceTest,
                                 public ::testing::WithParamInterface<BadCase> {};

TEST_P(CallCenterValidationTest, RefusedWithAReasonAndNothingPublished) {
  v1::LogContactRequest r = PotholeCall();
  GetParam().edit(r);
  auto a = service_.LogContact(r);
  EXPECT_CODE(a, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(a.status().message(), HasSubstr(" / "));  // Turkish, then English
  EXPECT_THAT(a.status().message(), HasSubstr(GetParam().english));
  EXPECT_THAT(publisher_.All(), IsEmpty());
  EXPECT_EQ(idempotency_.remembered, 0);
  EXPECT_THAT(index_.ByCitizen(CitizenKey(), 10).value(), IsEmpty());
  EXPECT_EQ(Contacts("case_requested", "call_center"), 0);
  EXPECT_EQ(Errors("LogContact", "invalid_argument"), 1);
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, CallCenterValidationTest,
    ::testing::Values(
        BadCase{"UnknownCategory", [](auto& r) { r.set_category("yol-cukur"); },
                "category \"yol-cukur\" is not a service code"},
        BadCase{"BlankText", [](auto& r) { r.set_text("   "); }, "text is required"},
        BadCase{"LongText", [](auto& r) { r.set_text(std::string(4001, 'a')); },
                "longer than 4000"},
        BadCase{"UnknownDistrict",
                [](auto& r) {
                  r.clear_location();
                  r.mutable_location()->set_district("Adana");
                },
                "is not one of the 13 districts"},
        BadCase{"OutsideMersin",
                [](auto& r) {
                  r.mutable_location()->set_lat(kAdanaCity.lat);
                  r.mutable_location()->set_lon(kAdanaCity.lon);
                },
                "outside the 13 districts"},
        BadCase{"NoLocation", [](auto& r) { r.clear_location(); }, "a location is required"},
        BadCase{"LatitudeOutOfRange", [](auto& r) { r.mutable_location()->set_lat(91); },
                "WGS84"},
        BadCase{"BadPhone", [](auto& r) { r.set_caller_phone("12345"); }, "caller_phone"},
        BadCase{"NoIdempotencyKey", [](auto& r) { r.clear_idempotency_key(); },
                "idempotency_key is required"},
        BadCase{"ShortIdempotencyKey", [](auto& r) { r.set_idempotency_key("abc"); },
                "idempotency_key is required"},
        BadCase{"IdempotencyKeyWithSpaces",
                [](auto& r) { r.set_idempotency_key("call 0001 again"); },
                "idempotency_key is required"},
        BadCase{"NoOutcome", [](auto& r) { r.clear_outcome(); }, "outcome must be"},
        BadCase{"OtherChannel", [](auto& r) { r.set_channel(v1::CHANNEL_WHATSAPP); },
                "channel must be CHANNEL_CALL_CENTER or CHANNEL_WALK_IN"},
        BadCase{"NoOperator", [](auto& r) { r.clear_operator_id(); }, "operator_id is required"},
        BadCase{"BadOperatorId", [](auto& r) { r.set_operator_id("op melike"); },
                "operator_id must be"},
        BadCase{"UnknownAgeGroup", [](auto& r) { r.set_age_group(static_cast<v1::AgeGroup>(42)); },
                "age_group"},
        BadCase{"UnknownRequestType",
                [](auto& r) { r.set_request_type(static_cast<v1::RequestType>(42)); },
                "request_type"},
        BadCase{"TransferTargetWithoutTransfer", [](auto& r) { r.set_transferred_to("112"); },
                "transferred_to is only for TRANSFERRED"},
        BadCase{"Language", [](auto& r) { r.set_language("de"); }, "language must be"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST_F(CallCenterServiceTest, AContactAnsweredOnTheSpotMayComeFromOutsideMersin) {
  v1::LogContactRequest r = InformationCall();
  r.mutable_location()->set_has_coordinates(true);
  r.mutable_location()->set_lat(kAdanaCity.lat);
  r.mutable_location()->set_lon(kAdanaCity.lon);
  EXPECT_OK(service_.LogContact(r));
  // ... but a bad category is refused whatever the outcome.
  r.set_idempotency_key("console-7:call-0099");
  r.set_category("yok-boyle-bir-sey");
  EXPECT_CODE(service_.LogContact(r), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Published(), SizeIs(1));
}

// ---------------------------------------------------------------------------------------------
// Idempotency

TEST_F(CallCenterServiceTest, ARetryGetsTheSameAnswerAndPublishesNothingNew) {
  ContactAnswer first = LogOk(PotholeCall());
  clock_.Advance(absl::Seconds(3));
  ContactAnswer retry = LogOk(PotholeCall());
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.response.SerializeAsString(), first.response.SerializeAsString());
  EXPECT_THAT(Published(), SizeIs(1));
  EXPECT_EQ(Contacts("case_requested", "call_center"), 1);
  EXPECT_EQ(Counter("teksin_channel_callcenter_idempotent_replays_total", {}), 1);
  EXPECT_THAT(Lookup(kPhone).cases(), SizeIs(1));
}

TEST_F(CallCenterServiceTest, AKeyReusedForADifferentContactIsRefused) {
  LogOk(PotholeCall());
  v1::LogContactRequest other = PotholeCall();
  other.set_text("Başka bir çukur, başka bir sokak.");
  auto a = service_.LogContact(other);
  EXPECT_CODE(a, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(a.status().message(), HasSubstr("already used for a different contact"));
  EXPECT_THAT(Published(), SizeIs(1));
}

TEST_F(CallCenterServiceTest, KeysAreScopedToTheOperator) {
  ContactAnswer a = LogOk(PotholeCall());
  v1::LogContactRequest colleague = PotholeCall();
  colleague.set_operator_id("op-ezgi");
  ContactAnswer b = LogOk(colleague);
  EXPECT_FALSE(b.replayed);
  EXPECT_NE(a.response.case_id(), b.response.case_id());
  EXPECT_THAT(Published(), SizeIs(2));
}

TEST_F(CallCenterServiceTest, ABrokerOutageAnswersUnavailableAndTheRetryPublishesOnce) {
  publisher_.FailNext(1);
  EXPECT_CODE(service_.LogContact(PotholeCall()), absl::StatusCode::kUnavailable);
  EXPECT_THAT(Published(), IsEmpty());
  EXPECT_EQ(idempotency_.remembered, 0);
  EXPECT_EQ(Errors("LogContact", "unavailable"), 1);
  ContactAnswer a = LogOk(PotholeCall());
  EXPECT_FALSE(a.replayed);
  EXPECT_THAT(Published(), SizeIs(1));
}

TEST_F(CallCenterServiceTest, ARetryThatLostItsAnswerRepublishesTheSameEvent) {
  // Two instances racing on one retry, or a retry after the answer was lost: the same ids, so
  // consumers deduplicate by event id and intake registers one case.
  LogOk(PotholeCall());
  channel::InMemoryIdempotencyStore empty;
  metrics::Registry registry;
  CallCenterService other(teksin::testing::RealCatalogue(), districts_, index_, limiter_, empty,
                          topics_, publisher_, clock_, registry, Options());
  clock_.Advance(absl::Milliseconds(40));
  ASSERT_OK(other.LogContact(PotholeCall()));
  auto out = Published();
  ASSERT_THAT(out, SizeIs(2));
  EXPECT_EQ(out[0].envelope.event_id(), out[1].envelope.event_id());
  EXPECT_EQ(out[0].envelope.contact_received().contact_id(),
            out[1].envelope.contact_received().contact_id());
  EXPECT_EQ(out[0].envelope.contact_received().requested_case().tracking_code(),
            out[1].envelope.contact_received().requested_case().tracking_code());
}

// ---------------------------------------------------------------------------------------------
// Rate limit

TEST_F(CallCenterServiceTest, EachOperatorIsRateLimitedWithARetryAfter) {
  CallCenterOptions o = Options();
  o.rate_limit = 3;
  o.rate_window = absl::Seconds(60);
  clock_.Set(TrTime(2026, 5, 22, 10, 0, 15));
  CallCenterService limited(teksin::testing::RealCatalogue(), districts_, index_, limiter_,
                            idempotency_, topics_, publisher_, clock_, registry_, o);
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(limited.LogContact(InformationCall(absl::StrCat("console-7:rl-", i, "-xyz"))));
  }
  auto refused = limited.LogContact(InformationCall("console-7:rl-3-xyz"));
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("retry after 45 s"));
  auto payload = refused.status().GetPayload(kRetryAfterPayload);
  ASSERT_TRUE(payload.has_value());
  EXPECT_EQ(std::string(*payload), "45");
  grpc::Status g = ToGrpc(nullptr, refused.status());
  EXPECT_EQ(g.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(g.error_message(), HasSubstr("retry after 45 s"));
  EXPECT_THAT(Published(), SizeIs(3));
  // Look-ups count too; a colleague is not affected.
  v1::LookupCallerRequest lookup;
  lookup.set_caller_phone(kPhone);
  lookup.set_operator_id("op-melike");
  EXPECT_CODE(limited.LookupCaller(lookup), absl::StatusCode::kResourceExhausted);
  lookup.set_operator_id("op-ezgi");
  EXPECT_OK(limited.LookupCaller(lookup));
  // The next window admits the operator again.
  clock_.Advance(absl::Seconds(45));
  EXPECT_OK(limited.LogContact(InformationCall("console-7:rl-3-xyz")));
}

// ---------------------------------------------------------------------------------------------
// The caller look-up, kept from the case topics

TEST_F(CallCenterServiceTest, LookupShowsTheCallersCasesNewestFirstWithTheirCurrentStatus) {
  const absl::Time t0 = TrTime(2026, 5, 20, 9, 0);
  v1::Case old_case = Registered("case-old", "su-ariza", kMezitli.lat, kMezitli.lon, t0);
  v1::Case mid_case =
      Registered("case-mid", "park-bakim", kAkdeniz.lat, kAkdeniz.lon, t0 + absl::Hours(5));
  v1::Case new_case = Registered("case-new", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon,
                                 t0 + absl::Hours(30));
  v1::Case neighbour = Registered("case-neighbour", "yol-sokak", kTarsusCentre.lat,
                                  kTarsusCentre.lon, t0 + absl::Hours(31), "ck1_someone-else");
  // Events arrive in an order no caller would guess: the newest first.
  for (const v1::Case* c : {&new_case, &old_case, &neighbour, &mid_case}) {
    absl::Time registered_at = common::FromProto(c->received_at()) + absl::Seconds(1);
    ASSERT_OK(Project(
        teksin::testing::CaseRegisteredEnv("reg-" + c->case_id(), registered_at, *c)));
  }
  v1::Case routed = old_case;
  SetOwner(routed, "meski", v1::OWNER_KIND_UTILITY, "MESKİ Genel Müdürlüğü");
  *routed.mutable_deadline() = common::ToProto(t0 + absl::Hours(24));
  ASSERT_OK(Project(teksin::testing::CaseRoutedEnv("route-old", t0 + absl::Minutes(2), routed,
                                                   "task-1", 1, true),
                    "teksin.routing.decisions.v1"));
  ASSERT_OK(Project(teksin::testing::CaseResolvedEnv("resolve-old", t0 + absl::Hours(20), routed,
                                                     "task-1"),
                    "teksin.routing.decisions.v1"));
  v1::Case routed_mid = mid_case;
  SetOwner(routed_mid, "park-bahceler", v1::OWNER_KIND_METROPOLITAN_DEPARTMENT, "Park ve Bahçeler");
  ASSERT_OK(Project(teksin::testing::CaseRoutedEnv("route-mid", t0 + absl::Minutes(301),
                                                   routed_mid, "task-2", 1, false),
                    "teksin.routing.decisions.v1"));
  TaskChange claim;
  claim.unit_id = "park-bahceler";
  ASSERT_OK(Project(teksin::testing::TaskStatusChangedEnv("claim-mid", t0 + absl::Hours(6),
                                                          routed_mid, claim),
                    "teksin.department.updates.v1"));

  v1::LookupCallerResponse seen = Lookup("0 (532) 123 45 67");
  ASSERT_THAT(seen.cases(), SizeIs(3));
  EXPECT_EQ(seen.cases(0).case_id(), "case-new");
  EXPECT_EQ(seen.cases(1).case_id(), "case-mid");
  EXPECT_EQ(seen.cases(2).case_id(), "case-old");
  EXPECT_EQ(seen.open_cases(), 2);

  EXPECT_EQ(seen.cases(0).status(), v1::CASE_STATUS_REGISTERED);
  EXPECT_EQ(seen.cases(0).category_name(),
            teksin::testing::RealCatalogue().Find("yol-sokak")->name_tr);
  EXPECT_EQ(seen.cases(0).district(), "Tarsus");
  EXPECT_EQ(seen.cases(1).status(), v1::CASE_STATUS_IN_PROGRESS);
  EXPECT_EQ(seen.cases(1).owner().unit_id(), "park-bahceler");
  const v1::CallCenterCase& old_seen = seen.cases(2);
  EXPECT_EQ(old_seen.status(), v1::CASE_STATUS_RESOLVED);
  EXPECT_FALSE(old_seen.open());
  EXPECT_EQ(old_seen.owner().unit_id(), "meski");
  EXPECT_EQ(old_seen.owner().name(), "MESKİ Genel Müdürlüğü");
  EXPECT_EQ(old_seen.owner().kind(), v1::OWNER_KIND_UTILITY);
  EXPECT_EQ(common::FromProto(old_seen.received_at()), t0);
  EXPECT_EQ(common::FromProto(old_seen.deadline()), t0 + absl::Hours(24));
  EXPECT_EQ(common::FromProto(old_seen.closed_at()), t0 + absl::Hours(20));
  EXPECT_EQ(common::FromProto(old_seen.updated_at()), t0 + absl::Hours(20));
  EXPECT_EQ(old_seen.tracking_code(), old_case.tracking_code());

  // A limit keeps the newest.
  v1::LookupCallerRequest r;
  r.set_caller_phone(kPhone);
  r.set_operator_id("op-melike");
  r.set_limit(1);
  auto limited = service_.LookupCaller(r);
  ASSERT_OK(limited);
  ASSERT_THAT(limited->cases(), SizeIs(1));
  EXPECT_EQ(limited->cases(0).case_id(), "case-new");

  // Someone who never called has no cases.
  EXPECT_THAT(Lookup("0505 000 00 00").cases(), IsEmpty());
}

TEST_F(CallCenterServiceTest, StatusMovesOnlyForwardInTimeAndReplaysChangeNothing) {
  const absl::Time t0 = TrTime(2026, 5, 20, 9, 0);
  v1::Case c = Registered("case-1", "su-ariza", kMezitli.lat, kMezitli.lon, t0);
  v1::Case routed = c;
  SetOwner(routed, "meski", v1::OWNER_KIND_UTILITY);
  auto routed_env =
      teksin::testing::CaseRoutedEnv("route-1", t0 + absl::Minutes(2), routed, "task-1", 1, true);
  // Routing's decision is consumed before intake's registration (two topics: no order between
  // them).
  ASSERT_OK(Project(routed_env, "teksin.routing.decisions.v1"));
  ASSERT_OK(Project(teksin::testing::CaseRegisteredEnv("reg-1", t0 + absl::Minutes(1), c)));
  // The channel's own contact, even with a clock ahead of intake's, never goes back to RECEIVED.
  v1::Case received = c;
  received.set_status(v1::CASE_STATUS_RECEIVED);
  ASSERT_OK(Project(
      teksin::testing::ContactReceivedEnv("contact-1", t0 + absl::Hours(1), received), kTopic));
  auto stored = index_.Get("case-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->status, v1::CASE_STATUS_FORWARDED);
  EXPECT_EQ(stored->owner_id, "meski");
  // A replay of the decision is a no-op.
  ASSERT_OK(Project(routed_env, "teksin.routing.decisions.v1"));
  auto again = index_.Get("case-1");
  EXPECT_EQ(again->status, stored->status);
  EXPECT_EQ(again->updated_us, stored->updated_us);
  EXPECT_THAT(Lookup(kPhone).cases(), SizeIs(1));
  // Contacts without a case and other events leave the index alone.
  ASSERT_OK(Project(teksin::testing::ContactReceivedEnv("contact-2", t0, received,
                                                        v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT),
                    kTopic));
  ASSERT_OK(Project(teksin::testing::TaskAssignedEnv("assign-1", t0, "task-1", routed),
                    "teksin.routing.tasks.meski.v1"));
  EXPECT_THAT(Lookup(kPhone).cases(), SizeIs(1));
}

TEST_F(CallCenterServiceTest, RejectedCasesShowAsClosed) {
  const absl::Time t0 = TrTime(2026, 5, 20, 9, 0);
  v1::Case c = Registered("case-r", "su-ariza", kMezitli.lat, kMezitli.lon, t0);
  ASSERT_OK(Project(teksin::testing::CaseRejectedEnv("rej-1", t0 + absl::Seconds(1), c,
                                                     v1::REJECTION_CODE_OUTSIDE_JURISDICTION)));
  auto seen = Lookup(kPhone);
  ASSERT_THAT(seen.cases(), SizeIs(1));
  EXPECT_EQ(seen.cases(0).status(), v1::CASE_STATUS_REJECTED);
  EXPECT_FALSE(seen.cases(0).open());
  EXPECT_EQ(seen.open_cases(), 0);
}

TEST_F(CallCenterServiceTest, LookupNeedsAnOperatorAndAValidNumber) {
  v1::LookupCallerRequest r;
  r.set_caller_phone(kPhone);
  EXPECT_CODE(service_.LookupCaller(r), absl::StatusCode::kInvalidArgument);
  r.set_operator_id("op-melike");
  r.set_caller_phone("");
  EXPECT_CODE(service_.LookupCaller(r), absl::StatusCode::kInvalidArgument);
  r.set_caller_phone("not a number");
  EXPECT_CODE(service_.LookupCaller(r), absl::StatusCode::kInvalidArgument);
  r.set_caller_phone(kPhone);
  r.set_limit(101);
  EXPECT_CODE(service_.LookupCaller(r), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Errors("LookupCaller", "invalid_argument"), 4);
  r.set_limit(0);
  EXPECT_OK(service_.LookupCaller(r));
  EXPECT_EQ(Counter("teksin_channel_callcenter_lookups_total", {"caller"}), 1);
}

// ---------------------------------------------------------------------------------------------
// Open cases nearby

// A point `north_m` metres north and `east_m` east of (lat, lon).
std::pair<double, double> Offset(double lat, double lon, double north_m, double east_m) {
  constexpr double kMetresPerDegree = 6372797.560856 * M_PI / 180.0;
  return {lat + north_m / kMetresPerDegree,
          lon + east_m / (kMetresPerDegree * std::cos(lat * M_PI / 180.0))};
}

TEST_F(CallCenterServiceTest, NearbyFindsRegisteredOpenCasesOfTheCategoryNearestFirst) {
  const absl::Time t0 = TrTime(2026, 5, 20, 9, 0);
  const double lat = kTarsusCentre.lat, lon = kTarsusCentre.lon;
  auto [lat50, lon50] = Offset(lat, lon, 50, 0);
  auto [lat150, lon150] = Offset(lat, lon, 0, -150);
  auto [lat400, lon400] = Offset(lat, lon, 400, 0);
  auto [lat10k, lon10k] = Offset(lat, lon, 0, -10000);
  struct Planned {
    const char* id;
    const char* category;
    double lat, lon;
  };
  for (const Planned& p : {Planned{"far-150", "yol-sokak", lat150, lon150},
                           Planned{"near-50", "yol-sokak", lat50, lon50},
                           Planned{"other-category", "su-ariza", lat, lon},
                           Planned{"out-400", "yol-sokak", lat400, lon400},
                           Planned{"ten-km", "yol-sokak", lat10k, lon10k}}) {
    v1::Case c = Registered(p.id, p.category, p.lat, p.lon, t0);
    ASSERT_OK(Project(teksin::testing::CaseRegisteredEnv(std::string("reg-") + p.id, t0, c)));
  }
  // Received by the channel but not yet registered: not shown (intake may still refuse it).
  LogOk(PotholeCall());

  auto found = Nearby(lat, lon, 0, "yol-sokak");
  EXPECT_EQ(found.radius_m(), 250);
  ASSERT_THAT(found.cases(), SizeIs(2));
  EXPECT_EQ(found.cases(0).case_().case_id(), "near-50");
  EXPECT_NEAR(found.cases(0).distance_m(), 50, 0.5);
  EXPECT_EQ(found.cases(1).case_().case_id(), "far-150");
  EXPECT_NEAR(found.cases(1).distance_m(), 150, 0.5);
  EXPECT_TRUE(found.cases(0).case_().open());
  EXPECT_EQ(found.cases(0).case_().category(), "yol-sokak");

  // Every category, wider: the water fault too, and the 400 m pothole; never the one 10 km away.
  auto all = Nearby(lat, lon, 5000);
  std::vector<std::string> ids;
  for (const auto& n : all.cases()) ids.push_back(n.case_().case_id());
  EXPECT_THAT(ids, ElementsAre("other-category", "near-50", "far-150", "out-400"));

  // Resolved, closed or rejected cases leave the search.
  v1::Case near = Registered("near-50", "yol-sokak", lat50, lon50, t0);
  ASSERT_OK(Project(
      teksin::testing::CaseResolvedEnv("res-near", t0 + absl::Hours(2), near, "task-9"),
      "teksin.routing.decisions.v1"));
  v1::Case far = Registered("far-150", "yol-sokak", lat150, lon150, t0);
  ASSERT_OK(Project(
      teksin::testing::CaseClosedEnv("close-far", t0 + absl::Hours(2), far, "duplicate")));
  EXPECT_THAT(Nearby(lat, lon, 0, "yol-sokak").cases(), IsEmpty());
  // ... and a late registration replayed after the resolution does not bring one back.
  ASSERT_OK(Project(teksin::testing::CaseRegisteredEnv("reg-near-50", t0, near)));
  EXPECT_THAT(Nearby(lat, lon, 0, "yol-sokak").cases(), IsEmpty());
  EXPECT_EQ(Counter("teksin_channel_callcenter_lookups_total", {"nearby"}), 4);
}

TEST_F(CallCenterServiceTest, NearbyChecksItsArguments) {
  v1::FindNearbyOpenCasesRequest r;
  r.set_operator_id("op-melike");
  EXPECT_CODE(service_.FindNearbyOpenCases(r), absl::StatusCode::kInvalidArgument);  // no point
  r.set_lat(kTarsusCentre.lat);
  r.set_lon(kTarsusCentre.lon);
  r.set_radius_m(5001);
  EXPECT_CODE(service_.FindNearbyOpenCases(r), absl::StatusCode::kInvalidArgument);
  r.set_radius_m(-5);
  EXPECT_CODE(service_.FindNearbyOpenCases(r), absl::StatusCode::kInvalidArgument);
  r.set_radius_m(5000);
  r.set_category("yok-boyle");
  auto bad = service_.FindNearbyOpenCases(r);
  EXPECT_CODE(bad, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("not a service code"));
  r.set_category("");
  r.clear_operator_id();
  EXPECT_CODE(service_.FindNearbyOpenCases(r), absl::StatusCode::kInvalidArgument);
  r.set_desk_id("desk-tarsus-1");
  EXPECT_OK(service_.FindNearbyOpenCases(r));
}

// ---------------------------------------------------------------------------------------------
// District names

TEST_F(CallCenterServiceTest, DistrictNamesMatchWhateverTheOperatorTyped) {
  EXPECT_EQ(service_.CanonicalDistrict("Yenişehir"), "Yenişehir");
  EXPECT_EQ(service_.CanonicalDistrict("YENİŞEHİR"), "Yenişehir");
  EXPECT_EQ(service_.CanonicalDistrict("yenisehir"), "Yenişehir");
  EXPECT_EQ(service_.CanonicalDistrict("yeni̇şehi̇r"), "Yenişehir");  // "İ" lower-cased naively
  EXPECT_EQ(service_.CanonicalDistrict("camliyayla"), "Çamlıyayla");
  EXPECT_EQ(service_.CanonicalDistrict("AYDINCIK"), "Aydıncık");
  EXPECT_EQ(service_.CanonicalDistrict("Gulnar"), "Gülnar");
  EXPECT_EQ(service_.CanonicalDistrict("Seyhan"), std::nullopt);  // Adana
  EXPECT_EQ(service_.CanonicalDistrict(""), std::nullopt);
  EXPECT_THAT(districts_.Districts(), SizeIs(13));
}

// ---------------------------------------------------------------------------------------------
// LogContact's guards in one call

// Records what LogContact asks; answers with what the test sets, and records through the
// in-memory store and index.
class RecordingGuards : public ContactGuards {
 public:
  RecordingGuards(channel::RateLimiter& limiter, channel::IdempotencyStore& store, CaseIndex& index)
      : separate(limiter, store, index) {}
  ContactAdmission Admit(const std::string& rate_key, int, absl::Duration, absl::Time,
                         const std::string& idempotency_key) override {
    asked.push_back(rate_key + "|" + idempotency_key);
    return answer;
  }
  ContactRecorded Record(const std::string& key, const std::string& remembered, absl::Duration ttl,
                         const CaseUpdate* update) override {
    recorded.push_back(key + "|" + (update != nullptr ? update->record.case_id : ""));
    return separate.Record(key, remembered, ttl, update);
  }
  SeparateContactGuards separate;
  std::vector<std::string> asked, recorded;
  ContactAdmission answer;
};

TEST_F(CallCenterServiceTest, EveryContactIsCountedOnceAndItsKeyReadInTheSameCall) {
  RecordingGuards guards(limiter_, idempotency_, index_);
  service_.SetGuards(&guards);
  ContactAnswer first = LogOk(PotholeCall());
  EXPECT_THAT(guards.asked, ElementsAre("op:op-melike|contact:op:op-melike:console-7:call-0001"));
  // Once published, the answer and the registered case are recorded in one call.
  EXPECT_THAT(guards.recorded, ElementsAre("contact:op:op-melike:console-7:call-0001|" +
                                           first.response.case_id()));
  EXPECT_EQ(index_.Get(first.response.case_id())->status, v1::CASE_STATUS_RECEIVED);
  EXPECT_EQ(Counter("teksin_channel_callcenter_projection_events_total", {"received"}), 1);
  LogOk(InformationCall());  // no case: nothing indexed
  EXPECT_EQ(guards.recorded.back(), "contact:op:op-melike:console-7:call-0002|");
  // A malformed key is not read, but the call counts against the operator's limit as before.
  v1::LogContactRequest bad = PotholeCall("short");
  EXPECT_CODE(service_.LogContact(bad), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(guards.asked.back(), "op:op-melike|");
  EXPECT_THAT(guards.asked, SizeIs(3));
  // The store could not be read: the checks still come first, then UNAVAILABLE, nothing
  // published. The limiter could not answer: admitted.
  guards.answer.remembered = absl::UnavailableError("redis down");
  guards.answer.rate = absl::UnavailableError("redis down");
  v1::LogContactRequest no_text = PotholeCall("console-7:call-0009");
  no_text.clear_text();
  EXPECT_CODE(service_.LogContact(no_text), absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(service_.LogContact(PotholeCall("console-7:call-0010")),
              absl::StatusCode::kUnavailable);
  EXPECT_THAT(Published(), SizeIs(2));
  // A remembered answer is replayed.
  guards.answer = ContactAdmission();
  guards.answer.remembered = idempotency_.Get("contact:op:op-melike:console-7:call-0001").value();
  ASSERT_TRUE(guards.answer.remembered->has_value());
  ContactAnswer again = LogOk(PotholeCall());
  EXPECT_TRUE(again.replayed);
  EXPECT_THAT(Published(), SizeIs(2));
  service_.SetGuards(nullptr);
}

// ---------------------------------------------------------------------------------------------
// The projection in batches (ADR 0026)

// The in-memory index, counting the batches it is given; it can refuse them.
class BatchCountingIndex : public InMemoryCaseIndex {
 public:
  absl::Status ApplyBatch(const std::vector<CaseUpdate>& updates) override {
    if (fail) return absl::UnavailableError("redis is down");
    ++batches;
    return InMemoryCaseIndex::ApplyBatch(updates);
  }
  std::atomic<int> batches{0};
  std::atomic<bool> fail{false};
};

TEST_F(CallCenterServiceTest, TheConsumersEventsAreWrittenInBatchesAndCompletedAfterwards) {
  BatchCountingIndex index;
  CallCenterService service(teksin::testing::RealCatalogue(), districts_, index, limiter_,
                            idempotency_, topics_, publisher_, clock_, registry_, Options());
  IndexBatchOptions options;
  options.max_items = 2;
  options.max_delay = std::chrono::hours(1);  // taken by size (or Stop) only
  options.max_attempts = 1;
  IndexBatcher batcher(index, options, [&service](const CaseUpdate& u) {
    service.CountProjected(u);
  });
  service.SetBatcher(&batcher);
  std::vector<std::shared_ptr<kafka::AckBatch>> done;
  auto handle = [&](v1::Envelope e, const std::string& topic) {
    kafka::DeferredAcks scope;
    EXPECT_OK(service.Handle(teksin::testing::Consumed(topic, std::move(e))));
    auto taken = scope.Take();
    ASSERT_THAT(taken, SizeIs(1));
    done.push_back(taken[0]);
  };
  const absl::Time t0 = TrTime(2026, 5, 20, 9, 0);
  v1::Case c = Registered("case-b", "su-ariza", kMezitli.lat, kMezitli.lon, t0);
  handle(teksin::testing::CaseRegisteredEnv("reg-b", t0 + absl::Minutes(1), c),
         "teksin.intake.cases.v1");
  EXPECT_FALSE(done[0]->Done()) << "queued, not written: the batch is not full";
  EXPECT_FALSE(index.Get("case-b").has_value());
  v1::Case routed = c;
  SetOwner(routed, "meski", v1::OWNER_KIND_UTILITY);
  handle(teksin::testing::CaseRoutedEnv("route-b", t0 + absl::Minutes(2), routed, "task-b", 1,
                                        false),
         "teksin.routing.decisions.v1");
  ASSERT_TRUE(done[0]->WaitFor(std::chrono::minutes(1)));
  ASSERT_TRUE(done[1]->WaitFor(std::chrono::minutes(1)));
  EXPECT_EQ(done[0]->Error(), "");
  EXPECT_EQ(done[1]->Error(), "");
  EXPECT_EQ(index.batches, 1);
  ASSERT_TRUE(index.Get("case-b").has_value());
  EXPECT_EQ(index.Get("case-b")->status, v1::CASE_STATUS_ROUTED);
  EXPECT_EQ(index.Get("case-b")->owner_id, "meski");
  EXPECT_EQ(Counter("teksin_channel_callcenter_projection_events_total", {"registered"}), 1);
  EXPECT_EQ(Counter("teksin_channel_callcenter_projection_events_total", {"routed"}), 1);

  // A batch the index refuses fails its events' completions (the consumer hands them over
  // again) and counts nothing.
  index.fail = true;
  v1::Case resolved = routed;
  handle(teksin::testing::CaseResolvedEnv("res-b", t0 + absl::Minutes(3), resolved, "task-b"),
         "teksin.department.updates.v1");
  handle(teksin::testing::CaseResolvedEnv("res-b2", t0 + absl::Minutes(3), resolved, "task-b"),
         "teksin.department.updates.v1");
  ASSERT_TRUE(done[2]->WaitFor(std::chrono::minutes(1)));
  ASSERT_TRUE(done[3]->WaitFor(std::chrono::minutes(1)));
  EXPECT_THAT(done[2]->Error(), HasSubstr("redis is down"));
  EXPECT_THAT(done[3]->Error(), HasSubstr("redis is down"));
  EXPECT_EQ(index.Get("case-b")->status, v1::CASE_STATUS_ROUTED);
  EXPECT_EQ(Counter("teksin_channel_callcenter_projection_events_total", {"resolved"}), 0);

  // Registering a case writes it at once (no consumer scope): the caller's history shows it.
  index.fail = false;
  auto a = service.LogContact(PotholeCall());
  ASSERT_OK(a);
  EXPECT_TRUE(index.Get(a->response.case_id()).has_value());
  // What is still queued at stop is written.
  handle(teksin::testing::CaseResolvedEnv("res-b", t0 + absl::Minutes(3), resolved, "task-b"),
         "teksin.department.updates.v1");
  EXPECT_FALSE(done[4]->Done());
  batcher.Stop();
  ASSERT_TRUE(done[4]->WaitFor(std::chrono::minutes(1)));
  EXPECT_EQ(done[4]->Error(), "");
  EXPECT_EQ(index.Get("case-b")->status, v1::CASE_STATUS_RESOLVED);
  service.SetBatcher(nullptr);
}

}  // namespace
}  // namespace teksin::channel_callcenter
