// The Open311 channel with an in-memory broker and request store: what a citizen's app gets back,
// what goes on teksin.channel.open311.contacts.v1, and what GET requests/{id} shows later.
#include "channel_open311/open311_service.h"

#include <string>

#include "channel/guards.h"
#include "channel_open311/admission.h"
#include "channel_open311/request_store.h"
#include "channel_open311/view_batcher.h"
#include "kafka/publisher.h"
#include "common/phone.h"
#include "events/in_memory.h"
#include "events/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/envelopes.h"
#include "support/reference_data.h"
#include "support/status.h"

namespace teksin::channel_open311 {
namespace {

using ::teksin::testing::kTarsusCentre;
using ::teksin::testing::SetOwner;
using ::teksin::testing::TaskChange;
using ::teksin::testing::TrTime;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kContactsTopic[] = "teksin.channel.open311.contacts.v1";
constexpr char kApiKey[] = "app-key-1f9c";
constexpr char kSecret[] = "citizen-key-secret";

// The request store, counting writes so a test can tell that nothing was stored.
class CountingRequestStore : public InMemoryRequestStore {
 public:
  absl::Status Upsert(const std::string& id, const RequestView& fixed, const RequestView& current,
                      int64_t at_us) override {
    ++upserts;
    return InMemoryRequestStore::Upsert(id, fixed, current, at_us);
  }
  int upserts = 0;
};

// What the Teksin app posts for a pothole in central Tarsus.
Params AppSubmission() {
  return {{"api_key", kApiKey},
          {"service_code", "yol-sokak"},
          {"lat", "36.918"},
          {"long", "34.895"},
          {"description", "Sokağımızda büyük bir çukur var, araçlar zarar görüyor."},
          {"phone", "0532 123 45 67"},
          {"email", "ayse.yilmaz@example.com"},
          {"first_name", "Ayşe"},
          {"last_name", "Yılmaz"},
          {"age_group", "30-44"},
          {"device_id", "device-abc"},
          {"locale", "tr_TR"}};
}

Params With(Params p, const std::string& key, const std::string& value) {
  p.erase(key);
  p.emplace(key, value);
  return p;
}

Params Without(Params p, const std::string& key) {
  p.erase(key);
  return p;
}

class Open311ServiceTest : public ::testing::Test {
 protected:
  Open311Options Options(bool with_keys = true) {
    Open311Options o;
    if (with_keys) o.api_keys = {kApiKey, "web-key-77"};
    o.citizen_key_secret = kSecret;
    return o;
  }

  // Submits, and returns the accepted request with the contact event it published.
  Accepted SubmitOk(const Params& p) {
    auto a = service_.Submit(p);
    EXPECT_OK(a);
    return a.ok() ? *a : Accepted();
  }
  RequestView View(const std::string& code) {
    auto v = service_.Find(code);
    EXPECT_OK(v);
    if (!v.ok() || !v->has_value()) {
      ADD_FAILURE() << "no request " << code;
      return {};
    }
    return **v;
  }
  // The case the channel published, as later events carry it.
  v1::Case PublishedCase() {
    auto out = publisher_.Published(kContactsTopic);
    EXPECT_THAT(out, SizeIs(1));
    return out.empty() ? v1::Case() : out[0].envelope.contact_received().requested_case();
  }
  absl::Status Project(v1::Envelope e) {
    return service_.Handle(teksin::testing::Consumed("teksin.routing.decisions.v1", std::move(e)));
  }

