#include "analytics/app.h"

#include <array>
#include <iostream>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include <fstream>
#include <sstream>

#include "analytics/analytics_service.h"
#include "analytics/bulletin.h"
#include "analytics/figures.h"
#include "analytics/redis_counts_store.h"
#include "analytics/web_assets.h"
#include "absl/time/civil_time.h"
#include "common/log.h"
#include "google/protobuf/util/json_util.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "runtime/runtime.h"
#include "teksin/v1/analytics_service.grpc.pb.h"

namespace teksin::analytics {
namespace {

grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

class AnalyticsGrpc final : public v1::AnalyticsService::Service {
 public:
  AnalyticsGrpc(AnalyticsService& svc, FiguresQuery& figures) : svc_(svc), figures_(figures) {}
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
  grpc::Status GetFigures(grpc::ServerContext*, const v1::FiguresRequest* req,
                          v1::Figures* out) override {
    auto f = figures_.Run(*req);
    if (!f.ok()) return ToGrpc(f.status());
    *out = std::move(*f);
    return grpc::Status::OK;
  }

 private:
  AnalyticsService& svc_;
  FiguresQuery& figures_;
};

std::string ProtoJson(const google::protobuf::Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  opts.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &json, opts);
  return json;
}

void Error(httplib::Response& res, const absl::Status& s) {
  res.status = absl::IsInvalidArgument(s) ? 400 : 503;
  res.set_content(nlohmann::json({{"error", std::string(s.message())}}).dump(), "application/json");
}

std::multimap<std::string, std::string> Params(const httplib::Request& req) {
  return {req.params.begin(), req.params.end()};
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* ContentType(const std::string& path) {
  auto ends = [&](const char* s) {
    std::string suf(s);
    return path.size() >= suf.size() && path.compare(path.size() - suf.size(), suf.size(), suf) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

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
  const std::string data = rt.config().shared_dir + "/data";
  std::string boundaries_file = env.String(
      "ANALYTICS_BOUNDARIES_FILE", data + "/mersin-boundaries/mersin-districts.geojson");
  std::string population_file = env.String(
      "ANALYTICS_POPULATION_FILE", data + "/mersin-population/mersin-district-population-2023.csv");
  std::string mahalle_population_file =
      env.String("ANALYTICS_NEIGHBOURHOOD_POPULATION_FILE",
                 data + "/mersin-population/mersin-mahalle-population-2023.csv");
  std::string catalogue_file =
      env.String("TEKSIN_CATALOGUE_FILE", rt.config().config_dir + "/service-catalogue.json");
  std::string rules_file =
      env.String("ANALYTICS_RULES_FILE", rt.config().config_dir + "/routing-rules.json");
  RisingOptions rising;
  rising.recent_days = static_cast<int>(env.Int("ANALYTICS_RISING_RECENT_DAYS", 1, 1, 30));
  rising.baseline_days = static_cast<int>(env.Int("ANALYTICS_RISING_BASELINE_DAYS", 14, 1, 90));
  rising.ratio = static_cast<double>(env.Int("ANALYTICS_RISING_RATIO", 3, 2, 100));
  rising.min_reports = env.Int("ANALYTICS_RISING_MIN_REPORTS", 5, 1, 100000);
  // Events applied to Redis together, in one Lua call (ADR 0023).
  BatchOptions batching;
  batching.max_items = static_cast<size_t>(env.Int("ANALYTICS_BATCH_MAX_EVENTS", 500, 1, 10000));
  batching.max_delay = std::chrono::milliseconds(env.Int("ANALYTICS_BATCH_MAX_DELAY_MS", 3, 1, 1000));
  // Batches commute (each script atomic, counting each id once, statuses moving forward in time
  // only), so two threads keep Redis busy: one builds a batch while Redis runs the other.
  batching.workers = static_cast<int>(env.Int("ANALYTICS_BATCH_WORKERS", 2, 1, 8));
  if (auto s = env.Finish(); !s.ok()) {
    common::LogError("bad configuration", {{"error", std::string(s.message())}});
    return 2;
  }
  auto boundaries = ReadFile(boundaries_file);
  if (!boundaries.ok()) return rt.Fail("district boundaries", boundaries.status());
  auto districts = geo::DistrictLocator::FromGeoJson(*boundaries);
  if (!districts.ok()) return rt.Fail("district boundaries", districts.status());
  // Without the population files (e.g. an image that ships only the boundaries) the figures are
  // served without rates per 10,000 residents.
  auto population = LoadPopulation(population_file, mahalle_population_file);
  if (!population.ok()) {
    common::LogWarn("no population figures: rates per 10,000 residents stay empty",
                    {{"error", std::string(population.status().message())}});
    population = Population{};
  }
  auto labels = Labels::Load(catalogue_file, rules_file);
  if (!labels.ok()) return rt.Fail("labels", labels.status());
  nlohmann::json labels_json = {{"categories", nlohmann::json::object()},
                                {"owners", nlohmann::json::object()}};
  for (const auto& [code, n] : labels->category) labels_json["categories"][code] = {{"tr", n.tr}, {"en", n.en}};
  for (const auto& [id, n] : labels->owner) labels_json["owners"][id] = {{"name", n.tr}, {"kind", n.en}};
  const std::string labels_body = labels_json.dump();

  const auto& topics = rt.topics();
  std::vector<std::string> all;
  for (const char* ch : {"open311", "whatsapp", "callcenter"}) all.push_back(topics.ChannelContacts(ch));
  all.push_back(topics.IntakeCases());
  all.push_back(topics.RoutingDecisions());
  all.push_back(topics.DepartmentUpdates());
  all.push_back(topics.IntakeEmergencies());
  all.push_back(topics.CitizenFeedback());
  if (auto s = rt.EnsureTopics(all); !s.ok()) return rt.Fail("cannot create topics", s);
  auto redis = rt.NewRedis();
  if (!redis.ok()) return rt.Fail("redis", redis.status());
  RedisCountsStore store(**redis, ns, seen_ttl);
  auto legacy = store.Prepare();
  if (!legacy.ok()) {
    return rt.Fail("cannot prepare the analytics namespace in redis", legacy.status());
  }
  if (*legacy) {
    common::LogInfo("namespace counted by an earlier version: its seen keys are checked too "
                    "for one seen TTL, its case statuses move to the status shards",
                    {{"namespace", ns}});
  }
  // Before consuming (a case met meanwhile by another instance is moved by the script itself).
  auto moved = store.MoveLegacyCases([](int64_t n) {
    if (n % 100000 < 1000) common::LogInfo("moving case statuses", {{"moved", std::to_string(n)}});
  });
  if (!moved.ok()) {
    return rt.Fail("cannot move the earlier version's case statuses", moved.status());
  }
  if (*moved > 0) common::LogInfo("case statuses moved", {{"moved", std::to_string(*moved)}});
  AnalyticsService service(store, &*districts);
  FiguresQuery figures(store, *population, rising);
  AnalyticsGrpc grpc_service(service, figures);
  auto& duplicates = rt.registry().AddGauge(
      "teksin_analytics_duplicate_events",
      "Redelivered events recognised by their id and not counted again (since start)");
  rt.registry().AddCollector([&] { duplicates.With({}).Set(static_cast<double>(service.duplicates())); });
  service.StartBatching(batching);
  auto& batches = rt.registry().AddCounter("teksin_analytics_batches_total",
                                           "Batches of events applied to Redis in one Lua call");
  auto& batched = rt.registry().AddCounter("teksin_analytics_batched_events_total",
                                           "Events applied to Redis in batches");
  auto& batch_failures = rt.registry().AddCounter(
      "teksin_analytics_batch_failures_total",
      "Failed attempts to apply a batch (retried; after the last one the events are handed over again)");
  rt.registry().AddCollector([&, mu = std::make_shared<std::mutex>(),
                              last = std::make_shared<std::array<int64_t, 3>>()] {
    std::lock_guard<std::mutex> lock(*mu);
    const EffectsBatcher* b = service.batcher();
    if (b == nullptr) return;
    std::array<int64_t, 3> now{b->batches(), b->batched_events(), b->failed_attempts()};
    batches.With({}).Inc(static_cast<double>(now[0] - (*last)[0]));
    batched.With({}).Inc(static_cast<double>(now[1] - (*last)[1]));
    batch_failures.With({}).Inc(static_cast<double>(now[2] - (*last)[2]));
    *last = now;
  });
  redis::RedisClient* r = redis->get();
  rt.http().AddHealthCheck("redis", [r] { return r->Ping(); });

  auto& server = rt.http().server();
  server.Get("/v1/summary", [&service](const httplib::Request&, httplib::Response& res) {
    auto s = service.Summary();
    if (!s.ok()) return Error(res, s.status());
    res.set_content(ProtoJson(*s), "application/json");
  });
  server.Get("/v1/figures", [&figures](const httplib::Request& req, httplib::Response& res) {
    auto r = FiguresRequestFromParams(Params(req));
    if (!r.ok()) return Error(res, r.status());
    auto f = figures.Run(*r);
    if (!f.ok()) return Error(res, f.status());
    res.set_content(ProtoJson(*f), "application/json");
  });
  server.Get("/v1/figures.csv", [&figures](const httplib::Request& req, httplib::Response& res) {
    auto r = FiguresRequestFromParams(Params(req));
    if (!r.ok()) return Error(res, r.status());
    std::string table = req.has_param("table") ? req.get_param_value("table") : "district";
    auto f = figures.Run(*r);
    if (!f.ok()) return Error(res, f.status());
    auto csv = FiguresCsv(*f, table);
    if (!csv.ok()) return Error(res, csv.status());
    res.set_header("Content-Disposition",
                   absl::StrCat("attachment; filename=\"teksin-", table, "-", f->from(), "-", f->to(), ".csv\""));
    res.set_content(*csv, "text/csv; charset=utf-8");
  });
  server.Get("/v1/bulletin", [&figures, &labels](const httplib::Request& req, httplib::Response& res) {
    std::string month = req.get_param_value("month");
    std::string lang = req.has_param("lang") ? req.get_param_value("lang") : "tr";
    if (lang != "tr" && lang != "en") return Error(res, absl::InvalidArgumentError("lang must be tr or en"));
    absl::CivilMonth m;
    if (month.empty()) {
      auto latest = figures.Run(v1::FiguresRequest());  // the month of the latest counted day
      if (!latest.ok()) return Error(res, latest.status());
      absl::CivilDay d;
      (void)absl::ParseCivilTime(latest->to(), &d);
      m = absl::CivilMonth(d);
      month = absl::FormatCivilTime(m);
    } else if (month.size() != 7 || !absl::ParseCivilTime(month, &m)) {
      return Error(res, absl::InvalidArgumentError(absl::StrCat("month='", month, "' is not YYYY-MM")));
    }
    v1::FiguresRequest r;
    r.set_from(absl::FormatCivilTime(absl::CivilDay(m)));
    r.set_to(absl::FormatCivilTime(absl::CivilDay(m + 1) - 1));
    auto f = figures.Run(r);
    if (!f.ok()) return Error(res, f.status());
    res.set_content(BulletinHtml(month, *f, *labels, lang), "text/html; charset=utf-8");
  });
  server.Get("/v1/labels", [&labels_body](const httplib::Request&, httplib::Response& res) {
    res.set_content(labels_body, "application/json");
  });
  server.Get("/dashboard/data/districts.geojson",
             [b = *boundaries](const httplib::Request&, httplib::Response& res) {
               res.set_header("Cache-Control", "max-age=3600");
               res.set_content(b, "application/geo+json");
             });
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/dashboard/");
  });
  server.Get("/dashboard", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/dashboard/");
  });
  server.Get(R"(/dashboard/([a-z0-9_.-]*))", [](const httplib::Request& req, httplib::Response& res) {
    std::string path = req.matches[1];
    if (path.empty()) path = "index.html";
    const auto& assets = WebAssets();
    auto it = assets.find(path);
    if (it == assets.end()) {
      res.status = 404;
      res.set_content(nlohmann::json({{"error", "no such dashboard file"}}).dump(), "application/json");
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_content(it->second, ContentType(path));
  });

  std::vector<std::string> subscription{topics.ChannelContactsPattern(), topics.IntakeCases(),
                                        topics.RoutingDecisions(),       topics.DepartmentUpdates(),
                                        topics.IntakeEmergencies(),      topics.CitizenFeedback()};
  // Counts and the dashboard may trail by a fetch window: the broker gathers records (ADR 0030).
  auto consumer = rt.NewConsumer(subscription, group, {}, kafka::FetchProfile::kFollower);
  if (!consumer.ok()) return rt.Fail("kafka consumer", consumer.status());
  auto http_port = rt.StartHttp();
  if (!http_port.ok()) return rt.Fail("http", http_port.status());
  auto bound = rt.StartGrpc({&grpc_service}, grpc_port);
  if (!bound.ok()) return rt.Fail("grpc", bound.status());
  rt.RunConsumer(std::move(*consumer), service);
  common::LogInfo("analytics running", {{"namespace", ns}});
  int rc = rt.WaitForShutdownAndStop();
  // The consumer has stopped (it waited for every batch it handed over): nothing is queued.
  service.StopBatching();
  return rc;
}

}  // namespace teksin::analytics
