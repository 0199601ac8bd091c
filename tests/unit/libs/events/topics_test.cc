#include "events/topics.h"

#include <regex>

#include "events/envelope.h"
#include "gtest/gtest.h"

namespace teksin::events {
namespace {

TEST(TopicsTest, NamesCarryThePrefix) {
  Topics t("teksin");
  EXPECT_EQ(t.ChannelContacts("open311"), "teksin.channel.open311.contacts.v1");
  EXPECT_EQ(t.IntakeCases(), "teksin.intake.cases.v1");
  EXPECT_EQ(t.RoutingDecisions(), "teksin.routing.decisions.v1");
  EXPECT_EQ(t.RoutingTasks("ilce-tarsus"), "teksin.routing.tasks.ilce-tarsus.v1");
  EXPECT_EQ(t.DepartmentUpdates(), "teksin.department.updates.v1");
  EXPECT_EQ(Topics::DeadLetter("teksin.intake.cases.v1"), "teksin.intake.cases.v1.dlq");
  EXPECT_EQ(t.ConsumerGroup("routing"), "teksin.routing");
}

TEST(TopicsTest, ChannelPatternMatchesEveryChannelOfItsPrefixOnly) {
  Topics t("test-1.a");
  std::regex re(t.ChannelContactsPattern());
  EXPECT_TRUE(std::regex_match(t.ChannelContacts("open311"), re));
  EXPECT_TRUE(std::regex_match(t.ChannelContacts("whatsapp"), re));
  EXPECT_FALSE(std::regex_match(t.ChannelContacts("open311") + ".dlq", re));
  EXPECT_FALSE(std::regex_match("test-1Xa.channel.open311.contacts.v1", re));  // '.' is literal
  EXPECT_FALSE(std::regex_match(Topics("other").ChannelContacts("open311"), re));
}

TEST(IsValidUnitIdTest, OnlyTopicSafeIds) {
  EXPECT_TRUE(IsValidUnitId("ilce-tarsus"));
  EXPECT_TRUE(IsValidUnitId("kgm-5-bolge"));
  EXPECT_FALSE(IsValidUnitId(""));
  EXPECT_FALSE(IsValidUnitId("İlçe-Tarsus"));
  EXPECT_FALSE(IsValidUnitId("yol_yapim"));
  EXPECT_FALSE(IsValidUnitId("yol.yapim"));
  EXPECT_FALSE(IsValidUnitId(std::string(65, 'a')));
}

TEST(EnvelopeTest, StampTypeNamesThePayload) {
  EnvelopeMeta m;
  m.event_id = "e1";
  m.source = "intake";
  m.occurred_at = absl::FromUnixSeconds(1779433200);
  v1::Envelope e = NewEnvelope(m);
  EXPECT_EQ(PayloadTypeName(e), "");
  e.mutable_case_registered()->mutable_case_()->set_case_id("c1");
  StampType(e);
  EXPECT_EQ(e.event_type(), "teksin.v1.CaseRegistered");
  EXPECT_EQ(e.event_id(), "e1");
  EXPECT_EQ(e.occurred_at().seconds(), 1779433200);
}

}  // namespace
}  // namespace teksin::events
