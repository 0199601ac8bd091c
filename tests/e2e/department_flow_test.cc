// A case's life among the units, every service a process on the real broker and Redis: routed to
// a district municipality and worked there over the JSON staff API; forwarded to an outside
// institution, acknowledged and answered over gRPC; rejected with a named unit and rerouted;
// bounced three times and sent to the coordination centre; reopened by the citizen's feedback
// (published by the test, as a channel would) and then confirmed; and, with a test rules file
// whose deadlines are seconds long, overdue and escalated exactly once with two workers of the
// unit scanning. Routing decisions and department updates are read back from Kafka. Each worker
// hosts one unit: the gRPC calls name it (unit_id), the JSON calls do not (no ?unit=), as clients
// from before several units could share a process (ADR 0025) still may.
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "e2e/e2e_suite.h"
#include "events/envelope.h"
#include "events/topics.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "kafka/consumer.h"
#include "kafka/publisher.h"
#include "metrics/registry.h"

namespace teksin::testing {
namespace {

// Every event of some topics, read from Kafka in a group of its own.
class Recorder : public events::EventHandler {
 public:
  Recorder(const Infra& infra, const std::string& prefix, std::vector<std::string> topics) {
    kafka::ProducerConfig pc;
    pc.brokers = infra.kafka_brokers;
    pc.client_id = "e2e-recorder";
    publisher_ = std::move(*kafka::KafkaEventPublisher::Create(pc, registry_, "e2e"));
    kafka::ConsumerConfig cc;
    cc.brokers = infra.kafka_brokers;
    cc.group_id = prefix + ".e2e-recorder";
    cc.client_id = "e2e-recorder";
    cc.topics = std::move(topics);
    consumer_ = std::move(*kafka::KafkaEventConsumer::Create(cc, *publisher_, registry_, "e2e"));
    thread_ = std::thread([this] { (void)consumer_->Run(*this); });
  }
  ~Recorder() {
    consumer_->Stop();
    thread_.join();
  }
  absl::Status Handle(const events::ConsumedEvent& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (seen_.insert(e.envelope.event_id()).second) events_.push_back(e.envelope);
    return absl::OkStatus();
  }
  // Distinct events (by id) about one case, in the order read.
  std::vector<v1::Envelope> For(const std::string& case_id) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<v1::Envelope> out;
    for (const auto& e : events_) {
      if (e.correlation_id() == case_id) out.push_back(e);
    }
    return out;
  }
  std::vector<v1::CaseRouted> Routed(const std::string& case_id) {
    std::vector<v1::CaseRouted> out;
    for (const auto& e : For(case_id)) {
      if (e.has_case_routed()) out.push_back(e.case_routed());
    }
    return out;
  }
  std::vector<v1::Envelope> All() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  kafka::KafkaEventPublisher& publisher() { return *publisher_; }

