// Intake over the real catalogue and the real Mersin boundaries: what a channel's contact
// becomes on teksin.intake.cases.v1.
#include "intake/intake_service.h"

#include <string>

#include "common/status.h"
#include "events/in_memory.h"
#include "events/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/envelopes.h"
#include "support/reference_data.h"
#include "support/status.h"

namespace teksin::intake {
namespace {

using ::teksin::testing::CaseAt;
using ::teksin::testing::Consumed;
using ::teksin::testing::ContactReceivedEnv;
using ::teksin::testing::kAdanaCity;
using ::teksin::testing::kMezitli;
using ::teksin::testing::kOpenSea;
using ::teksin::testing::kTarsusCentre;
using ::teksin::testing::TrTime;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kContactsTopic[] = "teksin.channel.open311.contacts.v1";
constexpr char kCasesTopic[] = "teksin.intake.cases.v1";

class IntakeServiceTest : public ::testing::Test {
 protected:
  absl::Status HandleContact(const std::string& event_id, const v1::Case& c,
                             v1::ContactOutcome outcome = v1::CONTACT_OUTCOME_CASE_REQUESTED) {
    return service_.Handle(Consumed(kContactsTopic, ContactReceivedEnv(event_id, received_, c, outcome)));
  }

  // The one event intake published.
  v1::Envelope OnlyPublished() {
    auto out = publisher_.Published(kCasesTopic);
    EXPECT_THAT(publisher_.All(), SizeIs(1));
    if (out.size() != 1) return {};
    EXPECT_EQ(out[0].key, out[0].envelope.partition_key());
    return out[0].envelope;
  }

  absl::Time received_ = TrTime(2026, 5, 22, 10, 0);
  common::FakeClock clock_{TrTime(2026, 5, 22, 10, 0, 2)};
  events::Topics topics_{"teksin"};
  events::InMemoryEventPublisher publisher_;
  IntakeService service_{teksin::testing::RealCatalogue(), teksin::testing::RealDistricts(),
                         topics_, publisher_, clock_};
};

TEST_F(IntakeServiceTest, ContactInTarsusRegistersACaseWithItsDistrict) {
  v1::Case c = CaseAt("case-1", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon,
                      "  Sokağımızda büyük bir çukur var  ");
  ASSERT_OK(HandleContact("contact-event-1", c));

  auto out = publisher_.Published(kCasesTopic);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].key, "case-1");
  const v1::Envelope& e = out[0].envelope;
  EXPECT_EQ(e.event_type(), "teksin.v1.CaseRegistered");
  EXPECT_EQ(e.source(), "intake");
  EXPECT_EQ(e.correlation_id(), "case-1");
  EXPECT_EQ(e.causation_id(), "contact-event-1");
  EXPECT_EQ(e.partition_key(), "case-1");
  ASSERT_TRUE(e.has_case_registered());
  const v1::Case& reg = e.case_registered().case_();
  EXPECT_EQ(reg.case_id(), "case-1");
  EXPECT_EQ(reg.tracking_code(), "7KQ2M-X9D4F");
  EXPECT_EQ(reg.location().district(), "Tarsus");
  EXPECT_EQ(reg.status(), v1::CASE_STATUS_REGISTERED);
  EXPECT_EQ(reg.text(), "Sokağımızda büyük bir çukur var");  // trimmed
  EXPECT_EQ(reg.request_type(), v1::REQUEST_TYPE_COMPLAINT);  // the service's first type
  EXPECT_EQ(e.case_registered().contact_id(), "contact-contact-event-1");
  ASSERT_GT(reg.history_size(), 0);
  EXPECT_EQ(reg.history(reg.history_size() - 1).status(), v1::CASE_STATUS_REGISTERED);
  EXPECT_EQ(reg.history(reg.history_size() - 1).actor(), "intake");
  EXPECT_EQ(reg.history(reg.history_size() - 1).event_id(), e.event_id());
}

TEST_F(IntakeServiceTest, MezitliContactKeepsTheCitizensRequestType) {
  v1::Case c = CaseAt("case-2", "park-bakim", kMezitli.lat, kMezitli.lon);
  c.set_request_type(v1::REQUEST_TYPE_SUGGESTION);
  ASSERT_OK(HandleContact("contact-event-2", c));
  v1::Envelope e = OnlyPublished();
  EXPECT_EQ(e.case_registered().case_().location().district(), "Mezitli");
  EXPECT_EQ(e.case_registered().case_().request_type(), v1::REQUEST_TYPE_SUGGESTION);
}

TEST_F(IntakeServiceTest, DistrictFromThePickerWhenThereAreNoCoordinates) {
  v1::Case c = CaseAt("case-3", "cop-alinmadi", 0, 0);
  c.mutable_location()->set_has_coordinates(false);
  c.mutable_location()->set_district("Mut");
  ASSERT_OK(HandleContact("contact-event-3", c));
  v1::Envelope e = OnlyPublished();
  ASSERT_TRUE(e.has_case_registered());
  EXPECT_EQ(e.case_registered().case_().location().district(), "Mut");
}

TEST_F(IntakeServiceTest, CoordinatesWinOverAWrongDistrictPick) {
  v1::Case c = CaseAt("case-4", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon);
  c.mutable_location()->set_district("Mut");
  ASSERT_OK(HandleContact("contact-event-4", c));
  EXPECT_EQ(OnlyPublished().case_registered().case_().location().district(), "Tarsus");
}

