// Alo 185 operators and a walk-in desk over gRPC: every contact is counted by analytics, only the
// registered ones as cases; a retried call counts once; bad input is refused and counts nothing;
// the caller look-up shows the caller's cases as routing left them, and the nearby search finds
// the open case at its point but not one 10 km away.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "e2e/e2e_suite.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace teksin::testing {
namespace {

constexpr char kCallerPhone[] = "0532 444 55 66";
constexpr char kDeskPhone[] = "0533 222 11 00";
constexpr char kNeighbourPhone[] = "0542 777 88 99";

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return c;
}

v1::LogContactRequest Contact(const std::string& key, v1::ContactOutcome outcome,
                              const std::string& phone) {
  v1::LogContactRequest r;
  r.set_idempotency_key(key);
  r.set_outcome(outcome);
  r.set_channel(v1::CHANNEL_CALL_CENTER);
  r.set_operator_id("op-e2e-1");
  r.set_caller_phone(phone);
  r.set_age_group(v1::AGE_GROUP_30_44);
  return r;
}

void SetPoint(v1::Location* l, double lat, double lon) {
  l->set_has_coordinates(true);
  l->set_lat(lat);
  l->set_lon(lon);
}

int64_t Row(const nlohmann::json& summary, const std::string& dimension, const std::string& key,
            const std::string& measure) {
  if (!summary.contains(dimension)) return 0;
  for (const auto& row : summary[dimension]) {
    if (row.value("key", "") == key) return JsonInt(row, measure);
  }
  return 0;
}