  common::FakeClock clock_{TrTime(2026, 5, 22, 10, 0)};
  events::Topics topics_{"teksin"};
  events::InMemoryEventPublisher publisher_;
  CountingRequestStore store_;
  Open311Service service_{teksin::testing::RealCatalogue(), store_, topics_, publisher_, clock_,
                          Options()};
};

TEST_F(Open311ServiceTest, ValidSubmissionPublishesOneContactAndAnswersWithATrackingCode) {
  Accepted a = SubmitOk(AppSubmission());
  EXPECT_THAT(a.service_request_id, ::testing::MatchesRegex("[0-9A-Z]{5}-[0-9A-Z]{5}"));
  EXPECT_FALSE(a.case_id.empty());
  EXPECT_EQ(a.service_notice, "Başvurunuz alındı. Takip kodunuzu saklayınız.");

  auto out = publisher_.Published(kContactsTopic);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_THAT(publisher_.All(), SizeIs(1));
  const v1::Envelope& e = out[0].envelope;
  EXPECT_EQ(e.event_type(), "teksin.v1.ContactReceived");
  EXPECT_EQ(e.source(), "channel_open311");
  const v1::ContactReceived& contact = e.contact_received();
  EXPECT_EQ(contact.outcome(), v1::CONTACT_OUTCOME_CASE_REQUESTED);
  EXPECT_EQ(contact.channel(), v1::CHANNEL_MOBILE_APP);
  const v1::Case& c = contact.requested_case();
  EXPECT_EQ(c.case_id(), a.case_id);
  EXPECT_EQ(c.tracking_code(), a.service_request_id);
  EXPECT_EQ(c.category(), "yol-sokak");
  EXPECT_TRUE(c.location().has_coordinates());
  EXPECT_DOUBLE_EQ(c.location().lat(), 36.918);
  EXPECT_DOUBLE_EQ(c.location().lon(), 34.895);
  EXPECT_EQ(c.age_group(), v1::AGE_GROUP_30_44);
  EXPECT_EQ(c.language(), "tr");
  EXPECT_EQ(c.status(), v1::CASE_STATUS_RECEIVED);
  EXPECT_EQ(common::FromProto(c.received_at()), TrTime(2026, 5, 22, 10, 0));
  // The citizen is known by the keyed hash of their number, which also keys the record.
  std::string key = common::CitizenKey(kSecret, "+905321234567");
  EXPECT_EQ(c.citizen_key(), key);
  EXPECT_EQ(out[0].key, key);
}

TEST_F(Open311ServiceTest, PublishedBytesCarryNoPersonalData) {
  SubmitOk(AppSubmission());
  auto out = publisher_.Published(kContactsTopic);
  ASSERT_THAT(out, SizeIs(1));
  std::string bytes = out[0].envelope.SerializeAsString() + out[0].key;
  for (const char* personal : {"5321234567", "532 123 45 67", "0532", "ayse.yilmaz", "example.com",
                               "Ayşe", "Yılmaz", kApiKey}) {
    EXPECT_THAT(bytes, Not(HasSubstr(personal))) << personal;
  }
}

TEST_F(Open311ServiceTest, TrackingCodeFindsTheOpenRequest) {
  Accepted a = SubmitOk(AppSubmission());
  RequestView v = View(a.service_request_id);
  EXPECT_EQ(v["status"], "open");
  EXPECT_EQ(v["service_request_id"], a.service_request_id);
  EXPECT_EQ(v["service_code"], "yol-sokak");
  EXPECT_EQ(v["service_name"], "Sokak/kaldırım bozukluğu");
  EXPECT_EQ(v["description"], "Sokağımızda büyük bir çukur var, araçlar zarar görüyor.");
  EXPECT_EQ(v["requested_datetime"], "2026-05-22T10:00:00+03:00");
  EXPECT_EQ(v["lat"], "36.9180000");
  EXPECT_EQ(v["long"], "34.8950000");
  EXPECT_EQ(v.count("phone"), 0u);
  EXPECT_EQ(v.count("email"), 0u);
  // Read back over the phone, in lower case and without the dash.
  std::string typed = a.service_request_id;
  typed.erase(5, 1);
  for (char& ch : typed) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(View(typed)["service_request_id"], a.service_request_id);
}

TEST_F(Open311ServiceTest, WebFormWithAnAddressOnly) {
  Params p = Without(Without(Without(AppSubmission(), "lat"), "long"), "device_id");
  p.emplace("address_string", "Cumhuriyet Mah. 1234 Sk. No 5, Tarsus");
  p.emplace("district", "Tarsus");  // the web form's district picker
  p = With(p, "locale", "en");
  p = With(p, "api_key", "web-key-77");
  Accepted a = SubmitOk(p);
  EXPECT_EQ(a.service_notice, "Your request has been received. Keep this tracking code.");
  v1::Case c = PublishedCase();
  EXPECT_EQ(c.channel(), v1::CHANNEL_WEB);
  EXPECT_FALSE(c.location().has_coordinates());
  EXPECT_EQ(c.location().address(), "Cumhuriyet Mah. 1234 Sk. No 5, Tarsus");
  EXPECT_EQ(c.language(), "en");
  EXPECT_EQ(View(a.service_request_id)["service_name"], "Local street / pavement defect");
}

TEST_F(Open311ServiceTest, AnAddressIsPlacedByTheDistrictItNames) {
  Params p = Without(Without(AppSubmission(), "lat"), "long");
  p.emplace("address_string", "Cumhuriyet Mah. 1234 Sk. No 5, YENİŞEHİR");
  ASSERT_TRUE(service_.Submit(p).ok());
  EXPECT_EQ(PublishedCase().location().district(), "Yenişehir");
}

TEST_F(Open311ServiceTest, AnAddressNamingNoDistrictCannotBeLocated) {
  Params p = Without(Without(AppSubmission(), "lat"), "long");
  p.emplace("address_string", "Cumhuriyet Mah. 1234 Sk. No 5");
  auto r = service_.Submit(p);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("send lat and long, or district"), std::string::npos);
  EXPECT_EQ(publisher_.size(), 0u);
}

TEST_F(Open311ServiceTest, AnUnknownDistrictIsRefused) {
  Params p = Without(Without(AppSubmission(), "lat"), "long");
  p.emplace("address_string", "Atatürk Cd.");
  p.emplace("district", "Seyhan");
  EXPECT_EQ(service_.Submit(p).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(publisher_.size(), 0u);
}

TEST_F(Open311ServiceTest, PhoneIsOptional) {
  SubmitOk(Without(AppSubmission(), "phone"));
  auto out = publisher_.Published(kContactsTopic);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].envelope.contact_received().requested_case().citizen_key(), "");
  EXPECT_EQ(out[0].key, out[0].envelope.contact_received().requested_case().case_id());
}