 private:
  metrics::Registry registry_;
  std::unique_ptr<kafka::KafkaEventPublisher> publisher_;
  std::unique_ptr<kafka::KafkaEventConsumer> consumer_;
  std::thread thread_;
  std::mutex mu_;
  std::set<std::string> seen_;
  std::vector<v1::Envelope> events_;
};

// The suite plus routing and workers started with their own settings (rules file, deadline
// scan), as this test needs them.
class Desk {
 public:
  explicit Desk(const std::string& name) : suite(name) {
    dir_ = absl::StrCat(TEKSIN_BINARY_DIR, "/e2e-logs/", suite.prefix(), "-desk");
    std::filesystem::create_directories(dir_);
  }
  ~Desk() {
    for (auto& [k, p] : mine_) {
      if (p->Running()) p->Stop();
    }
    if (::testing::Test::HasFailure()) {
      for (auto& [k, p] : mine_) std::cerr << "---- " << k << " ----\n" << p->LogTail(3000) << "\n";
    }
  }
  std::map<std::string, std::string> Env() const {
    return {{"TEKSIN_KAFKA_BROKERS", suite.infra().kafka_brokers},
            {"TEKSIN_REDIS_URL", suite.infra().redis_url},
            {"TEKSIN_TOPIC_PREFIX", suite.prefix()},
            {"TEKSIN_TOPIC_PARTITIONS", "4"},
            {"TEKSIN_CONFIG_DIR", TEKSIN_CONFIG_DIR},
            {"TEKSIN_SHARED_DIR", TEKSIN_SHARED_DIR},
            {"TEKSIN_CITIZEN_KEY_SECRET", "e2e-secret-0123456789abcdef"}};
  }
  void Start(const std::string& key, const std::string& binary, std::map<std::string, std::string> env,
             int http_port) {
    auto merged = Env();
    for (auto& [k, v] : env) merged[k] = v;
    merged["TEKSIN_INSTANCE_ID"] = key;
    http_[key] = http_port;
    auto p = std::make_unique<ServiceProcess>(key, std::string(TEKSIN_SERVICES_DIR) + "/" + binary,
                                              merged, dir_ + "/" + key + ".log");
    p->Start();
    mine_[key] = std::move(p);
  }
  void Routing(const std::string& rules_file = "") {
    int port = FreePort();
    std::map<std::string, std::string> env{{"ROUTING_HTTP_PORT", std::to_string(port)}};
    if (!rules_file.empty()) env["ROUTING_RULES_FILE"] = rules_file;
    Start("routing", "routing/routing", env, port);
    WaitHealthy("routing");
  }
  void Worker(const std::string& unit, const std::string& instance = "1",
              std::map<std::string, std::string> env = {}) {
    std::string key = unit + "-" + instance;
    int port = FreePort();
    grpc_[key] = FreePort();
    env["DEPARTMENT_WORKER_UNIT"] = unit;
    env["DEPARTMENT_WORKER_HTTP_PORT"] = std::to_string(port);
    env["DEPARTMENT_WORKER_GRPC_PORT"] = std::to_string(grpc_[key]);
    Start(key, "department_worker/department_worker", env, port);
  }
  void WaitHealthy(const std::string& key) {
    bool ok = WaitUntil([&] { return !mine_.at(key)->Running() || HttpGet(http_.at(key), "/healthz").status == 200; },
                        std::chrono::seconds(90));
    ASSERT_TRUE(ok && mine_.at(key)->Running()) << key << ":\n" << mine_.at(key)->LogTail();
  }
  int port(const std::string& unit, const std::string& instance = "1") {
    return http_.at(instance.empty() ? unit : unit + "-" + instance);
  }
  std::unique_ptr<v1::StaffService::Stub> Staff(const std::string& unit) {
    return v1::StaffService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", grpc_.at(unit + "-1")), grpc::InsecureChannelCredentials()));
  }
  // The unit's open task for a tracking code, over the JSON API ("" if none within the timeout).
  nlohmann::json WaitTask(const std::string& unit, const std::string& tracking, int attempt) {
    nlohmann::json found;
    WaitUntil([&] {
      auto list = HttpGet(port(unit), "/v1/tasks?limit=1000").Json();
      if (!list.contains("tasks")) return false;
      for (const auto& t : list["tasks"]) {
        if (t["tracking_code"] == tracking && t["attempt"] == attempt) {
          found = t;
          return true;
        }
      }
      return false;
    }, std::chrono::seconds(60));
    return found;
  }
  HttpAnswer Act(const std::string& unit, const std::string& task_id, const std::string& verb,
                 const nlohmann::json& body) {
    return HttpPost(port(unit), "/v1/tasks/" + task_id + "/" + verb, body.dump(), "application/json");
  }
  // Waits until Open311 shows the detailed status.
  bool WaitStatus(const std::string& tracking, const std::string& detailed) {
    return WaitUntil([&] { return suite.Request(tracking).value("detailed_status", "") == detailed; },
                     std::chrono::seconds(60));
  }

  E2eSuite suite;

 private:
  std::string dir_;
  std::map<std::string, std::unique_ptr<ServiceProcess>> mine_;
  std::map<std::string, int> http_, grpc_;
};

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return c;
}

