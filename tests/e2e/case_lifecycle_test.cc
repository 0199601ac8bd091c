// Cases submitted over Open311 are registered, routed to the owner the rules name, worked and
// resolved through the staff API, and counted exactly once by analytics; bad input is refused
// with a reason and publishes nothing.
#include <set>

#include "absl/strings/str_cat.h"
#include "e2e/e2e_suite.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace teksin::testing {
namespace {

struct Planned {
  std::string category, district, owner, tracking;
  double lat = 0, lon = 0;
};

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return c;
}

TEST(CaseLifecycle, RegisteredRoutedResolvedAndCountedOnce) {
  E2eSuite suite("life");
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"yol-ana-arter", "Yenişehir"}, {"su-ariza", "Tarsus"},      {"yol-sokak", "Tarsus"},
      {"sokak-lambasi", "Mezitli"},   {"park-bakim", "Akdeniz"},   {"park-bakim", "Mut"},
      {"cop-alinmadi", "Erdemli"},    {"sokak-hayvani", "Silifke"}};
  std::mt19937_64 rng(311);
  std::vector<Planned> cases;
  std::map<std::string, int> expected_per_owner;
  for (int i = 0; i < 24; ++i) {
    Planned p;
    std::tie(p.category, p.district) = kinds[i % kinds.size()];
    p.owner = suite.rules().Decide(p.category, p.district).owner.id;
    auto pt = suite.districts().RandomPointIn(p.district, rng);
    ASSERT_TRUE(pt.has_value());
    p.lat = pt->lat;
    p.lon = pt->lon;
    expected_per_owner[p.owner]++;
    cases.push_back(p);
  }
  // The rules send local streets to the district and street lights outside the municipality.
  EXPECT_EQ(suite.rules().Decide("yol-sokak", "Tarsus").owner.id, "ilce-tarsus");
  EXPECT_EQ(suite.rules().Decide("sokak-lambasi", "Mezitli").owner.id, "toroslar-edas");

  std::set<std::string> units;
  for (const auto& [owner, n] : expected_per_owner) units.insert(owner);
  units.insert("koordinasyon");
  suite.StartRouting();
  suite.WaitHealthy("routing-1");  // creates every unit's task topic
  for (const auto& u : units) suite.StartWorker(u);
  suite.StartIntake();
  suite.StartAnalytics();
  suite.StartOpen311();
  for (const auto& u : units) suite.WaitHealthy("worker-" + u + "-1");
  for (const char* k : {"intake-1", "analytics-1", "open311"}) suite.WaitHealthy(k);

  // Bad input: a clear 4xx in Open311's error format, and nothing published.
  {
    HttpAnswer a = HttpPostForm(suite.open311_port(), "/open311/v2/requests.json",
                                {{"api_key", kApiKey}, {"lat", "36.8"}, {"long", "34.6"},
                                 {"description", "Çukur var"}});
    EXPECT_EQ(a.status, 400);
    EXPECT_EQ(a.Json()[0]["description"], "service_code is required");
    a = HttpPostForm(suite.open311_port(), "/open311/v2/requests.json",
                     {{"api_key", "wrong"}, {"service_code", "su-ariza"}, {"lat", "36.8"},
                      {"long", "34.6"}, {"description", "Su borusu patladı"}});
    EXPECT_EQ(a.status, 403);
    a = HttpPostForm(suite.open311_port(), "/open311/v2/requests.json",
                     {{"api_key", kApiKey}, {"service_code", "su-ariza"},
                      {"description", "Su borusu patladı"}});
    EXPECT_EQ(a.status, 400);
    EXPECT_NE(a.body.find("location is required"), std::string::npos) << a.body;
    a = HttpPost(suite.open311_port(), "/open311/v2/requests.json", "{not json",
                 "application/json");
    EXPECT_EQ(a.status, 400);
    a = HttpGet(suite.open311_port(), "/open311/v2/requests/NOT-A-CODE.json");
    EXPECT_EQ(a.status, 400);
    a = HttpGet(suite.open311_port(), "/open311/v2/requests/00000-00000.json");
    EXPECT_EQ(a.status, 404);
  }

  for (auto& p : cases) {
    int status = 0;
    p.tracking = suite.Submit(p.category, p.lat, p.lon,
                              absl::StrCat("Vatandaş bildirimi: ", p.category, " ", p.district),
                              absl::StrCat("0532 111 22 ", 10 + (&p - cases.data())), &status);
    ASSERT_EQ(status, 201);
    ASSERT_FALSE(p.tracking.empty());
  }
  // A request located in Adana is accepted by the channel and rejected by intake with a reason.
  int status = 0;
  std::string outside = suite.Submit("su-ariza", 37.0017, 35.3213, "Su yok", "0532 111 22 34", &status);
  ASSERT_EQ(status, 201);

  // Every case is routed to the owner the rules name, visible to the citizen over Open311.
  for (const auto& p : cases) {
    std::string name = suite.rules().FindOwner(p.owner)->name;
    bool routed = WaitUntil([&] {
      auto r = suite.Request(p.tracking);
      return r.value("agency_responsible", "") == name;
    }, std::chrono::seconds(60));
    ASSERT_TRUE(routed) << p.tracking << " not routed to " << p.owner << ": " << suite.Request(p.tracking);
    auto r = suite.Request(p.tracking);
    EXPECT_EQ(r["status"], "open");
    EXPECT_EQ(r["district"], p.district);
    auto kind = suite.rules().FindOwner(p.owner)->kind;
    bool forward = kind != v1::OWNER_KIND_METROPOLITAN_DEPARTMENT &&
                   kind != v1::OWNER_KIND_COORDINATION_CENTRE;
    EXPECT_EQ(r["detailed_status"], forward ? "forwarded" : "routed") << p.owner;
  }
  ASSERT_TRUE(WaitUntil([&] { return suite.Request(outside).value("status", "") == "closed"; },
                        std::chrono::seconds(30)));
  EXPECT_EQ(suite.Request(outside)["detailed_status"], "rejected");
  EXPECT_NE(suite.Request(outside)["status_notes"].get<std::string>().find("outside"), std::string::npos);

  // Each unit's queue holds exactly its cases, once each.
  std::map<std::string, std::string> task_of;  // tracking -> task id
  for (const auto& [owner, n] : expected_per_owner) {
    auto staff = suite.Staff(owner);
    v1::ListTasksRequest req;
    req.set_unit_id(owner);
    v1::ListTasksResponse resp;
    ASSERT_TRUE(WaitUntil([&] {
      resp.Clear();
      return staff->ListTasks(Ctx().get(), req, &resp).ok() && resp.tasks_size() == n;
    }, std::chrono::seconds(30))) << owner << " has " << resp.tasks_size() << " tasks, want " << n;
    std::set<std::string> seen;
    for (const auto& t : resp.tasks()) {
      EXPECT_EQ(t.unit_id(), owner);
      EXPECT_TRUE(seen.insert(t.tracking_code()).second) << "task twice for " << t.tracking_code();
      task_of[t.tracking_code()] = t.task_id();
    }
  }
  for (const auto& p : cases) ASSERT_TRUE(task_of.count(p.tracking)) << p.tracking;

  // Staff work: the Tarsus municipality says one case is not theirs; everything else is resolved.
  const Planned* bounced = nullptr;
  for (const auto& p : cases) {
    if (p.owner == "ilce-tarsus") bounced = &p;
  }
  ASSERT_NE(bounced, nullptr);
  for (const auto& p : cases) {
    auto staff = suite.Staff(p.owner);
    v1::Task out;
    if (&p == bounced) {
      v1::RejectTaskRequest rej;
      rej.set_unit_id(p.owner);
      rej.set_task_id(task_of[p.tracking]);
      rej.set_staff_id("tarsus-fen-7");
      EXPECT_EQ(staff->RejectTask(Ctx().get(), rej, &out).error_code(), grpc::INVALID_ARGUMENT);
      rej.set_reason("Bu cadde büyükşehir sorumluluğunda.");
      ASSERT_TRUE(staff->RejectTask(Ctx().get(), rej, &out).ok());
      continue;
    }
    v1::ClaimTaskRequest claim;
    claim.set_unit_id(p.owner);
    claim.set_task_id(task_of[p.tracking]);
    claim.set_staff_id("personel-1");
    ASSERT_TRUE(staff->ClaimTask(Ctx().get(), claim, &out).ok());
    EXPECT_EQ(out.status(), v1::TASK_STATUS_CLAIMED);
    claim.set_staff_id("personel-2");
    EXPECT_EQ(staff->ClaimTask(Ctx().get(), claim, &out).error_code(), grpc::FAILED_PRECONDITION);
    v1::ResolveTaskRequest res;
    res.set_unit_id(p.owner);
    res.set_task_id(task_of[p.tracking]);
    res.set_staff_id("personel-1");
    res.set_resolution_code("completed");
    res.set_resolution_text("Ekip yerinde onarım yaptı.");
    ASSERT_TRUE(staff->ResolveTask(Ctx().get(), res, &out).ok());
    EXPECT_EQ(out.status(), v1::TASK_STATUS_RESOLVED);
  }
  // The bounced case reaches the coordination centre, which resolves it.
  auto centre = suite.Staff("koordinasyon");
  v1::ListTasksResponse centre_tasks;
  v1::ListTasksRequest centre_list;
  centre_list.set_unit_id("koordinasyon");
  ASSERT_TRUE(WaitUntil([&] {
    centre_tasks.Clear();
    return centre->ListTasks(Ctx().get(), centre_list, &centre_tasks).ok() &&
           centre_tasks.tasks_size() == 1;
  }, std::chrono::seconds(30)));
  const auto& ct = centre_tasks.tasks(0);
  EXPECT_EQ(ct.tracking_code(), bounced->tracking);
  EXPECT_EQ(ct.attempt(), 2);
  v1::Task out;
  v1::ClaimTaskRequest claim;
  claim.set_unit_id("koordinasyon");
  claim.set_task_id(ct.task_id());
  claim.set_staff_id("koordinator-1");
  ASSERT_TRUE(centre->ClaimTask(Ctx().get(), claim, &out).ok());
  v1::ResolveTaskRequest res;
  res.set_unit_id("koordinasyon");
  res.set_task_id(ct.task_id());
  res.set_staff_id("koordinator-1");
  res.set_resolution_code("forwarded-and-done");
  res.set_resolution_text("Yol Yapım ekibi yönlendirildi, onarım tamamlandı.");
  ASSERT_TRUE(centre->ResolveTask(Ctx().get(), res, &out).ok());

  // Analytics counts every event exactly once.
  const int64_t n = static_cast<int64_t>(cases.size());
  nlohmann::json s;
  ASSERT_TRUE(WaitUntil([&] {
    s = suite.Summary();
    return JsonInt(s, "cases_resolved") == n;
  }, std::chrono::seconds(60))) << s.dump();
  // 6 events a case (contact, registered, routed, claimed, task resolved, case resolved), plus
  // the rejected request's contact and rejection, plus the bounce's rejection and reroute.
  ASSERT_TRUE(WaitUntil([&] {
    s = suite.Summary();
    return JsonInt(s, "events_counted") >= 6 * n + 4;
  }, std::chrono::seconds(30))) << s.dump();
  EXPECT_EQ(JsonInt(s, "events_counted"), 6 * n + 4);
  EXPECT_EQ(JsonInt(s, "contacts"), n + 1);
  EXPECT_EQ(JsonInt(s, "cases_registered"), n);
  EXPECT_EQ(JsonInt(s, "cases_rejected"), 1);
  EXPECT_EQ(JsonInt(s, "cases_routed"), n);
  EXPECT_EQ(JsonInt(s, "reroutes"), 1);
  EXPECT_EQ(JsonInt(s, "cases_resolved"), n);
  std::map<std::string, int64_t> routed_by_owner;
  for (const auto& row : s["by_owner"]) routed_by_owner[row["key"]] = JsonInt(row, "routed");
  for (const auto& [owner, count] : expected_per_owner) EXPECT_EQ(routed_by_owner[owner], count) << owner;
  EXPECT_EQ(routed_by_owner["koordinasyon"], 1);
  EXPECT_EQ(JsonInt(s["by_status"], "resolved"), n);
  EXPECT_EQ(JsonInt(s["by_status"], "rejected"), 1);
  EXPECT_EQ(JsonInt(s["resolution_overall"], "count"), n);

  // The citizen sees the outcome.
  ASSERT_TRUE(WaitUntil([&] { return suite.Request(bounced->tracking).value("status", "") == "closed"; },
                        std::chrono::seconds(30)));
  EXPECT_EQ(suite.Request(bounced->tracking)["status_notes"], "Yol Yapım ekibi yönlendirildi, onarım tamamlandı.");
  // Another case, on another partition: the projection may reach it a fetch window later.
  EXPECT_TRUE(WaitUntil(
      [&] { return suite.Request(cases[0].tracking).value("detailed_status", "") == "resolved"; },
      std::chrono::seconds(30)))
      << suite.Request(cases[0].tracking);

  // Every service's /metrics is valid exposition format, with the consumer figures.
  for (const std::string key : {"open311", "intake-1", "routing-1", "analytics-1", "worker-meski-1"}) {
    HttpAnswer m = HttpGet(suite.http_port(key), "/metrics");
    ASSERT_EQ(m.status, 200) << key;
    bool ok = false;
    std::string out = PromtoolCheck(m.body, &ok);
    EXPECT_TRUE(ok) << key << ": " << out;
    EXPECT_NE(m.body.find("_events_handled_total{"), std::string::npos) << key;
    EXPECT_NE(m.body.find("_consumer_lag{"), std::string::npos) << key;
  }
  // Personal data never reaches logs: the phone number appears in no service log.
  for (const std::string key : {"open311", "intake-1", "routing-1", "analytics-1"}) {
    std::string log = suite.process(key).LogTail(1 << 20);
    EXPECT_EQ(log.find("532 111"), std::string::npos) << key;
    EXPECT_EQ(log.find("5321112233"), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace teksin::testing
