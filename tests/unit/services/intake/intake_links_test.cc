// Repeats, duplicates and emergencies: intake over the real catalogue and boundaries, a fake
// clock and the in-memory link store.
#include <string>

#include "absl/strings/str_split.h"
#include "common/ids.h"
#include "common/status.h"
#include "events/in_memory.h"
#include "events/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "intake/contact_batcher.h"
#include "intake/intake_service.h"
#include "kafka/publisher.h"
#include "support/envelopes.h"
#include "support/paths.h"
#include "support/reference_data.h"
#include "support/status.h"

namespace teksin::intake {
namespace {

using ::teksin::testing::CaseAt;
using ::teksin::testing::Consumed;
using ::teksin::testing::ContactReceivedEnv;
using ::teksin::testing::kMezitli;
using ::teksin::testing::kTarsusCentre;
using ::teksin::testing::TrTime;
using ::testing::SizeIs;

constexpr char kContacts[] = "teksin.channel.open311.contacts.v1";
constexpr char kCases[] = "teksin.intake.cases.v1";
constexpr char kEmergencies[] = "teksin.intake.emergencies.v1";

// About 111 m per 0.001° of latitude.
constexpr double kDegPer100m = 0.0009;

class IntakeLinksTest : public ::testing::Test {
 protected:
  IntakeLinksTest() {
    options_.links = &store_;
    options_.emergencies = &rules_;
    options_.duplicate_radius_m = 150;
    options_.duplicate_window = absl::Hours(72);
    for (const auto& c : absl::StrSplit(DefaultNoDuplicateCategories(), ',')) {
      options_.no_duplicate_categories.insert(std::string(c));
    }
    service_ = std::make_unique<IntakeService>(
        teksin::testing::RealCatalogue(), teksin::testing::RealDistricts(), topics_, publisher_,
        clock_, registry_, options_);
  }

  v1::Case Contact(const std::string& id, const std::string& citizen, const std::string& category,
                   double lat, double lon, const std::string& text = "Yolda büyük çukur var") {
    v1::Case c = CaseAt(id, category, lat, lon, text);
    c.set_tracking_code("TC-" + id);
    c.set_citizen_key(citizen);
    return c;
  }

  // Handles a contact and returns the one event it published on the cases topic.
  v1::Envelope Send(const std::string& event_id, const v1::Case& c) {
    const size_t before = publisher_.Published(kCases).size();
    EXPECT_OK(service_->Handle(Consumed(kContacts, ContactReceivedEnv(event_id, clock_.Now(), c))));
    auto out = publisher_.Published(kCases);
    EXPECT_EQ(out.size(), before + 1);
    return out.empty() ? v1::Envelope() : out.back().envelope;
  }

  v1::Envelope Decision(const std::string& event_id, const std::string& type,
                        const std::string& case_id) {
    v1::Envelope e = teksin::testing::Header(event_id, clock_.Now(), "routing", case_id);
    if (type == "resolved") e.mutable_case_resolved()->mutable_case_()->set_case_id(case_id);
    if (type == "closed") e.mutable_case_closed()->set_case_id(case_id);
    if (type == "reopened") e.mutable_case_reopened()->mutable_case_()->set_case_id(case_id);
    return e;
  }