std::string Submit(Desk& d, const std::string& category, const std::string& district,
                   const std::string& phone, int seed) {
  std::mt19937_64 rng(seed);
  auto pt = d.suite.districts().RandomPointIn(district, rng);
  EXPECT_TRUE(pt.has_value());
  int status = 0;
  std::string tracking = d.suite.Submit(category, pt->lat, pt->lon,
                                        absl::StrCat("E2E bildirimi: ", category, " ", district),
                                        phone, &status);
  EXPECT_EQ(status, 201);
  return tracking;
}


TEST(DepartmentFlow, RoutedForwardedReroutedBouncedReopenedAndConfirmed) {
  Desk d("dept");
  d.Routing();
  for (const char* u : {"ilce-tarsus", "toroslar-edas", "yol-yapim", "ilce-mut", "park-bahceler",
                        "koordinasyon"}) {
    d.Worker(u);
  }
  d.suite.StartIntake();
  d.suite.StartOpen311();
  for (const char* u : {"ilce-tarsus", "toroslar-edas", "yol-yapim", "ilce-mut", "park-bahceler",
                        "koordinasyon"}) {
    d.WaitHealthy(std::string(u) + "-1");
  }
  d.suite.WaitHealthy("intake-1");
  d.suite.WaitHealthy("open311");
  events::Topics topics(d.suite.prefix());
  Recorder rec(d.suite.infra(), d.suite.prefix(), {topics.RoutingDecisions(), topics.DepartmentUpdates()});

  const std::string local = Submit(d, "yol-sokak", "Tarsus", "0532 700 00 01", 1);
  const std::string light = Submit(d, "sokak-lambasi", "Mezitli", "0532 700 00 02", 2);
  const std::string road = Submit(d, "yol-ana-arter", "Tarsus", "0532 700 00 03", 3);
  const std::string bounced = Submit(d, "yol-ana-arter", "Mut", "0532 700 00 04", 4);
  std::string local_case;

  // 1. A local street in Tarsus: forwarded to the district municipality, worked over JSON.
  {
    auto t = d.WaitTask("ilce-tarsus", local, 1);
    ASSERT_FALSE(t.is_null()) << "no task at ilce-tarsus for " << local;
    local_case = t["case_id"];
    EXPECT_EQ(t["owner_kind"], "OWNER_KIND_DISTRICT_MUNICIPALITY");
    std::string id = t["task_id"];
    // The Open311 view follows routing's decision; its projection is a follower and may trail
    // the task by a fetch window (ADR 0030).
    EXPECT_TRUE(d.WaitStatus(local, "forwarded")) << d.suite.Request(local);
    EXPECT_EQ(d.Act("ilce-tarsus", id, "claim", {}).status, 400);  // no staff_id
    EXPECT_EQ(d.Act("ilce-tarsus", "no-such-task", "claim", {{"staff_id", "tarsus-1"}}).status, 404);
    EXPECT_EQ(d.Act("ilce-tarsus", id, "claim", {{"staff_id", "tarsus-1"}}).status, 200);
    EXPECT_EQ(d.Act("ilce-tarsus", id, "claim", {{"staff_id", "tarsus-2"}}).status, 409);
    EXPECT_EQ(d.Act("ilce-tarsus", id, "start", {{"staff_id", "tarsus-1"}}).status, 200);
    EXPECT_EQ(d.Act("ilce-tarsus", id, "ask",
                    {{"staff_id", "tarsus-1"}, {"question", "Çukur hangi evin önünde?"}}).status, 200);
    EXPECT_EQ(d.Act("ilce-tarsus", id, "notes",
                    {{"staff_id", "tarsus-1"}, {"note", "Vatandaş adresi bildirdi"},
                     {"visible_to_citizen", false}}).status, 200);
    EXPECT_EQ(d.Act("ilce-tarsus", id, "start", {{"staff_id", "tarsus-1"}}).status, 200);
    HttpAnswer done = d.Act("ilce-tarsus", id, "resolve",
                            {{"staff_id", "tarsus-1"}, {"resolution_code", "repaired"},
                             {"resolution_text", "Yol asfaltlandı"}});
    EXPECT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(d.Act("ilce-tarsus", id, "start", {{"staff_id", "tarsus-1"}}).status, 409);
    EXPECT_TRUE(d.WaitStatus(local, "resolved")) << d.suite.Request(local);
    auto full = HttpGet(d.port("ilce-tarsus"), "/v1/tasks/" + id).Json();
    ASSERT_EQ(full["history"].size(), 6u) << full.dump();  // claim, start, ask, note, start, resolve
    EXPECT_EQ(full["history"][2]["status"], "TASK_STATUS_WAITING_FOR_CITIZEN");
    EXPECT_EQ(full["history"][2]["text"], "Çukur hangi evin önünde?");
    EXPECT_EQ(full["history"][3]["kind"], "note");
    EXPECT_EQ(full["history"][5]["actor"], "tarsus-1");
  }

  // 2. A street light: forwarded to the electricity distributor; its desk acknowledges and
  //    records the answer over gRPC.
  {
    auto t = d.WaitTask("toroslar-edas", light, 1);
    ASSERT_FALSE(t.is_null());
    auto staff = d.Staff("toroslar-edas");
    v1::AcknowledgeTaskRequest ack;
    ack.set_unit_id("toroslar-edas");
    ack.set_task_id(t["task_id"]);
    ack.set_staff_id("irtibat-1");
    ack.set_reference("EDAS-7781");
    v1::Task out;
    ASSERT_TRUE(staff->AcknowledgeTask(Ctx().get(), ack, &out).ok());
    EXPECT_EQ(out.status(), v1::TASK_STATUS_ACKNOWLEDGED);
    v1::ResolveTaskRequest answer;
    answer.set_unit_id("toroslar-edas");
    answer.set_task_id(t["task_id"]);
    answer.set_staff_id("irtibat-1");
    answer.set_resolution_code("answered-by-institution");
    answer.set_resolution_text("TEDAŞ ekibi lambayı değiştirdi");
    ASSERT_TRUE(staff->ResolveTask(Ctx().get(), answer, &out).ok());
    EXPECT_TRUE(d.WaitStatus(light, "resolved")) << d.suite.Request(light);
    v1::GetTaskRequest get;
    get.set_unit_id("toroslar-edas");
    get.set_task_id(t["task_id"]);
    ASSERT_TRUE(staff->GetTask(Ctx().get(), get, &out).ok());
    ASSERT_EQ(out.history_size(), 2);
    EXPECT_EQ(out.history(0).status(), v1::TASK_STATUS_ACKNOWLEDGED);
    EXPECT_EQ(out.history(1).status(), v1::TASK_STATUS_RESOLVED);
  }

  // 3. An arterial road in Tarsus: Yol Yapım says it is the district's, naming it; routing
  //    sends it there (attempt 2, one bounce).
  {
    auto t = d.WaitTask("yol-yapim", road, 1);
    ASSERT_FALSE(t.is_null());
    HttpAnswer r = d.Act("yol-yapim", t["task_id"], "reject",
                         {{"staff_id", "yol-1"}, {"reason", "Bu yol ilçe belediyesinin"},
                          {"suggested_unit_id", "ilce-tarsus"}});
    EXPECT_EQ(r.status, 200) << r.body;
    auto t2 = d.WaitTask("ilce-tarsus", road, 2);
    ASSERT_FALSE(t2.is_null());
    EXPECT_EQ(t2["rule_id"], "suggested-by-unit");
    std::string case_id = t["case_id"];
    ASSERT_TRUE(WaitUntil([&] { return rec.Routed(case_id).size() == 2; }, std::chrono::seconds(30)));
    auto routed = rec.Routed(case_id);
    EXPECT_EQ(routed[0].reason(), "rule");
    EXPECT_EQ(routed[1].reason(), "rerouted");
    EXPECT_EQ(routed[1].bounces(), 1);
    EXPECT_EQ(routed[1].previous_unit_id(), "yol-yapim");
    EXPECT_EQ(d.Act("ilce-tarsus", t2["task_id"], "resolve",
                    {{"staff_id", "tarsus-2"}, {"resolution_code", "repaired"}}).status, 200);
    EXPECT_TRUE(d.WaitStatus(road, "resolved"));
  }

  // 4. An arterial road in Mut, rejected by three units in turn: the third rejection is above
  //    ROUTING_MAX_BOUNCES (2), so the coordination centre gets it whatever the unit named.
  {
    const std::vector<std::pair<std::string, std::string>> chain = {
        {"yol-yapim", "ilce-mut"}, {"ilce-mut", "park-bahceler"}, {"park-bahceler", "ulasim"}};
    int attempt = 1;
    for (const auto& [unit, next] : chain) {
      auto t = d.WaitTask(unit, bounced, attempt);
      ASSERT_FALSE(t.is_null()) << unit << " attempt " << attempt;
      EXPECT_EQ(d.Act(unit, t["task_id"], "reject",
                      {{"staff_id", unit + "-1"}, {"reason", "Bizim görev alanımız değil"},
                       {"suggested_unit_id", next}}).status, 200);
      ++attempt;
    }
    auto t = d.WaitTask("koordinasyon", bounced, 4);
    ASSERT_FALSE(t.is_null());
    EXPECT_EQ(t["rule_id"], "bounce-to-coordination");
    std::string case_id = t["case_id"];
    ASSERT_TRUE(WaitUntil([&] { return rec.Routed(case_id).size() == 4; }, std::chrono::seconds(30)));
    auto routed = rec.Routed(case_id);
    EXPECT_EQ(routed[3].reason(), "bounced");
    EXPECT_EQ(routed[3].bounces(), 3);
    EXPECT_EQ(routed[3].case_().owner().unit_id(), "koordinasyon");
    auto r = d.suite.Request(bounced);
    EXPECT_EQ(r["agency_responsible"], d.suite.rules().FindOwner("koordinasyon")->name);
  }

  // 5. The citizen says case 1 is not solved: routing reopens it at Tarsus (attempt 2); the
  //    second answer is confirmed with a rating and the case closes.
  {
    std::string case_id = local_case;
    ASSERT_FALSE(case_id.empty());
    std::string citizen_key;
    ASSERT_TRUE(WaitUntil([&] {
      for (const auto& e : rec.For(case_id)) {
        if (e.has_case_resolved()) citizen_key = e.case_resolved().case_().citizen_key();
      }
      return !citizen_key.empty();
    }, std::chrono::seconds(30)));
    auto feedback = [&](const std::string& event_id, v1::FeedbackKind kind, int rating) {
      events::EnvelopeMeta m;
      m.event_id = event_id;
      m.source = "e2e";
      m.correlation_id = case_id;
      m.partition_key = case_id;
      m.occurred_at = absl::Now();
      v1::Envelope e = events::NewEnvelope(m);
      auto* f = e.mutable_citizen_feedback();
      f->set_case_id(case_id);
      f->set_tracking_code(local);
      f->set_kind(kind);
      f->set_rating(rating);
      f->set_channel(v1::CHANNEL_MOBILE_APP);
      f->set_citizen_key(citizen_key);
      events::StampType(e);
      return rec.publisher().PublishOne({topics.CitizenFeedback(), case_id, std::move(e)});
    };
    ASSERT_TRUE(feedback(common::NewId(), v1::FEEDBACK_KIND_REOPEN, 0).ok());
    auto t = d.WaitTask("ilce-tarsus", local, 2);
    ASSERT_FALSE(t.is_null()) << "not reopened at ilce-tarsus";
    EXPECT_EQ(t["rule_id"], "reopen");
    ASSERT_TRUE(WaitUntil([&] {
      for (const auto& e : rec.For(case_id)) {
        if (e.has_case_reopened()) return true;
      }
      return false;
    }, std::chrono::seconds(30)));
    auto routed = rec.Routed(case_id);
    ASSERT_EQ(routed.size(), 2u);
    EXPECT_EQ(routed[1].reason(), "reopened");
    EXPECT_EQ(routed[1].attempt(), 2);
    EXPECT_EQ(d.Act("ilce-tarsus", t["task_id"], "resolve",
                    {{"staff_id", "tarsus-1"}, {"resolution_code", "repaired"},
                     {"resolution_text", "Yama yeniden yapıldı"}}).status, 200);
    // The resolution reaches routing before the confirmation counts.
    ASSERT_TRUE(WaitUntil([&] {
      int n = 0;
      for (const auto& e : rec.For(case_id)) n += e.has_case_resolved() ? 1 : 0;
      return n == 2;
    }, std::chrono::seconds(30)));
    std::string confirm_id;
    ASSERT_TRUE(WaitUntil([&] {
      // Routing may read the feedback before its own resolution record: feedback on a case it
      // does not know as resolved is ignored, so the channel (here the test) sends it again.
      if (!feedback(common::NewId(), v1::FEEDBACK_KIND_RATE, 5).ok()) return false;
      return WaitUntil([&] {
        for (const auto& e : rec.For(case_id)) {
          if (e.has_case_closed()) return true;
        }
        return false;
      }, std::chrono::seconds(3));
    }, std::chrono::seconds(60)));
    v1::CaseClosed closed;
    for (const auto& e : rec.For(case_id)) {
      if (e.has_case_closed()) closed = e.case_closed();
    }
    EXPECT_EQ(closed.reason(), "confirmed by citizen");
    EXPECT_EQ(closed.case_().satisfaction(), 5);
    EXPECT_TRUE(WaitUntil([&] { return d.suite.Request(local).value("status", "") == "closed"; },
                          std::chrono::seconds(60)))
        << d.suite.Request(local);
  }
}