TEST(CallCenter, ContactsCasesLookupAndNearbyThroughTheWholeSuite) {
  E2eSuite suite("callcenter");
  // Status the rules give each case, as routing will publish it.
  auto expected_status = [&](const std::string& category, const std::string& district) {
    auto owner = suite.rules().Decide(category, district).owner;
    bool forward = owner.kind != v1::OWNER_KIND_METROPOLITAN_DEPARTMENT &&
                   owner.kind != v1::OWNER_KIND_COORDINATION_CENTRE;
    return std::make_pair(owner.id, forward ? v1::CASE_STATUS_FORWARDED : v1::CASE_STATUS_ROUTED);
  };
  const double kLat = 36.918, kLon = 34.895;  // central Tarsus
  // 10 km west along the parallel, still in Mersin.
  const double kMetresPerDegree = 6372797.560856 * M_PI / 180.0;
  const double kFarLon = kLon - 10000.0 / (kMetresPerDegree * std::cos(kLat * M_PI / 180.0));
  ASSERT_EQ(suite.districts().Locate(kLat, kLon).value_or(""), "Tarsus");
  ASSERT_TRUE(suite.districts().Locate(kLat, kFarLon).has_value());

  suite.StartRouting();
  suite.WaitHealthy("routing-1");
  suite.StartIntake();
  suite.StartAnalytics();
  // High enough for the polling below, low enough to reach within a test.
  suite.StartCallCenter(
      {{"CALLCENTER_RATE_LIMIT", "400"}, {"CALLCENTER_RATE_WINDOW_SECONDS", "3600"}});
  for (const char* k : {"intake-1", "analytics-1", "callcenter"}) suite.WaitHealthy(k);
  auto cc = suite.CallCenter();

  // 1. The caller asks about a water cut: answered on the spot.
  v1::LogContactResponse info;
  {
    auto r = Contact("alo185-e2e-0001", v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT, kCallerPhone);
    r.set_request_type(v1::REQUEST_TYPE_INFORMATION);
    r.set_category("su-kesintisi");
    r.set_text("Su kesintisi ne zaman bitecek?");
    ASSERT_TRUE(cc->LogContact(Ctx().get(), r, &info).ok());
    EXPECT_FALSE(info.contact_id().empty());
    EXPECT_TRUE(info.tracking_code().empty());
  }
  // 2. ... then reports a burst pipe at a point: a case.
  v1::LogContactRequest pipe =
      Contact("alo185-e2e-0002", v1::CONTACT_OUTCOME_CASE_REQUESTED, kCallerPhone);
  pipe.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  pipe.set_category("su-ariza");
  pipe.set_text("Sokakta su borusu patladı, su boşa akıyor.");
  SetPoint(pipe.mutable_location(), kLat, kLon);
  v1::LogContactResponse pipe_case;
  ASSERT_TRUE(cc->LogContact(Ctx().get(), pipe, &pipe_case).ok());
  EXPECT_FALSE(pipe_case.case_id().empty());
  EXPECT_FALSE(pipe_case.tracking_code().empty());
  // 3. The console did not hear the answer and sends the same call again: the same answer.
  {
    auto ctx = Ctx();
    v1::LogContactResponse again;
    ASSERT_TRUE(cc->LogContact(ctx.get(), pipe, &again).ok());
    EXPECT_EQ(again.SerializeAsString(), pipe_case.SerializeAsString());
    auto md = ctx->GetServerInitialMetadata();
    auto it = md.find("idempotent-replayed");
    ASSERT_NE(it, md.end());
    EXPECT_EQ(std::string(it->second.data(), it->second.size()), "true");
  }
  // 4. ... and uncollected rubbish in Mezitli, by district and neighbourhood only.
  v1::RegisterCaseRequest rubbish;
  rubbish.set_idempotency_key("alo185-e2e-0003");
  rubbish.set_operator_id("op-e2e-1");
  rubbish.set_caller_phone(kCallerPhone);
  rubbish.set_category("cop-alinmadi");
  rubbish.set_text("Üç gündür çöpler alınmadı.");
  rubbish.mutable_location()->set_district("mezitli");
  rubbish.mutable_location()->set_neighbourhood("Davultepe");
  v1::LogContactResponse rubbish_case;
  ASSERT_TRUE(cc->RegisterCase(Ctx().get(), rubbish, &rubbish_case).ok());
  // 5. A power cut: put through to the electricity distributor.
  {
    auto r = Contact("alo185-e2e-0004", v1::CONTACT_OUTCOME_TRANSFERRED, kCallerPhone);
    r.set_category("elektrik");
    r.set_transferred_to("toroslar-edas");
    v1::LogContactResponse out;
    ASSERT_TRUE(cc->LogContact(Ctx().get(), r, &out).ok());
  }
  // 6. A walk-in desk in Akdeniz registers a park case for another citizen.
  v1::RegisterCaseRequest park;
  park.set_idempotency_key("desk-akdeniz-e2e-0001");
  park.set_desk_id("desk-akdeniz-1");
  park.set_caller_phone(kDeskPhone);
  park.set_category("park-bakim");
  park.set_text("Parktaki banklar kırık.");
  SetPoint(park.mutable_location(), 36.80, 34.64);
  v1::LogContactResponse park_case;
  ASSERT_TRUE(cc->RegisterCase(Ctx().get(), park, &park_case).ok());
  // 7. Another burst pipe, 10 km away.
  v1::LogContactRequest far = pipe;
  far.set_idempotency_key("alo185-e2e-0005");
  far.set_caller_phone(kNeighbourPhone);
  SetPoint(far.mutable_location(), kLat, kFarLon);
  v1::LogContactResponse far_case;
  ASSERT_TRUE(cc->LogContact(Ctx().get(), far, &far_case).ok());
  // 8. A category that does not exist: refused, nothing published.
  {
    v1::LogContactRequest bad = pipe;
    bad.set_idempotency_key("alo185-e2e-0006");
    bad.set_category("su-borusu");
    v1::LogContactResponse out;
    grpc::Status s = cc->LogContact(Ctx().get(), bad, &out);
    EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_NE(s.error_message().find("category \"su-borusu\""), std::string::npos)
        << s.error_message();
    EXPECT_NE(s.error_message().find("kataloğunda"), std::string::npos) << s.error_message();
  }

  // Analytics: six contacts (the retry and the refusal count nothing), four of them cases, each
  // routed once; 6 + 4 + 4 events.
  nlohmann::json s;
  ASSERT_TRUE(WaitUntil([&] {
    s = suite.Summary();
    return JsonInt(s, "cases_routed") >= 4 && JsonInt(s, "events_counted") >= 14;
  }, std::chrono::seconds(90))) << s.dump();
  s = suite.Summary();
  EXPECT_EQ(JsonInt(s, "contacts"), 6) << s.dump();
  EXPECT_EQ(JsonInt(s, "cases_registered"), 4);
  EXPECT_EQ(JsonInt(s, "cases_rejected"), 0);
  EXPECT_EQ(JsonInt(s, "cases_routed"), 4);
  EXPECT_EQ(JsonInt(s, "events_counted"), 14);
  EXPECT_EQ(Row(s, "by_channel", "call_center", "contacts"), 5);
  EXPECT_EQ(Row(s, "by_channel", "call_center", "cases"), 3);
  EXPECT_EQ(Row(s, "by_channel", "walk_in", "contacts"), 1);
  EXPECT_EQ(Row(s, "by_channel", "walk_in", "cases"), 1);
  EXPECT_EQ(Row(s, "by_district", "Mezitli", "cases"), 1);

  // The caller's cases, newest first, with the status routing gave them.
  auto [pipe_owner, pipe_status] = expected_status("su-ariza", "Tarsus");
  auto [rubbish_owner, rubbish_status] = expected_status("cop-alinmadi", "Mezitli");
  v1::LookupCallerRequest lookup;
  lookup.set_caller_phone("+90 532 444 5566");  // the same number, written another way
  lookup.set_operator_id("op-e2e-2");
  v1::LookupCallerResponse seen;
  ASSERT_TRUE(WaitUntil([&] {
    seen.Clear();
    return cc->LookupCaller(Ctx().get(), lookup, &seen).ok() && seen.cases_size() == 2 &&
           seen.cases(0).status() == rubbish_status && seen.cases(1).status() == pipe_status;
  }, std::chrono::seconds(30))) << seen.DebugString();
  EXPECT_EQ(seen.open_cases(), 2);
  const v1::CallCenterCase& newest = seen.cases(0);
  EXPECT_EQ(newest.tracking_code(), rubbish_case.tracking_code());
  EXPECT_EQ(newest.category(), "cop-alinmadi");
  EXPECT_EQ(newest.district(), "Mezitli");
  EXPECT_EQ(newest.neighbourhood(), "Davultepe");
  EXPECT_EQ(newest.owner().unit_id(), rubbish_owner);
  EXPECT_FALSE(newest.has_coordinates());
  const v1::CallCenterCase& older = seen.cases(1);
  EXPECT_EQ(older.case_id(), pipe_case.case_id());
  EXPECT_EQ(older.tracking_code(), pipe_case.tracking_code());
  EXPECT_EQ(older.owner().unit_id(), pipe_owner);
  EXPECT_FALSE(older.owner().name().empty());
  EXPECT_EQ(older.district(), "Tarsus");
  EXPECT_EQ(older.channel(), v1::CHANNEL_CALL_CENTER);
  EXPECT_TRUE(older.open());
  EXPECT_TRUE(older.has_received_at());
  EXPECT_TRUE(older.has_deadline());
  EXPECT_GE(newest.received_at().seconds(), older.received_at().seconds());

  // The desk's citizen has the walk-in case.
  lookup.set_caller_phone(kDeskPhone);
  ASSERT_TRUE(cc->LookupCaller(Ctx().get(), lookup, &seen).ok());
  ASSERT_EQ(seen.cases_size(), 1);
  EXPECT_EQ(seen.cases(0).tracking_code(), park_case.tracking_code());
  EXPECT_EQ(seen.cases(0).channel(), v1::CHANNEL_WALK_IN);
  EXPECT_EQ(seen.cases(0).district(), "Akdeniz");

  // Open burst pipes near the first one: that one, at its point; never the one 10 km away.
  v1::FindNearbyOpenCasesRequest near;
  near.set_lat(kLat + 0.0005);  // the next caller stands ~55 m north
  near.set_lon(kLon);
  near.set_category("su-ariza");
  near.set_operator_id("op-e2e-3");
  v1::FindNearbyOpenCasesResponse found;
  ASSERT_TRUE(WaitUntil([&] {
    found.Clear();
    return cc->FindNearbyOpenCases(Ctx().get(), near, &found).ok() && found.cases_size() >= 1;
  }, std::chrono::seconds(30)));
  EXPECT_EQ(found.radius_m(), 250);
  ASSERT_EQ(found.cases_size(), 1) << found.DebugString();
  EXPECT_EQ(found.cases(0).case_().case_id(), pipe_case.case_id());
  EXPECT_EQ(found.cases(0).case_().tracking_code(), pipe_case.tracking_code());
  EXPECT_NEAR(found.cases(0).distance_m(), 55.6, 2.0);
  near.set_radius_m(5000);
  ASSERT_TRUE(cc->FindNearbyOpenCases(Ctx().get(), near, &found).ok());
  ASSERT_EQ(found.cases_size(), 1);
  EXPECT_EQ(found.cases(0).case_().case_id(), pipe_case.case_id());
  // At the far point, only the far case; with another category, nothing.
  near.set_lon(kFarLon);
  near.set_lat(kLat);
  near.set_radius_m(0);
  ASSERT_TRUE(WaitUntil([&] {
    return cc->FindNearbyOpenCases(Ctx().get(), near, &found).ok() && found.cases_size() == 1;
  }, std::chrono::seconds(30)));
  EXPECT_EQ(found.cases(0).case_().case_id(), far_case.case_id());
  near.set_category("park-bakim");
  ASSERT_TRUE(cc->FindNearbyOpenCases(Ctx().get(), near, &found).ok());
  EXPECT_EQ(found.cases_size(), 0);
  near.set_radius_m(6000);
  EXPECT_EQ(cc->FindNearbyOpenCases(Ctx().get(), near, &found).error_code(),
            grpc::INVALID_ARGUMENT);

  // One operator over the limit gets RESOURCE_EXHAUSTED with a retry-after; the others go on.
  {
    v1::LookupCallerRequest flood;
    flood.set_caller_phone(kNeighbourPhone);
    flood.set_operator_id("op-e2e-flood");
    grpc::Status last;
    std::string retry_after;
    for (int i = 0; i < 802 && last.ok(); ++i) {  // two windows, should the hour turn
      auto ctx = Ctx();
      v1::LookupCallerResponse out;
      last = cc->LookupCaller(ctx.get(), flood, &out);
      if (!last.ok()) {
        auto md = ctx->GetServerTrailingMetadata();
        auto it = md.find("retry-after");
        if (it != md.end()) retry_after.assign(it->second.data(), it->second.size());
      }
    }
    EXPECT_EQ(last.error_code(), grpc::RESOURCE_EXHAUSTED) << last.error_message();
    EXPECT_NE(last.error_message().find("retry after"), std::string::npos);
    EXPECT_FALSE(retry_after.empty());
    EXPECT_GT(std::atoi(retry_after.c_str()), 0);
    ASSERT_TRUE(cc->LookupCaller(Ctx().get(), lookup, &seen).ok());
  }

  // The figures the service exports, in valid exposition format.
  HttpAnswer m = HttpGet(suite.http_port("callcenter"), "/metrics");
  ASSERT_EQ(m.status, 200);
  bool ok = false;
  std::string promtool = PromtoolCheck(m.body, &ok);
  EXPECT_TRUE(ok) << promtool;
  const std::string kContacts = "teksin_channel_callcenter_contacts_total";
  for (const std::string& line :
       {kContacts + "{outcome=\"answered_on_spot\",channel=\"call_center\"} 1",
        kContacts + "{outcome=\"case_requested\",channel=\"call_center\"} 3",
        kContacts + "{outcome=\"case_requested\",channel=\"walk_in\"} 1",
        kContacts + "{outcome=\"transferred\",channel=\"call_center\"} 1",
        std::string("teksin_channel_callcenter_idempotent_replays_total 1"),
        std::string("teksin_channel_callcenter_errors_total{rpc=\"LogContact\","
                    "code=\"invalid_argument\"} 1"),
        std::string("teksin_channel_callcenter_lookups_total{kind=\"caller\"}"),
        std::string("teksin_channel_callcenter_lookups_total{kind=\"nearby\"}")}) {
    EXPECT_NE(m.body.find(line), std::string::npos) << line << "\n" << m.body;
  }

  // The numbers never reach a log.
  for (const std::string key : {"callcenter", "intake-1", "routing-1", "analytics-1"}) {
    std::string log = suite.process(key).LogTail(1 << 20);
    for (const char* needle : {"444 55", "5324445566", "222 11", "5332221100", "5427778899"}) {
      EXPECT_EQ(log.find(needle), std::string::npos) << key << ": " << needle;
    }
  }
}

}  // namespace
}  // namespace teksin::testing
