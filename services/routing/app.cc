#include "routing/app.h"

#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "geo/district_locator.h"
#include "routing/redis_case_state.h"
#include "routing/routing_service.h"
#include "routing/rules_reloader.h"
#include "runtime/runtime.h"

namespace teksin::routing {
namespace {

// Checks the rules file every `interval` (0: never by itself) and at once on SIGHUP, until
// stopped. SIGHUP is blocked in every thread (main.cc) and taken here with sigtimedwait.
class RulesPoller {
 public:
  RulesPoller(RulesReloader& reloader, absl::Duration interval)
      : reloader_(reloader), interval_(interval) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~RulesPoller() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    const timespec slice{0, 200 * 1000 * 1000};  // how soon a stop is noticed
    absl::Duration waited;
    while (!stop_) {
      int sig = sigtimedwait(&hup, nullptr, &slice);
      waited += absl::Milliseconds(200);
      bool due = interval_ > absl::ZeroDuration() && waited >= interval_;
      if (sig == SIGHUP) common::LogInfo("SIGHUP: checking the routing rules file");
      if (sig == SIGHUP || due) {
        reloader_.CheckOnce();
        waited = absl::ZeroDuration();
      }
    }
  }

  RulesReloader& reloader_;
  absl::Duration interval_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

int Run() {
  common::EnvReader env;
  auto rt_or = runtime::Runtime::Create("routing", "ROUTING", env, 8103);
  if (!rt_or.ok()) {
    std::cerr << rt_or.status() << "\n";
    return 2;
  }
  auto& rt = **rt_or;
  const std::string dir = rt.config().config_dir;
  std::string rules_file = env.String("ROUTING_RULES_FILE", dir + "/routing-rules.json");
  std::string catalogue_file = env.String("TEKSIN_CATALOGUE_FILE", dir + "/service-catalogue.json");
  std::string holidays_file = env.String("ROUTING_HOLIDAYS_FILE", dir + "/holidays-tr.json");
  std::string boundaries = env.String(
      "ROUTING_BOUNDARIES_FILE",
      rt.config().shared_dir + "/data/mersin-boundaries/mersin-districts.geojson");
  RoutingOptions options;
  options.max_attempts = static_cast<int>(env.Int("ROUTING_MAX_ATTEMPTS", 10, 1, 50));
  options.max_bounces = static_cast<int>(env.Int("ROUTING_MAX_BOUNCES", 2, 0, 20));
  options.emergency_hours = static_cast<int>(env.Int("ROUTING_EMERGENCY_TARGET_HOURS", 24, 1, 720));
  int case_ttl_days = static_cast<int>(env.Int("ROUTING_CASE_STATE_TTL_DAYS", 365, 1, 3650));
  std::string poll_text = env.String("ROUTING_RULES_POLL_INTERVAL", "5s");
  absl::Duration poll_interval;
  if (!absl::ParseDuration(poll_text, &poll_interval) ||
      (poll_interval != absl::ZeroDuration() && poll_interval < absl::Milliseconds(100))) {
    env.Reject("ROUTING_RULES_POLL_INTERVAL", "must be a duration like \"5s\" (at least 100ms), or 0 to never reload");
  }
  if (auto s = env.Finish(); !s.ok()) {
    common::LogError("bad configuration", {{"error", std::string(s.message())}});
    return 2;
  }
  auto districts = geo::DistrictLocator::FromGeoJsonFile(boundaries);
  auto catalogue = catalogue::Catalogue::LoadFile(catalogue_file);
  auto calendar = calendar::WorkingCalendar::LoadFile(holidays_file);
  if (!districts.ok() || !catalogue.ok() || !calendar.ok()) {
    common::LogError("cannot load reference data",
                     {{"boundaries", districts.status().ToString()},
                      {"catalogue", catalogue.status().ToString()},
                      {"holidays", calendar.status().ToString()}});
    return 2;
  }
  auto rules = catalogue::RoutingRules::LoadFile(rules_file, *catalogue, districts->Districts());
  if (!rules.ok()) {
    common::LogError("routing rules rejected", {{"error", std::string(rules.status().message())}});
    return 2;
  }
  const auto& topics = rt.topics();
  std::vector<std::string> all{topics.IntakeCases(), topics.RoutingDecisions(),
                               topics.DepartmentUpdates(), topics.CitizenFeedback()};
  for (const auto& o : rules->owners()) all.push_back(topics.RoutingTasks(o.id));
  if (auto s = rt.EnsureTopics(all); !s.ok()) return rt.Fail("cannot create topics", s);
  auto publisher = rt.Publisher();
  if (!publisher.ok()) return rt.Fail("kafka producer", publisher.status());
  auto redis = rt.NewRedis();
  if (!redis.ok()) return rt.Fail("redis", redis.status());
  redis::RedisClient* r = redis->get();
  rt.http().AddHealthCheck("redis", [r] { return r->Ping(); });
  RedisCaseStateStore cases(**redis, topics.prefix(), case_ttl_days);
  auto rules_ptr = std::make_shared<const catalogue::RoutingRules>(std::move(*rules));
  RoutingService service(*catalogue, rules_ptr, *calendar, topics, **publisher,
                         common::SystemClock::Get(), cases, options);

  auto& reg = rt.registry();
  auto& feedback = reg.AddCounter("teksin_routing_feedback_total",
                                  "Citizen feedback handled: reopened, closed, or ignored "
                                  "(the case was not resolved)", {"result"});
  auto& decisions = reg.AddCounter("teksin_routing_special_decisions_total",
                                   "Routings that did not come from a rule: triage, bounced "
                                   "(to the coordination centre), rerouted (to the unit staff named)",
                                   {"reason"});
  std::mutex mirror_mu;  // scrapes may run collectors concurrently
  reg.AddCollector([&service, &feedback, &decisions, &mirror_mu] {
    std::lock_guard<std::mutex> lock(mirror_mu);
    // Counters mirror the service's totals (they only grow).
    auto mirror = [](metrics::Counter& c, int64_t total) {
      double delta = static_cast<double>(total) - c.Value();
      if (delta > 0) c.Inc(delta);
    };
    const RoutingStats& st = service.stats();
    mirror(feedback.With({"reopened"}), st.feedback_reopened.load());
    mirror(feedback.With({"closed"}), st.feedback_closed.load());
    mirror(feedback.With({"ignored_not_resolved"}), st.feedback_ignored_not_resolved.load());
    mirror(decisions.With({"triage"}), st.triaged.load());
    mirror(decisions.With({"bounced"}), st.bounced.load());
    mirror(decisions.With({"rerouted"}), st.rerouted.load());
  });
  const std::vector<std::string> district_names = districts->Districts();
  RulesReloader reloader(
      rules_file,
      [&](const std::string& text) {
        return catalogue::RoutingRules::LoadJson(text, *catalogue, district_names);
      },
      [&rt, &topics](const catalogue::RoutingRules& next) {
        std::vector<std::string> task_topics;
        for (const auto& o : next.owners()) task_topics.push_back(topics.RoutingTasks(o.id));
        return rt.EnsureTopics(task_topics);
      },
      service, reg);

  auto consumer = rt.NewConsumer({topics.IntakeCases(), topics.DepartmentUpdates(),
                                  topics.CitizenFeedback()});
  if (!consumer.ok()) return rt.Fail("kafka consumer", consumer.status());
  if (auto port = rt.StartHttp(); !port.ok()) {
    common::LogError("http", {{"error", port.status().ToString()}});
    return 1;
  }
  rt.RunConsumer(std::move(*consumer), service);
  auto poller = std::make_unique<RulesPoller>(reloader, poll_interval);
  common::LogInfo("routing running", {{"rules_version", rules_ptr->version()},
                                      {"rules", rules_ptr->rules().size()},
                                      {"owners", rules_ptr->owners().size()},
                                      {"rules_poll_interval", absl::FormatDuration(poll_interval)}});
  int code = rt.WaitForShutdownAndStop();
  poller.reset();
  return code;
}

}  // namespace teksin::routing
