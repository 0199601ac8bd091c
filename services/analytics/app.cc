#include "analytics/app.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "analytics/analytics_service.h"
#include "analytics/redis_counts_store.h"
#include "common/log.h"
#include "google/protobuf/util/json_util.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "runtime/runtime.h"
#include "teksin/v1/analytics_service.grpc.pb.h"

namespace teksin::analytics {
namespace {

class AnalyticsGrpc final : public v1::AnalyticsService::Service {
 public:
  explicit AnalyticsGrpc(AnalyticsService& svc) : svc_(svc) {}
  grpc::Status GetSummary(grpc::ServerContext*, const v1::SummaryRequest*,
                          v1::Summary* out) override {
    auto s = svc_.Summary();
    if (!s.ok()) {
      return grpc::Status(static_cast<grpc::StatusCode>(s.status().code()),
                          std::string(s.status().message()));
    }
    *out = std::move(*s);
    return grpc::Status::OK;
  }

 private:
  AnalyticsService& svc_;
};

}  // namespace

int Run() {
  common::EnvReader env;
  auto rt_or = runtime::Runtime::Create("analytics", "ANALYTICS", env, 8105);
  if (!rt_or.ok()) {
    std::cerr << rt_or.status() << "\n";
    return 2;
  }
  auto& rt = **rt_or;
  int grpc_port = static_cast<int>(env.Int("ANALYTICS_GRPC_PORT", 9105, 0, 65535));
  // A replay into a fresh namespace rebuilds every figure from Kafka (see the README).
  std::string ns = env.String("ANALYTICS_NAMESPACE", rt.topics().prefix() + ":an");
  std::string group = env.String("ANALYTICS_GROUP_SUFFIX", "");
  int64_t seen_ttl = env.Int("ANALYTICS_SEEN_TTL_SECONDS", 30LL * 86400, 3600, 3650LL * 86400);
  if (auto s = env.Finish(); !s.ok()) {
    common::LogError("bad configuration", {{"error", std::string(s.message())}});
    return 2;
  }
  const auto& topics = rt.topics();
  std::vector<std::string> all;
  for (const char* ch : {"open311", "whatsapp", "callcenter"}) all.push_back(topics.ChannelContacts(ch));
  all.push_back(topics.IntakeCases());
  all.push_back(topics.RoutingDecisions());
  all.push_back(topics.DepartmentUpdates());
  if (auto s = rt.EnsureTopics(all); !s.ok()) return rt.Fail("cannot create topics", s);
  auto redis = rt.NewRedis();
  if (!redis.ok()) return rt.Fail("redis", redis.status());
  RedisCountsStore store(**redis, ns, seen_ttl);
  AnalyticsService service(store);
  AnalyticsGrpc grpc_service(service);
  auto& duplicates = rt.registry().AddGauge(
      "teksin_analytics_duplicate_events",
      "Redelivered events recognised by their id and not counted again (since start)");
  rt.registry().AddCollector([&] { duplicates.With({}).Set(static_cast<double>(service.duplicates())); });
  redis::RedisClient* r = redis->get();
  rt.http().AddHealthCheck("redis", [r] { return r->Ping(); });

  rt.http().server().Get("/v1/summary", [&service](const httplib::Request&, httplib::Response& res) {
    auto s = service.Summary();
    if (!s.ok()) {
      res.status = 503;
      res.set_content(nlohmann::json({{"error", std::string(s.status().message())}}).dump(),
                      "application/json");
      return;
    }
    std::string json;
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = true;
    opts.always_print_primitive_fields = true;
    (void)google::protobuf::util::MessageToJsonString(*s, &json, opts);
    res.set_content(json, "application/json");
  });

  std::vector<std::string> subscription{topics.ChannelContactsPattern(), topics.IntakeCases(),
                                        topics.RoutingDecisions(), topics.DepartmentUpdates()};
  auto consumer = rt.NewConsumer(subscription, group);
  if (!consumer.ok()) return rt.Fail("kafka consumer", consumer.status());
  auto http_port = rt.StartHttp();
  if (!http_port.ok()) return rt.Fail("http", http_port.status());
  auto bound = rt.StartGrpc({&grpc_service}, grpc_port);
  if (!bound.ok()) return rt.Fail("grpc", bound.status());
  rt.RunConsumer(std::move(*consumer), service);
  common::LogInfo("analytics running", {{"namespace", ns}});
  return rt.WaitForShutdownAndStop();
}

}  // namespace teksin::analytics