// A rules file like the shipped one, with arterial roads and street lights due in seconds.
std::string ShortDeadlineRules(const std::string& dir) {
  std::ifstream in(std::string(TEKSIN_CONFIG_DIR) + "/routing-rules.json");
  nlohmann::json doc = nlohmann::json::parse(in);
  doc["version"] = "e2e-short-deadlines";
  for (auto& rule : doc["rules"]) {
    if (rule["id"] == "R-yol-ana-arter") rule["deadline_seconds"] = 20;
    if (rule["id"] == "R-sokak-lambasi") rule["deadline_seconds"] = 20;
  }
  std::filesystem::create_directories(dir);
  std::string path = dir + "/routing-rules.json";
  std::ofstream out(path);
  out << doc.dump(2);
  return path;
}

double MetricValue(int port, const std::string& line_prefix) {
  std::string text = HttpGet(port, "/metrics").body;
  size_t at = text.find("\n" + line_prefix + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + line_prefix.size() + 2));
}

TEST(DepartmentFlow, OverdueAndEscalatedOnceWithTwoWorkers) {
  Desk d("overdue");
  d.Routing(ShortDeadlineRules(absl::StrCat(TEKSIN_BINARY_DIR, "/e2e-logs/", d.suite.prefix(), "-rules")));
  std::map<std::string, std::string> fast{{"WORKER_DEADLINE_SCAN_INTERVAL", "300ms"},
                                          {"WORKER_ESCALATION_GRACE", "3s"},
                                          {"WORKER_DEADLINE_WARN_SHARE", "0.5"}};
  d.Worker("yol-yapim", "1", fast);
  d.Worker("yol-yapim", "2", fast);
  d.Worker("toroslar-edas", "1", fast);
  d.suite.StartIntake();
  d.suite.StartOpen311();
  for (const char* k : {"yol-yapim-1", "yol-yapim-2", "toroslar-edas-1"}) d.WaitHealthy(k);
  d.suite.WaitHealthy("intake-1");
  d.suite.WaitHealthy("open311");
  events::Topics topics(d.suite.prefix());
  Recorder rec(d.suite.infra(), d.suite.prefix(), {topics.DepartmentUpdates()});

  const std::string road = Submit(d, "yol-ana-arter", "Akdeniz", "0532 700 00 11", 11);
  const std::string light = Submit(d, "sokak-lambasi", "Mezitli", "0532 700 00 12", 12);
  auto t = d.WaitTask("yol-yapim", road, 1);
  ASSERT_FALSE(t.is_null());
  auto f = d.WaitTask("toroslar-edas", light, 1);
  ASSERT_FALSE(f.is_null());
  // The forward is acknowledged but never answered.
  EXPECT_EQ(d.Act("toroslar-edas", f["task_id"], "acknowledge", {{"staff_id", "irtibat-1"}}).status, 200);

  std::string road_case = t["case_id"], light_case = f["case_id"];
  auto alerts = [&](const std::string& case_id) {
    std::vector<v1::DeadlineAlert> out;
    for (const auto& e : rec.For(case_id)) {
      if (e.has_deadline_alert()) out.push_back(e.deadline_alert());
    }
    return out;
  };
  ASSERT_TRUE(WaitUntil([&] { return alerts(road_case).size() >= 3; }, std::chrono::seconds(90)))
      << alerts(road_case).size() << " alerts";
  // Let both instances scan a few more times: still one alert of each kind.
  ASSERT_TRUE(WaitUntil([&] {
    return MetricValue(d.port("yol-yapim", "1"), "teksin_department_worker_open_overdue_tasks{unit=\"yol-yapim\"}") == 1 &&
           MetricValue(d.port("yol-yapim", "2"), "teksin_department_worker_open_overdue_tasks{unit=\"yol-yapim\"}") == 1;
  }, std::chrono::seconds(30)));
  auto road_alerts = alerts(road_case);
  ASSERT_EQ(road_alerts.size(), 3u);
  EXPECT_EQ(road_alerts[0].kind(), v1::DEADLINE_ALERT_KIND_WARNING);
  EXPECT_EQ(road_alerts[1].kind(), v1::DEADLINE_ALERT_KIND_BREACHED);
  EXPECT_EQ(road_alerts[2].kind(), v1::DEADLINE_ALERT_KIND_ESCALATED);
  EXPECT_EQ(road_alerts[2].escalated_to(), "unit-head:yol-yapim,koordinasyon");
  // Every copy of an alert on the topic has the same id (deduplicated by the recorder above);
  // the breach counter over both instances is 1.
  double breaches = MetricValue(d.port("yol-yapim", "1"), "teksin_department_worker_deadline_breaches_total{unit=\"yol-yapim\"}") +
                    MetricValue(d.port("yol-yapim", "2"), "teksin_department_worker_deadline_breaches_total{unit=\"yol-yapim\"}");
  EXPECT_EQ(breaches, 1);

  // The forward to the outside institution is overdue too.
  ASSERT_TRUE(WaitUntil([&] {
    for (const auto& a : alerts(light_case)) {
      if (a.kind() == v1::DEADLINE_ALERT_KIND_BREACHED) return true;
    }
    return false;
  }, std::chrono::seconds(60)));
  EXPECT_EQ(alerts(light_case)[0].unit_id(), "toroslar-edas");

  // The history shows the alerts; once resolved the task is no longer overdue.
  auto full = HttpGet(d.port("yol-yapim"), "/v1/tasks/" + t["task_id"].get<std::string>()).Json();
  int alert_lines = 0;
  for (const auto& h : full["history"]) alert_lines += h["kind"] == "alert" ? 1 : 0;
  EXPECT_EQ(alert_lines, 3) << full.dump();
  EXPECT_EQ(d.Act("yol-yapim", t["task_id"], "resolve",
                  {{"staff_id", "yol-1"}, {"resolution_code", "repaired"}}).status, 200);
  EXPECT_TRUE(WaitUntil([&] {
    return MetricValue(d.port("yol-yapim", "1"), "teksin_department_worker_open_overdue_tasks{unit=\"yol-yapim\"}") == 0;
  }, std::chrono::seconds(30)));
  EXPECT_TRUE(d.WaitStatus(road, "resolved"));
}

