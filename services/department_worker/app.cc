#include "department_worker/app.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "department_worker/redis_task_store.h"
#include "department_worker/staff_grpc.h"
#include "department_worker/worker_service.h"
#include "runtime/runtime.h"

namespace teksin::department_worker {

int Run() {
  common::EnvReader env;
  auto rt_or = runtime::Runtime::Create("department_worker", "DEPARTMENT_WORKER", env, 0);
  if (!rt_or.ok()) {
    std::cerr << rt_or.status() << "\n";
    return 2;
  }
  auto& rt = **rt_or;
  std::string unit = env.Required("DEPARTMENT_WORKER_UNIT");
  int grpc_port = static_cast<int>(env.Int("DEPARTMENT_WORKER_GRPC_PORT", 0, 0, 65535));
  if (auto s = env.Finish(); !s.ok()) {
    common::LogError("bad configuration", {{"error", std::string(s.message())}});
    return 2;
  }
  if (!events::IsValidUnitId(unit)) {
    common::LogError("bad configuration",
                     {{"error", "DEPARTMENT_WORKER_UNIT must be a unit id like \"meski\""}});
    return 2;
  }
  const auto& topics = rt.topics();
  const std::string task_topic = topics.RoutingTasks(unit);
  if (auto s = rt.EnsureTopics({task_topic, topics.DepartmentUpdates()}); !s.ok()) {
    return rt.Fail("cannot create topics", s);
  }
  auto publisher = rt.Publisher();
  auto redis = rt.NewRedis();
  if (!publisher.ok() || !redis.ok()) {
    common::LogError("clients", {{"kafka", publisher.status().ToString()},
                                 {"redis", redis.status().ToString()}});
    return 1;
  }
  RedisTaskStore store(**redis, topics.prefix(), unit);
  WorkerService worker(unit, store, topics, **publisher, common::SystemClock::Get());
  StaffGrpc staff(worker);

  auto& open_gauge = rt.registry().AddGauge("teksin_department_worker_open_tasks",
                                            "Open tasks in the unit's queue", {"unit"});
  rt.registry().AddCollector([&] {
    auto n = store.CountOpen();
    if (n.ok()) open_gauge.With({unit}).Set(static_cast<double>(*n));
  });
  redis::RedisClient* r = redis->get();
  rt.http().AddHealthCheck("redis", [r] { return r->Ping(); });

  // The group is per unit: each unit's workers share its task partitions among themselves.
  auto consumer = rt.NewConsumer({task_topic, topics.DepartmentUpdates()}, unit);
  if (!consumer.ok()) return rt.Fail("kafka consumer", consumer.status());
  auto http_port = rt.StartHttp();
  if (!http_port.ok()) return rt.Fail("http", http_port.status());
  auto bound = rt.StartGrpc({&staff}, grpc_port);
  if (!bound.ok()) return rt.Fail("grpc", bound.status());
  rt.RunConsumer(std::move(*consumer), worker);
  common::LogInfo("department worker running",
                  {{"unit", unit}, {"grpc_port", *bound}, {"http_port", *http_port}});
  return rt.WaitForShutdownAndStop();
}

}  // namespace teksin::department_worker
