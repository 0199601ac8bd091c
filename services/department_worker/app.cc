#include "department_worker/app.h"

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "department_worker/deadline_watch.h"
#include "department_worker/redis_task_store.h"
#include "department_worker/staff_http.h"
#include "department_worker/staff_grpc.h"
#include "department_worker/units.h"
#include "department_worker/worker_service.h"
#include "runtime/runtime.h"

namespace teksin::department_worker {
namespace {

// "30s", "5m", "4h": a duration variable, at least `min`.
absl::Duration DurationVar(common::EnvReader& env, const std::string& name, const std::string& fallback,
                           absl::Duration min) {
  std::string text = env.String(name, fallback);
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d < min) {
    env.Reject(name, absl::StrCat("must be a duration like \"30s\", \"5m\" or \"4h\", at least ",
                                  absl::FormatDuration(min)));
    return min;
  }
  return d;
}

// Runs the deadline watch every `interval` until stopped.
class Scanner {
 public:
  Scanner(DeadlineWatch& watch, absl::Duration interval,
          std::function<void(const ScanResult&)> report, std::function<void()> report_error)
      : watch_(watch), interval_(interval), report_(std::move(report)),
        report_error_(std::move(report_error)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Scanner() { Stop(); }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      auto r = watch_.ScanOnce();
      if (r.ok()) {
        report_(*r);
      } else {
        common::LogWarn("deadline scan failed, retrying next scan", {{"error", r.status().ToString()}});
        report_error_();
      }
      lock.lock();
      cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_), [this] { return stop_; });
    }
  }

  DeadlineWatch& watch_;
  absl::Duration interval_;
  std::function<void(const ScanResult&)> report_;
  std::function<void()> report_error_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// One hosted unit: what a process of its own would run (ADR 0025).
struct Unit {
  std::string id;
  std::unique_ptr<RedisTaskStore> store;
  std::unique_ptr<WorkerService> worker;
  std::unique_ptr<DeadlineWatch> watch;
  std::unique_ptr<Scanner> scanner;
};

}  // namespace