// Routing reloads its rules without a restart: a valid change applies to the next case, an
// invalid one is refused and the rules in force stay.
TEST(DepartmentFlow, RulesReloadWithoutARestart) {
  Desk d("reload");
  const std::string dir = absl::StrCat(TEKSIN_BINARY_DIR, "/e2e-logs/", d.suite.prefix(), "-rules");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/routing-rules.json";
  std::ifstream in(std::string(TEKSIN_CONFIG_DIR) + "/routing-rules.json");
  nlohmann::json doc = nlohmann::json::parse(in);
  auto write = [&](const nlohmann::json& j) {
    // Written aside and renamed, as an operator's deploy would, so routing never reads half a file.
    std::ofstream(path + ".tmp") << j.dump(2);
    std::filesystem::rename(path + ".tmp", path);
  };
  doc["version"] = "e2e-reload-1";
  write(doc);
  {
    int port = FreePort();
    d.Start("routing", "routing/routing",
            {{"ROUTING_HTTP_PORT", std::to_string(port)}, {"ROUTING_RULES_FILE", path},
             {"ROUTING_RULES_POLL_INTERVAL", "300ms"}},
            port);
    d.WaitHealthy("routing");
  }
  d.suite.StartIntake();
  d.suite.StartOpen311();
  d.suite.WaitHealthy("intake-1");
  d.suite.WaitHealthy("open311");
  events::Topics topics(d.suite.prefix());
  Recorder rec(d.suite.infra(), d.suite.prefix(), {topics.RoutingDecisions()});
  const int routing_port = d.port("routing", "");
  auto metric = [&](const std::string& line) { return MetricValue(routing_port, line); };
  auto routed = [&](const std::string& tracking) {
    v1::CaseRouted found;
    WaitUntil([&] {
      for (const auto& r : rec.All()) {
        if (r.has_case_routed() && r.case_routed().case_().tracking_code() == tracking) {
          found = r.case_routed();
          return true;
        }
      }
      return false;
    }, std::chrono::seconds(60));
    return found;
  };
  EXPECT_EQ(metric("teksin_routing_rules_info{version=\"e2e-reload-1\"}"), 1);

  v1::CaseRouted first = routed(Submit(d, "yol-sokak", "Mut", "0532 700 00 21", 21));
  EXPECT_EQ(first.case_().owner().unit_id(), "ilce-mut");
  EXPECT_EQ(first.rules_version(), "e2e-reload-1");

  // Local streets taken over by the metropolitan roads department.
  doc["version"] = "e2e-reload-2";
  for (auto& rule : doc["rules"]) {
    if (rule["id"] == "R-yol-sokak") rule["owner"] = "yol-yapim";
  }
  write(doc);
  ASSERT_TRUE(WaitUntil([&] { return metric("teksin_routing_rules_info{version=\"e2e-reload-2\"}") == 1; },
                        std::chrono::seconds(30)));
  EXPECT_EQ(metric("teksin_routing_rules_info{version=\"e2e-reload-1\"}"), -1);
  v1::CaseRouted second = routed(Submit(d, "yol-sokak", "Mut", "0532 700 00 22", 22));
  EXPECT_EQ(second.case_().owner().unit_id(), "yol-yapim");
  EXPECT_EQ(second.rules_version(), "e2e-reload-2");

  // A broken file is refused: the rules in force stay, and it is counted once.
  nlohmann::json broken = doc;
  broken["version"] = "e2e-reload-3";
  broken["rules"][0]["owner"] = "nobody";
  write(broken);
  ASSERT_TRUE(WaitUntil([&] { return metric("teksin_routing_rules_reloads_total{result=\"error\"}") == 1; },
                        std::chrono::seconds(30)));
  EXPECT_EQ(metric("teksin_routing_rules_info{version=\"e2e-reload-2\"}"), 1);
  EXPECT_EQ(metric("teksin_routing_rules_reloads_total{result=\"ok\"}"), 1);
  v1::CaseRouted third = routed(Submit(d, "yol-sokak", "Mut", "0532 700 00 23", 23));
  EXPECT_EQ(third.rules_version(), "e2e-reload-2");
  EXPECT_EQ(HttpGet(routing_port, "/healthz").status, 200);
}

}  // namespace
}  // namespace teksin::testing