TEST_F(Open311ServiceTest, CustomAttributesAreKept) {
  Params p = AppSubmission();
  p.emplace("attribute[depth_cm]", "20");
  SubmitOk(p);
  EXPECT_EQ(PublishedCase().attributes().at("depth_cm"), "20");
}

struct BadSubmission {
  const char* name;
  Params params;
  absl::StatusCode code;
};

class Open311RejectedSubmissionTest : public Open311ServiceTest,
                                      public ::testing::WithParamInterface<BadSubmission> {};

TEST_P(Open311RejectedSubmissionTest, IsRefusedAndNothingIsPublishedOrStored) {
  auto a = service_.Submit(GetParam().params);
  EXPECT_CODE(a, GetParam().code);
  EXPECT_EQ(publisher_.size(), 0u);
  EXPECT_EQ(store_.upserts, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Open311RejectedSubmissionTest,
    ::testing::Values(
        BadSubmission{"MissingServiceCode", Without(AppSubmission(), "service_code"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"UnknownServiceCode", With(AppSubmission(), "service_code", "pothole"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"NoLocation", Without(Without(AppSubmission(), "lat"), "long"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"LatNotANumber", With(AppSubmission(), "lat", "north"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"LatWithDecimalComma", With(AppSubmission(), "lat", "36,918"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"LatOutOfRange", With(AppSubmission(), "lat", "95"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"LatWithoutLong", Without(AppSubmission(), "long"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"NoDescription", Without(AppSubmission(), "description"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"DescriptionTooLong",
                      With(AppSubmission(), "description", std::string(4001, 'a')),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"ForeignPhone", With(AppSubmission(), "phone", "+44 20 7946 0958"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"PhoneWithLetters", With(AppSubmission(), "phone", "0532 ABC 45 67"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"BadAgeGroup", With(AppSubmission(), "age_group", "40"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"BadRequestType", With(AppSubmission(), "request_type", "praise"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"MediaNotAUrl", With(AppSubmission(), "media_url", "file:///etc/passwd"),
                      absl::StatusCode::kInvalidArgument},
        BadSubmission{"MissingApiKey", Without(AppSubmission(), "api_key"),
                      absl::StatusCode::kPermissionDenied},
        BadSubmission{"WrongApiKey", With(AppSubmission(), "api_key", "guessed"),
                      absl::StatusCode::kPermissionDenied},
        BadSubmission{"WrongApiKeyAndBadData",
                      With(Without(AppSubmission(), "service_code"), "api_key", "guessed"),
                      absl::StatusCode::kPermissionDenied}),
    [](const ::testing::TestParamInfo<BadSubmission>& info) { return info.param.name; });

TEST_F(Open311ServiceTest, NoKeyNeededWhenNoneAreConfigured) {
  Open311Service open{teksin::testing::RealCatalogue(), store_, topics_, publisher_, clock_,
                      Options(/*with_keys=*/false)};
  EXPECT_OK(open.Submit(Without(AppSubmission(), "api_key")));
  EXPECT_THAT(publisher_.Published(kContactsTopic), SizeIs(1));
}

TEST_F(Open311ServiceTest, BrokerUnavailableMeansNotAcceptedAndNothingStored) {
  publisher_.FailNext(1);
  auto a = service_.Submit(AppSubmission());
  EXPECT_CODE(a, absl::StatusCode::kUnavailable);
  EXPECT_EQ(publisher_.size(), 0u);
  EXPECT_EQ(store_.upserts, 0);
  // The app retries and gets through.
  EXPECT_OK(service_.Submit(AppSubmission()));
}

TEST_F(Open311ServiceTest, RoutingAndResolutionShowOnTheRequest) {
  Accepted a = SubmitOk(AppSubmission());
  v1::Case c = PublishedCase();
  c.mutable_location()->set_district("Tarsus");
  SetOwner(c, "ilce-tarsus", v1::OWNER_KIND_DISTRICT_MUNICIPALITY, "Tarsus Belediyesi");
  *c.mutable_deadline() = common::ToProto(TrTime(2026, 5, 23, 10, 0));

  ASSERT_OK(Project(teksin::testing::CaseRoutedEnv("routed-1", TrTime(2026, 5, 22, 10, 1), c,
                                                   "task-1", 1, true)));
  RequestView routed = View(a.service_request_id);
  EXPECT_EQ(routed["status"], "open");
  EXPECT_EQ(routed["detailed_status"], "forwarded");
  EXPECT_EQ(routed["agency_responsible"], "Tarsus Belediyesi");
  EXPECT_EQ(routed["expected_datetime"], "2026-05-23T10:00:00+03:00");
  EXPECT_EQ(routed["district"], "Tarsus");

  ASSERT_OK(Project(teksin::testing::CaseResolvedEnv("resolved-1", TrTime(2026, 5, 22, 15, 0), c,
                                                     "task-1", "Çukur asfaltla kapatıldı")));
  RequestView resolved = View(a.service_request_id);
  EXPECT_EQ(resolved["status"], "closed");
  EXPECT_EQ(resolved["detailed_status"], "resolved");
  EXPECT_EQ(resolved["status_notes"], "Çukur asfaltla kapatıldı");
  EXPECT_EQ(resolved["updated_datetime"], "2026-05-22T15:00:00+03:00");
  // What the citizen wrote and when stays as first recorded.
  EXPECT_EQ(resolved["requested_datetime"], "2026-05-22T10:00:00+03:00");
  EXPECT_EQ(resolved["description"], "Sokağımızda büyük bir çukur var, araçlar zarar görüyor.");
}

TEST_F(Open311ServiceTest, OlderEventArrivingLateDoesNotReopenTheRequest) {
  Accepted a = SubmitOk(AppSubmission());
  v1::Case c = PublishedCase();
  SetOwner(c, "ilce-tarsus", v1::OWNER_KIND_DISTRICT_MUNICIPALITY, "Tarsus Belediyesi");
  ASSERT_OK(Project(teksin::testing::CaseResolvedEnv("resolved-1", TrTime(2026, 5, 22, 15, 0), c,
                                                     "task-1", "Onarıldı")));
  ASSERT_OK(Project(teksin::testing::CaseRoutedEnv("routed-1", TrTime(2026, 5, 22, 10, 1), c,
                                                   "task-1", 1, true)));
  TaskChange claim;
  claim.unit_id = "ilce-tarsus";
  ASSERT_OK(Project(teksin::testing::TaskStatusChangedEnv("claimed-1", TrTime(2026, 5, 22, 11, 0),
                                                          c, claim)));
  // The accept-time view, redelivered from the contacts topic.
  ASSERT_OK(service_.Handle(teksin::testing::Consumed(
      kContactsTopic, publisher_.Published(kContactsTopic)[0].envelope)));

  RequestView v = View(a.service_request_id);
  EXPECT_EQ(v["status"], "closed");
  EXPECT_EQ(v["detailed_status"], "resolved");
  EXPECT_EQ(v["status_notes"], "Onarıldı");
}

TEST_F(Open311ServiceTest, ClosedByTheCoordinationCentreShowsTheReason) {
  Accepted a = SubmitOk(AppSubmission());
  ASSERT_OK(Project(teksin::testing::CaseClosedEnv("closed-1", TrTime(2026, 5, 25, 9, 0),
                                                   PublishedCase(),
                                                   "rejected by koordinasyon: özel mülk")));
  RequestView v = View(a.service_request_id);
  EXPECT_EQ(v["status"], "closed");
  EXPECT_EQ(v["detailed_status"], "closed");
  EXPECT_THAT(v["status_notes"], HasSubstr("özel mülk"));
}

TEST_F(Open311ServiceTest, RejectedAtIntakeIsClosedWithTheReason) {
  Accepted a = SubmitOk(AppSubmission());
  ASSERT_OK(service_.Handle(teksin::testing::Consumed(
      "teksin.intake.cases.v1",
      teksin::testing::CaseRejectedEnv("rejected-1", TrTime(2026, 5, 22, 10, 0, 1), PublishedCase(),
                                       v1::REJECTION_CODE_OUTSIDE_JURISDICTION))));
  RequestView v = View(a.service_request_id);
  EXPECT_EQ(v["status"], "closed");
  EXPECT_EQ(v["detailed_status"], "rejected");
  EXPECT_EQ(v["status_notes"], "rejected by the test");
}

TEST_F(Open311ServiceTest, FindAnswersNothingForUnknownCodesAndRefusesNonCodes) {
  auto unknown = service_.Find("7KQ2M-X9D4F");
  ASSERT_OK(unknown);
  EXPECT_FALSE(unknown->has_value());
  EXPECT_CODE(service_.Find("'; DROP TABLE"), absl::StatusCode::kInvalidArgument);
}

TEST_F(Open311ServiceTest, CasesFromOtherChannelsAreNotProjected) {
  v1::Case c = teksin::testing::CaseAt("case-9", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon);
  c.set_tracking_code("");  // a call-centre case the operator closed without a code
  EXPECT_OK(Project(teksin::testing::CaseResolvedEnv("resolved-9", TrTime(2026, 5, 22, 15, 0), c,
                                                     "task-9")));
  EXPECT_EQ(store_.upserts, 0);
}

// Submit's guards, applied once the request is valid (ADR 0024): the Idempotency-Key's answer,
// the client's and the citizen's rate limits and the tracking code's reservation.
class Open311GuardsTest : public Open311ServiceTest {
 protected:
  void SetUp() override { service_.SetGuards(&limiter_, &idempotency_); }
  channel::InMemoryRateLimiter limiter_;
  channel::InMemoryIdempotencyStore idempotency_;
};

TEST_F(Open311GuardsTest, ARetriedKeyGetsTheFirstAnswerAndPublishesOnce) {
  Params p = With(AppSubmission(), "idempotency_key", "retry-1");
  Accepted first = SubmitOk(p);
  Accepted again = SubmitOk(p);
  EXPECT_EQ(again.service_request_id, first.service_request_id);
  EXPECT_EQ(again.case_id, first.case_id);
  EXPECT_THAT(publisher_.Published(kContactsTopic), SizeIs(1));
  // Its tracking code is reserved for its case.
  auto owner = idempotency_.Get("tracking:" + first.service_request_id);
  ASSERT_OK(owner);
  ASSERT_TRUE(owner->has_value());
  EXPECT_EQ(**owner, first.case_id);
}

TEST_F(Open311GuardsTest, OverTheCitizensLimitIs429AndInvalidRequestsDoNotCount) {
  Open311Options o = Options();
  o.citizen_limit_per_hour = 2;
  o.client_limit_per_minute = 1000;
  Open311Service service(teksin::testing::RealCatalogue(), store_, topics_, publisher_, clock_, o);
  service.SetGuards(&limiter_, &idempotency_);
  for (int i = 0; i < 3; ++i) {
    EXPECT_CODE(service.Submit(With(AppSubmission(), "service_code", "no-such-code")),
                absl::StatusCode::kInvalidArgument);
  }
  EXPECT_OK(service.Submit(AppSubmission()));
  EXPECT_OK(service.Submit(AppSubmission()));
  auto third = service.Submit(AppSubmission());
  EXPECT_CODE(third, absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(third.status().message()), HasSubstr("citizen"));
  EXPECT_TRUE(third.status().GetPayload("retry-after").has_value());
  // Another citizen is not limited by the first one's count.
  EXPECT_OK(service.Submit(With(AppSubmission(), "phone", "0533 765 43 21")));
  EXPECT_THAT(publisher_.Published(kContactsTopic), SizeIs(3));
}

TEST_F(Open311GuardsTest, OverTheClientsLimitIs429) {
  Open311Options o = Options();
  o.client_limit_per_minute = 1;
  Open311Service service(teksin::testing::RealCatalogue(), store_, topics_, publisher_, clock_, o);
  service.SetGuards(&limiter_, &idempotency_);
  EXPECT_OK(service.Submit(AppSubmission()));
  auto second = service.Submit(With(AppSubmission(), "phone", "0533 765 43 21"));
  EXPECT_CODE(second, absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("client"));
  EXPECT_THAT(publisher_.Published(kContactsTopic), SizeIs(1));
}

// An admission whose tracking code is always someone else's, or which fails.
class ScriptedAdmission : public SubmitAdmission {
 public:
  absl::StatusOr<AdmitResult> Admit(const AdmitRequest& r) override {
    ++calls;
    asked_tracking = r.tracking_key;
    if (fail) return absl::UnavailableError("redis down");
    AdmitResult out;
    out.tracking_owner = "another-case";
    return out;
  }
  int calls = 0;
  bool fail = false;
  std::string asked_tracking;
};

TEST_F(Open311GuardsTest, ATakenTrackingCodeIsReplacedAndAFailingAdmissionFailsOpen) {
  ScriptedAdmission admission;
  service_.SetAdmission(&admission);
  Accepted a = SubmitOk(AppSubmission());
  EXPECT_EQ(admission.calls, 1);
  EXPECT_NE("tracking:" + a.service_request_id, admission.asked_tracking);
  EXPECT_EQ(PublishedCase().tracking_code(), a.service_request_id);
  EXPECT_EQ(**idempotency_.Get("tracking:" + a.service_request_id), a.case_id);
  // Redis down: the request is still accepted (Kafka is the record).
  admission.fail = true;
  EXPECT_OK(service_.Submit(AppSubmission()));
  EXPECT_THAT(publisher_.Published(kContactsTopic), SizeIs(2));
  service_.SetAdmission(nullptr);  // back to the guards one by one
  EXPECT_OK(service_.Submit(AppSubmission()));
  EXPECT_EQ(admission.calls, 2);
}

// In the projection's consumer (inside a deferred-ack scope) the writes go to the batcher, and
// each event completes only once its batch is in the store (ADR 0023, 0024).
TEST_F(Open311ServiceTest, InsideTheConsumersScopeWritesAreBatchedAndCompletedWhenWritten) {
  Accepted a = SubmitOk(AppSubmission());  // an HTTP thread: written at once, no batcher
  ASSERT_EQ(store_.upserts, 1);
  class FailingOnce : public InMemoryRequestStore {
   public:
    absl::Status ApplyBatch(const std::vector<ViewWrite>& writes) override {
      ++batches;
      if (fail) return absl::UnavailableError("redis down");
      return InMemoryRequestStore::ApplyBatch(writes);
    }
    bool fail = false;
    int batches = 0;
  } store;
  ViewBatchOptions o;
  o.max_items = 2;
  o.max_delay = std::chrono::hours(1);  // only full batches and flushes write
  o.max_attempts = 1;
  ViewBatcher batcher(store, o);
  Open311Service service(teksin::testing::RealCatalogue(), store, topics_, publisher_, clock_,
                         Options());
  service.SetBatcher(&batcher);
  const v1::Case c = PublishedCase();
  std::vector<std::shared_ptr<kafka::AckBatch>> done;
  auto handle = [&](v1::Envelope e) {
    kafka::DeferredAcks scope;
    EXPECT_OK(service.Handle(teksin::testing::Consumed("teksin.intake.cases.v1", std::move(e))));
    auto taken = scope.Take();
    ASSERT_THAT(taken, SizeIs(1));
    done.push_back(taken[0]);
  };
  handle(teksin::testing::CaseRegisteredEnv("registered-1", TrTime(2026, 5, 22, 10, 0, 1), c));
  EXPECT_FALSE(done[0]->Done()) << "queued, not written: the batch is not full";
  v1::Case routed = c;
  SetOwner(routed, "ilce-tarsus", v1::OWNER_KIND_DISTRICT_MUNICIPALITY, "Tarsus Belediyesi");
  handle(teksin::testing::CaseRoutedEnv("routed-1", TrTime(2026, 5, 22, 10, 0, 2), routed, "task-1",
                                        1, false));
  ASSERT_TRUE(done[0]->WaitFor(std::chrono::minutes(1)));
  ASSERT_TRUE(done[1]->WaitFor(std::chrono::minutes(1)));
  EXPECT_EQ(done[0]->Error(), "");
  EXPECT_EQ(done[1]->Error(), "");
  EXPECT_EQ(store.batches, 1);
  auto v = store.Get(a.service_request_id);
  ASSERT_OK(v);
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ((**v)["detailed_status"], "routed");
  EXPECT_THAT(*store.History(a.service_request_id), SizeIs(2));
  // A batch the store refuses fails its events' completions: the consumer hands them over again.
  store.fail = true;
  handle(teksin::testing::CaseRegisteredEnv("registered-2", TrTime(2026, 5, 22, 10, 0, 3), c));
  handle(teksin::testing::CaseRegisteredEnv("registered-3", TrTime(2026, 5, 22, 10, 0, 4), c));
  ASSERT_TRUE(done[3]->WaitFor(std::chrono::minutes(1)));
  EXPECT_NE(done[2]->Error(), "");
  EXPECT_NE(done[3]->Error(), "");
  // Outside a scope (Submit, or TEKSIN_KAFKA_MAX_IN_FLIGHT=1) the write is made in Handle.
  store.fail = false;
  EXPECT_OK(service.Handle(teksin::testing::Consumed(
      "teksin.intake.cases.v1",
      teksin::testing::CaseRegisteredEnv("registered-4", TrTime(2026, 5, 22, 10, 0, 5), c))));
  EXPECT_THAT(*store.History(a.service_request_id), SizeIs(3));
  batcher.Stop();
}

}  // namespace
}  // namespace teksin::channel_open311