int Run() {
  common::EnvReader env;
  auto rt_or = runtime::Runtime::Create("department_worker", "DEPARTMENT_WORKER", env, 0);
  if (!rt_or.ok()) {
    std::cerr << rt_or.status() << "\n";
    return 2;
  }
  auto& rt = **rt_or;
  const std::vector<std::string> unit_ids = HostedUnitsFromEnv(env);
  int grpc_port = static_cast<int>(env.Int("DEPARTMENT_WORKER_GRPC_PORT", 0, 0, 65535));
  absl::Duration scan_interval =
      DurationVar(env, "WORKER_DEADLINE_SCAN_INTERVAL", "30s", absl::Milliseconds(100));
  DeadlineOptions deadline_options;
  deadline_options.warn_share = env.Double("WORKER_DEADLINE_WARN_SHARE", 0.8, 0.01, 0.99);
  deadline_options.escalation_grace =
      DurationVar(env, "WORKER_ESCALATION_GRACE", "4h", absl::ZeroDuration());
  deadline_options.coordination_unit = env.String("WORKER_COORDINATION_UNIT", "koordinasyon");
  if (auto s = env.Finish(); !s.ok()) {
    common::LogError("bad configuration", {{"error", std::string(s.message())}});
    return 2;
  }
  const auto& topics = rt.topics();
  std::vector<std::string> topic_names{topics.DepartmentUpdates()};
  for (const auto& u : unit_ids) topic_names.push_back(topics.RoutingTasks(u));
  if (auto s = rt.EnsureTopics(topic_names); !s.ok()) {
    return rt.Fail("cannot create topics", s);
  }
  // Shared by the hosted units: one producer, one Redis client (thread-safe, a pool of
  // connections), one HTTP and one gRPC server.
  auto publisher = rt.Publisher();
  auto redis = rt.NewRedis();
  if (!publisher.ok() || !redis.ok()) {
    common::LogError("clients", {{"kafka", publisher.status().ToString()},
                                 {"redis", redis.status().ToString()}});
    return 1;
  }
  std::vector<Unit> units(unit_ids.size());
  UnitRouter router;
  for (size_t i = 0; i < unit_ids.size(); ++i) {
    Unit& u = units[i];
    u.id = unit_ids[i];
    u.store = std::make_unique<RedisTaskStore>(**redis, topics.prefix(), u.id);
    u.worker = std::make_unique<WorkerService>(u.id, *u.store, topics, **publisher,
                                               common::SystemClock::Get());
    u.watch = std::make_unique<DeadlineWatch>(u.id, *u.store, topics, **publisher,
                                              common::SystemClock::Get(), deadline_options);
    router.Add(*u.worker);
  }
  StaffGrpc staff(router);
  RegisterStaffHttp(rt.http().server(), router);

  auto& open_gauge = rt.registry().AddGauge("teksin_department_worker_open_tasks",
                                            "Open tasks in the unit's queue", {"unit"});
  for (const Unit& u : units) {
    RedisTaskStore* store = u.store.get();
    std::string id = u.id;
    rt.registry().AddCollector([&open_gauge, store, id] {
      auto n = store->CountOpen();
      if (n.ok()) open_gauge.With({id}).Set(static_cast<double>(*n));
    });
  }
  auto& alerts = rt.registry().AddCounter("teksin_department_worker_deadline_alerts_total",
                                          "Deadline alerts this instance published", {"unit", "kind"});
  auto& breaches = rt.registry().AddCounter(
      "teksin_department_worker_deadline_breaches_total",
      "Tasks whose deadline passed while open (BREACHED alerts this instance published)", {"unit"});
  auto& overdue = rt.registry().AddGauge("teksin_department_worker_open_overdue_tasks",
                                         "Open tasks past their deadline at the last scan", {"unit"});
  auto& scan_errors = rt.registry().AddCounter("teksin_department_worker_deadline_scan_errors_total",
                                               "Deadline scans that failed (Redis or Kafka)", {"unit"});
  for (const Unit& u : units) {
    breaches.With({u.id});
    overdue.With({u.id});
  }
  redis::RedisClient* r = redis->get();
  rt.http().AddHealthCheck("redis", [r] { return r->Ping(); });

  // The group is per unit, also when units share a process: each unit's workers share its task
  // partitions among themselves, and a unit keeps its offsets when it moves to a process of its
  // own (ADR 0005, 0025). Its metrics carry the unit label.
  std::vector<std::unique_ptr<kafka::KafkaEventConsumer>> consumers;
  for (const Unit& u : units) {
    auto consumer = rt.NewConsumer({topics.RoutingTasks(u.id), topics.DepartmentUpdates()}, u.id,
                                   {"unit", u.id});
    if (!consumer.ok()) return rt.Fail(absl::StrCat("kafka consumer of ", u.id), consumer.status());
    consumers.push_back(std::move(*consumer));
  }
  auto http_port = rt.StartHttp();
  if (!http_port.ok()) return rt.Fail("http", http_port.status());
  auto bound = rt.StartGrpc({&staff}, grpc_port);
  if (!bound.ok()) return rt.Fail("grpc", bound.status());
  for (size_t i = 0; i < units.size(); ++i) {
    rt.RunConsumer(std::move(consumers[i]), *units[i].worker);
  }
  for (Unit& u : units) {
    const std::string id = u.id;
    u.scanner = std::make_unique<Scanner>(*u.watch, scan_interval, [&, id](const ScanResult& res) {
      overdue.With({id}).Set(static_cast<double>(res.overdue));
      if (res.warnings) alerts.With({id, "warning"}).Inc(res.warnings);
      if (res.breaches) {
        alerts.With({id, "breached"}).Inc(res.breaches);
        breaches.With({id}).Inc(res.breaches);
      }
      if (res.escalations) alerts.With({id, "escalated"}).Inc(res.escalations);
    }, [&, id] { scan_errors.With({id}).Inc(); });
  }
  common::LogInfo("department worker running",
                  {{"unit", absl::StrJoin(unit_ids, ",")}, {"units", unit_ids.size()},
                   {"grpc_port", *bound}, {"http_port", *http_port},
                   {"deadline_scan_interval", absl::FormatDuration(scan_interval)}});
  // Stops taking calls, then every unit's consumer (each commits and leaves its group), then
  // flushes the shared producer; the deadline watches stop after that.
  int code = rt.WaitForShutdownAndStop();
  for (Unit& u : units) u.scanner->Stop();
  return code;
}

}  // namespace teksin::department_worker