  common::FakeClock clock_{TrTime(2026, 5, 22, 10, 0)};
  events::Topics topics_{"teksin"};
  events::InMemoryEventPublisher publisher_;
  metrics::Registry registry_;
  InMemoryLinkStore store_;
  EmergencyRules rules_ = teksin::testing::OrDie(
      EmergencyRules::LoadFile(teksin::testing::ConfigFile("emergency-rules.json"),
                               teksin::testing::RealCatalogue()),
      "emergency rules");
  IntakeOptions options_;
  std::unique_ptr<IntakeService> service_;
  OpenCaseTracker tracker_{store_};
};

TEST_F(IntakeLinksTest, SameCitizenSameCategoryWhileOpenIsARepeat) {
  auto first = Send("e1", Contact("c1", "citizen-a", "yol-sokak", kTarsusCentre.lat,
                                  kTarsusCentre.lon));
  ASSERT_TRUE(first.has_case_registered());
  clock_.Advance(absl::Hours(30 * 24));  // a repeat has no time window, only "still open"
  // Elsewhere in Mersin: a repeat is about the citizen, not the place.
  auto again = Send("e2", Contact("c2", "citizen-a", "yol-sokak", kMezitli.lat, kMezitli.lon));
  ASSERT_TRUE(again.has_case_linked()) << again.event_type();
  const auto& l = again.case_linked();
  EXPECT_EQ(l.kind(), v1::LINK_KIND_REPEAT);
  EXPECT_EQ(l.case_id(), "c2");
  EXPECT_EQ(l.linked_to_case_id(), "c1");
  EXPECT_EQ(l.linked_to_tracking_code(), "TC-c1");
  EXPECT_EQ(l.case_().tracking_code(), "TC-c2");  // the contact's own code stays valid
  EXPECT_EQ(l.case_().links().repeat_of(), "c1");
  EXPECT_EQ(again.event_id(), common::DerivedId("e2", "intake"));
  // Another category is a new case.
  auto other = Send("e3", Contact("c3", "citizen-a", "cop-alinmadi", kMezitli.lat, kMezitli.lon,
                                  "Çöp alınmadı"));
  EXPECT_TRUE(other.has_case_registered());
}

TEST_F(IntakeLinksTest, AnotherCitizenNearbyWithinTheWindowIsADuplicateOfTheFirstCase) {
  Send("e1", Contact("c1", "citizen-a", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon));
  clock_.Advance(absl::Hours(1));
  Send("e2", Contact("c2", "citizen-b", "yol-sokak", kTarsusCentre.lat + 3 * kDegPer100m,
                     kTarsusCentre.lon));  // ~300 m away: a case of its own
  clock_.Advance(absl::Hours(1));
  auto dup = Send("e3", Contact("c3", "citizen-c", "yol-sokak",
                                kTarsusCentre.lat + kDegPer100m, kTarsusCentre.lon));
  ASSERT_TRUE(dup.has_case_linked());
  EXPECT_EQ(dup.case_linked().kind(), v1::LINK_KIND_DUPLICATE);
  EXPECT_EQ(dup.case_linked().linked_to_case_id(), "c1");  // the first, not the nearest
  EXPECT_NEAR(dup.case_linked().distance_m(), 100, 5);
  EXPECT_EQ(dup.case_linked().case_().links().duplicate_of(), "c1");
  // Another category at the same spot is not a duplicate.
  auto other = Send("e4", Contact("c4", "citizen-d", "sokak-lambasi", kTarsusCentre.lat,
                                  kTarsusCentre.lon, "Sokak lambası yanmıyor"));
  EXPECT_TRUE(other.has_case_registered());
}

TEST_F(IntakeLinksTest, DuplicateWindowAndRadiusAreHonoured) {
  Send("e1", Contact("c1", "citizen-a", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon));
  clock_.Advance(absl::Hours(73));
  auto late = Send("e2", Contact("c2", "citizen-b", "yol-sokak", kTarsusCentre.lat,
                                 kTarsusCentre.lon));
  EXPECT_TRUE(late.has_case_registered()) << "outside the 72 h window";
  clock_.Advance(absl::Hours(1));
  auto dup = Send("e3", Contact("c3", "citizen-c", "yol-sokak", kTarsusCentre.lat,
                                kTarsusCentre.lon));
  ASSERT_TRUE(dup.has_case_linked());
  EXPECT_EQ(dup.case_linked().linked_to_case_id(), "c2");
}

TEST_F(IntakeLinksTest, ResolvedCasesAreNoLongerLinkedToAndReopenedOnesAreAgain) {
  Send("e1", Contact("c1", "citizen-a", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon));
  ASSERT_OK(tracker_.Handle(Consumed("teksin.routing.decisions.v1", Decision("r1", "resolved", "c1"))));
  auto after = Send("e2", Contact("c2", "citizen-a", "yol-sokak", kTarsusCentre.lat,
                                  kTarsusCentre.lon));
  EXPECT_TRUE(after.has_case_registered()) << "c1 is resolved: a new case";
  ASSERT_OK(tracker_.Handle(Consumed("teksin.routing.decisions.v1", Decision("r2", "closed", "c2"))));
  ASSERT_OK(tracker_.Handle(Consumed("teksin.routing.decisions.v1", Decision("r3", "reopened", "c1"))));
  auto repeat = Send("e3", Contact("c3", "citizen-a", "yol-sokak", kTarsusCentre.lat,
                                   kTarsusCentre.lon));
  ASSERT_TRUE(repeat.has_case_linked());
  EXPECT_EQ(repeat.case_linked().linked_to_case_id(), "c1");
  // A reopened case without an id is a poison event.
  v1::Envelope bad = Decision("r4", "reopened", "");
  EXPECT_TRUE(common::IsPermanent(tracker_.Handle(Consumed("t", bad))));
}

TEST_F(IntakeLinksTest, ARedeliveredContactGetsTheSameDecisionEvenAfterTheCaseClosed) {
  Send("e1", Contact("c1", "citizen-a", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon));
  auto first = Send("e2", Contact("c2", "citizen-b", "yol-sokak", kTarsusCentre.lat,
                                  kTarsusCentre.lon));
  ASSERT_TRUE(first.has_case_linked());
  ASSERT_OK(tracker_.Handle(Consumed("d", Decision("r1", "closed", "c1"))));
  clock_.Advance(absl::Hours(100));
  auto replay = Send("e2", Contact("c2", "citizen-b", "yol-sokak", kTarsusCentre.lat,
                                   kTarsusCentre.lon));
  ASSERT_TRUE(replay.has_case_linked());
  EXPECT_EQ(replay.event_id(), first.event_id());
  EXPECT_EQ(replay.case_linked().linked_to_case_id(), "c1");
  // Replaying the registration of the closed case does not open it again.
  auto reg = Send("e1", Contact("c1", "citizen-a", "yol-sokak", kTarsusCentre.lat,
                                kTarsusCentre.lon));
  EXPECT_TRUE(reg.has_case_registered());
  auto fresh = Send("e3", Contact("c3", "citizen-a", "yol-sokak", kTarsusCentre.lat,
                                  kTarsusCentre.lon));
  EXPECT_TRUE(fresh.has_case_registered());
  EXPECT_EQ(store_.decisions(), 3u);
}

TEST_F(IntakeLinksTest, InformationRequestsAndPersonalNeedsAreNeverDuplicates) {
  v1::Case a = Contact("c1", "citizen-a", "sosyal-yardim", kTarsusCentre.lat, kTarsusCentre.lon,
                       "Gıda yardımı başvurusu");
  Send("e1", a);
  auto b = Send("e2", Contact("c2", "citizen-b", "sosyal-yardim", kTarsusCentre.lat,
                              kTarsusCentre.lon, "Gıda yardımı başvurusu"));
  EXPECT_TRUE(b.has_case_registered()) << "two families nearby both need help";
  v1::Case info = Contact("c3", "citizen-c", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon);
  info.set_request_type(v1::REQUEST_TYPE_INFORMATION);
  Send("e3", info);
  v1::Case info2 = info;
  info2.set_case_id("c4");
  auto again = Send("e4", info2);
  EXPECT_TRUE(again.has_case_registered()) << "information requests are never linked";
}

TEST_F(IntakeLinksTest, AnEmergencyIsHandedOffFirstAndNeverLinkedAway) {
  Send("e1", Contact("c1", "citizen-a", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon));
  auto reg = Send("e2", Contact("c2", "citizen-a", "yol-sokak", kTarsusCentre.lat,
                                kTarsusCentre.lon, "Yoldaki çukurdan GAZ KAÇAĞI var"));
  ASSERT_TRUE(reg.has_case_registered()) << "an emergency is never a repeat";
  EXPECT_TRUE(reg.case_registered().emergency());
  EXPECT_EQ(reg.case_registered().emergency_rule(), "gaz-kacagi");
  EXPECT_EQ(reg.case_registered().case_().priority(), v1::PRIORITY_P1);

  auto all = publisher_.All();
  ASSERT_THAT(all, SizeIs(3));
  EXPECT_EQ(all[1].topic, kEmergencies);  // before the CaseRegistered
  EXPECT_EQ(all[2].topic, kCases);
  const auto& h = all[1].envelope;
  ASSERT_TRUE(h.has_emergency_handoff());
  EXPECT_EQ(h.emergency_handoff().handed_to(), "itfaiye");
  EXPECT_EQ(h.emergency_handoff().rule(), "gaz-kacagi");
  EXPECT_EQ(h.emergency_handoff().case_().priority(), v1::PRIORITY_P1);
  EXPECT_EQ(h.event_id(), common::DerivedId("e2", "intake-emergency"));
  EXPECT_EQ(all[1].key, "c2");
  EXPECT_NE(registry_.Render().find("teksin_intake_emergencies_total{rule=\"gaz-kacagi\"} 1"),
            std::string::npos);
}

TEST_F(IntakeLinksTest, AHandOffThatIsNotAcknowledgedRegistersNothing) {
  class Refusing : public events::EventPublisher {
   public:
    absl::Status Publish(std::vector<events::OutgoingEvent>) override {
      ++calls;
      return absl::UnavailableError("broker down");
    }
    int calls = 0;
  } refusing;
  options_.handoff_publisher = &refusing;
  IntakeService service(teksin::testing::RealCatalogue(), teksin::testing::RealDistricts(),
                        topics_, publisher_, clock_, registry_, options_);
  auto s = service.Handle(Consumed(
      kContacts, ContactReceivedEnv("e1", clock_.Now(),
                                    Contact("c1", "a", "yol-sokak", kTarsusCentre.lat,
                                            kTarsusCentre.lon, "Binada yangın var"))));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);  // retried: the hand-off comes first
  EXPECT_EQ(refusing.calls, 1);
  EXPECT_TRUE(publisher_.All().empty());
  // With a working hand-off publisher the hand-off goes there, the case to the main one.
  events::InMemoryEventPublisher handoffs;
  options_.handoff_publisher = &handoffs;
  IntakeService ok(teksin::testing::RealCatalogue(), teksin::testing::RealDistricts(), topics_,
                   publisher_, clock_, registry_, options_);
  ASSERT_OK(ok.Handle(Consumed(
      kContacts, ContactReceivedEnv("e1", clock_.Now(),
                                    Contact("c1", "a", "yol-sokak", kTarsusCentre.lat,
                                            kTarsusCentre.lon, "Binada yangın var")))));
  EXPECT_THAT(handoffs.Published(kEmergencies), SizeIs(1));
  EXPECT_THAT(publisher_.Published(kCases), SizeIs(1));
  EXPECT_TRUE(publisher_.Published(kEmergencies).empty());
}

TEST_F(IntakeLinksTest, StoreFailureIsTransientAndPublishesNothing) {
  class DownStore : public InMemoryLinkStore {
    absl::StatusOr<std::optional<LinkDecision>> GetDecision(const std::string&) override {
      return absl::UnavailableError("redis down");
    }
  } down;
  options_.links = &down;
  IntakeService service(teksin::testing::RealCatalogue(), teksin::testing::RealDistricts(),
                        topics_, publisher_, clock_, registry_, options_);
  auto s = service.Handle(Consumed(
      kContacts, ContactReceivedEnv("e1", clock_.Now(), Contact("c1", "a", "yol-sokak",
                                                                  kTarsusCentre.lat,
                                                                  kTarsusCentre.lon))));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(common::IsPermanent(s));
  EXPECT_TRUE(publisher_.All().empty());
}

// In the consumer's scope, contacts that need a decision are decided in batches (ADR 0024): the
// same answers as one by one, in order within a batch, each completed only once its event is
// published; an emergency waits for the contacts queued before it; a refused batch fails its
// completions and publishes nothing.
TEST_F(IntakeLinksTest, InsideTheConsumersScopeContactsAreDecidedInBatches) {
  class CountingStore : public InMemoryLinkStore {
   public:
    absl::StatusOr<std::vector<LinkDecision>> DecideAndRecordMany(
        const std::vector<DecideRequest>& requests) override {
      ++batches;
      if (fail) return absl::UnavailableError("redis down");
      return InMemoryLinkStore::DecideAndRecordMany(requests);
    }
    int batches = 0;
    bool fail = false;
  } store;
  ContactBatchOptions o;
  o.max_items = 3;
  o.max_delay = std::chrono::hours(1);  // only full batches and flushes
  o.max_attempts = 1;
  ContactBatcher batcher(store, o);
  options_.links = &store;
  options_.batcher = &batcher;
  IntakeService service(teksin::testing::RealCatalogue(), teksin::testing::RealDistricts(),
                        topics_, publisher_, clock_, registry_, options_);
  std::vector<std::shared_ptr<kafka::AckBatch>> done;
  auto handle = [&](const std::string& id, const v1::Case& c) {
    kafka::DeferredAcks scope;
    EXPECT_OK(service.Handle(Consumed(kContacts, ContactReceivedEnv(id, clock_.Now(), c))));
    auto taken = scope.Take();
    done.insert(done.end(), taken.begin(), taken.end());
  };
  handle("e1", Contact("c1", "citizen-a", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon));
  handle("e2", Contact("c2", "citizen-a", "yol-sokak", kMezitli.lat, kMezitli.lon));
  ASSERT_THAT(done, SizeIs(2));
  EXPECT_FALSE(done[0]->Done()) << "queued: the batch is not full";
  EXPECT_TRUE(publisher_.Published(kCases).empty());
  handle("e3", Contact("c3", "citizen-b", "yol-sokak", kTarsusCentre.lat + kDegPer100m,
                       kTarsusCentre.lon));
  for (const auto& d : done) ASSERT_TRUE(d->WaitFor(std::chrono::minutes(1)));
  for (const auto& d : done) EXPECT_EQ(d->Error(), "");
  EXPECT_EQ(store.batches, 1);
  auto out = publisher_.Published(kCases);
  ASSERT_THAT(out, SizeIs(3));
  EXPECT_TRUE(out[0].envelope.has_case_registered());
  ASSERT_TRUE(out[1].envelope.has_case_linked());
  EXPECT_EQ(out[1].envelope.case_linked().kind(), v1::LINK_KIND_REPEAT);
  EXPECT_EQ(out[1].envelope.case_linked().linked_to_case_id(), "c1");
  ASSERT_TRUE(out[2].envelope.has_case_linked());
  EXPECT_EQ(out[2].envelope.case_linked().kind(), v1::LINK_KIND_DUPLICATE);
  EXPECT_EQ(out[2].envelope.event_id(), common::DerivedId("e3", "intake"));
  // An emergency: the contact queued before it is decided first, then it is handled at once.
  handle("e4", Contact("c4", "citizen-c", "cop-alinmadi", kMezitli.lat, kMezitli.lon,
                       "Çöp alınmadı"));
  handle("e5", Contact("c5", "citizen-d", "yol-sokak", kMezitli.lat, kMezitli.lon,
                       "Binada yangın var"));
  ASSERT_THAT(done, SizeIs(4)) << "the emergency is not deferred";
  ASSERT_TRUE(done[3]->Done());
  EXPECT_EQ(store.batches, 2);
  out = publisher_.Published(kCases);
  ASSERT_THAT(out, SizeIs(5));
  EXPECT_EQ(out[3].envelope.case_registered().case_().case_id(), "c4");
  EXPECT_TRUE(out[4].envelope.case_registered().emergency());
  // Redis refuses: the completions fail (the consumer hands the contacts over again), nothing is
  // published.
  store.fail = true;
  handle("e6", Contact("c6", "citizen-e", "cop-alinmadi", kTarsusCentre.lat, kTarsusCentre.lon,
                       "Çöp alınmadı"));
  batcher.Flush();
  ASSERT_THAT(done, SizeIs(5));
  ASSERT_TRUE(done[4]->Done());
  EXPECT_NE(done[4]->Error(), "");
  EXPECT_THAT(publisher_.Published(kCases), SizeIs(5));
  batcher.Stop();
}

}  // namespace
}  // namespace teksin::intake