TEST_F(IntakeServiceTest, ContactInAdanaIsRejectedAsOutsideJurisdiction) {
  ASSERT_OK(HandleContact("contact-event-5",
                          CaseAt("case-5", "yol-sokak", kAdanaCity.lat, kAdanaCity.lon)));
  v1::Envelope e = OnlyPublished();
  EXPECT_EQ(e.event_type(), "teksin.v1.CaseRejected");
  ASSERT_TRUE(e.has_case_rejected());
  const auto& r = e.case_rejected();
  EXPECT_EQ(r.code(), v1::REJECTION_CODE_OUTSIDE_JURISDICTION);
  EXPECT_EQ(r.case_id(), "case-5");
  EXPECT_EQ(r.tracking_code(), "7KQ2M-X9D4F");
  EXPECT_EQ(r.contact_id(), "contact-contact-event-5");
  EXPECT_EQ(r.channel(), v1::CHANNEL_MOBILE_APP);
  EXPECT_THAT(r.reason(), HasSubstr("Mersin"));
  EXPECT_EQ(r.case_().status(), v1::CASE_STATUS_REJECTED);
  EXPECT_EQ(r.case_().location().district(), "");
}

TEST_F(IntakeServiceTest, ContactAtSeaIsRejectedAsOutsideJurisdiction) {
  ASSERT_OK(HandleContact("contact-event-6", CaseAt("case-6", "yol-sokak", kOpenSea.lat, kOpenSea.lon)));
  EXPECT_EQ(OnlyPublished().case_rejected().code(), v1::REJECTION_CODE_OUTSIDE_JURISDICTION);
}

TEST_F(IntakeServiceTest, UnknownCategoryIsRejected) {
  ASSERT_OK(HandleContact("contact-event-7",
                          CaseAt("case-7", "pothole", kTarsusCentre.lat, kTarsusCentre.lon)));
  v1::Envelope e = OnlyPublished();
  EXPECT_EQ(e.case_rejected().code(), v1::REJECTION_CODE_UNKNOWN_CATEGORY);
  EXPECT_THAT(e.case_rejected().reason(), HasSubstr("pothole"));
}

TEST_F(IntakeServiceTest, BlankTextIsRejected) {
  ASSERT_OK(HandleContact("contact-event-8", CaseAt("case-8", "yol-sokak", kTarsusCentre.lat,
                                                    kTarsusCentre.lon, " \t\n ")));
  EXPECT_EQ(OnlyPublished().case_rejected().code(), v1::REJECTION_CODE_EMPTY_TEXT);
}

TEST_F(IntakeServiceTest, NoCoordinatesAndNoDistrictIsRejected) {
  v1::Case c = CaseAt("case-9", "yol-sokak", 0, 0);
  c.mutable_location()->set_has_coordinates(false);
  c.mutable_location()->set_address("Atatürk Caddesi no 5");
  ASSERT_OK(HandleContact("contact-event-9", c));
  EXPECT_EQ(OnlyPublished().case_rejected().code(), v1::REJECTION_CODE_NO_LOCATION);
}

TEST_F(IntakeServiceTest, ContactAnsweredOnTheSpotPublishesNothing) {
  v1::Case c = CaseAt("case-10", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon);
  EXPECT_OK(HandleContact("contact-event-10", c, v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT));
  EXPECT_OK(HandleContact("contact-event-11", c, v1::CONTACT_OUTCOME_TRANSFERRED));
  EXPECT_EQ(publisher_.size(), 0u);
}

TEST_F(IntakeServiceTest, WrongPayloadIsAPermanentError) {
  v1::Case c = CaseAt("case-12", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon);
  absl::Status s = service_.Handle(
      Consumed(kContactsTopic, teksin::testing::CaseRegisteredEnv("e-12", received_, c)));
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(common::IsPermanent(s)) << s;
  EXPECT_EQ(publisher_.size(), 0u);
}

TEST_F(IntakeServiceTest, CaseRequestWithoutCaseIdIsAPermanentError) {
  absl::Status s = HandleContact("contact-event-13", CaseAt("", "yol-sokak", 36.9, 34.9));
  EXPECT_TRUE(common::IsPermanent(s)) << s;
  EXPECT_EQ(publisher_.size(), 0u);
}

TEST_F(IntakeServiceTest, ReplayingAContactPublishesTheSameEventAgain) {
  v1::Case c = CaseAt("case-14", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon);
  ASSERT_OK(HandleContact("contact-event-14", c));
  clock_.Advance(absl::Minutes(5));  // redelivered later
  ASSERT_OK(HandleContact("contact-event-14", c));
  auto out = publisher_.Published(kCasesTopic);
  ASSERT_THAT(out, SizeIs(2));
  EXPECT_EQ(out[0].envelope.event_id(), out[1].envelope.event_id());
  EXPECT_EQ(out[0].key, out[1].key);
  EXPECT_EQ(out[0].envelope.case_registered().case_().case_id(),
            out[1].envelope.case_registered().case_().case_id());
}

TEST_F(IntakeServiceTest, DifferentContactsGetDifferentEventIds) {
  ASSERT_OK(HandleContact("contact-event-15",
                          CaseAt("case-15", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon)));
  ASSERT_OK(HandleContact("contact-event-16",
                          CaseAt("case-16", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon)));
  auto out = publisher_.Published(kCasesTopic);
  ASSERT_THAT(out, SizeIs(2));
  EXPECT_NE(out[0].envelope.event_id(), out[1].envelope.event_id());
}

TEST_F(IntakeServiceTest, BrokerOutageIsATransientError) {
  publisher_.FailNext(1);
  absl::Status s = HandleContact("contact-event-17",
                                 CaseAt("case-17", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon));
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(common::IsPermanent(s)) << s;
  // The consumer retries the same event, and it goes through.
  EXPECT_OK(HandleContact("contact-event-17",
                          CaseAt("case-17", "yol-sokak", kTarsusCentre.lat, kTarsusCentre.lon)));
  EXPECT_THAT(publisher_.Published(kCasesTopic), SizeIs(1));
}

}  // namespace
}  // namespace teksin::intake
