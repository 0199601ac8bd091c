#include "intake/app.h"

#include <array>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "catalogue/catalogue.h"
#include "classifier/classifier.h"
#include "common/log.h"
#include "geo/district_locator.h"
#include "intake/case_classifier.h"
#include "intake/classifier_grpc.h"
#include "intake/contact_batcher.h"
#include "intake/emergency_rules.h"
#include "intake/intake_service.h"
#include "intake/label_map.h"
#include "intake/redis_link_store.h"
#include "kafka/publisher.h"
#include "runtime/runtime.h"

namespace teksin::intake {
namespace {

absl::Duration ReadDuration(common::EnvReader& env, const std::string& name,
                            const std::string& fallback) {
  const std::string s = env.String(name, fallback);
  absl::Duration d;
  if (!absl::ParseDuration(s, &d) || d <= absl::ZeroDuration()) {
    env.Reject(name, absl::StrCat("\"", s, "\" is not a positive duration such as 72h or 90m"));
    return absl::Hours(1);
  }
  return d;
}

}  // namespace

int Run() {
  common::EnvReader env;
  auto rt_or = runtime::Runtime::Create("intake", "INTAKE", env, 8102);
  if (!rt_or.ok()) {
    std::cerr << rt_or.status() << "\n";
    return 2;
  }
  auto& rt = **rt_or;
  const std::string& config_dir = rt.config().config_dir;
  std::string boundaries = env.String(
      "INTAKE_BOUNDARIES_FILE",
      absl::StrCat(rt.config().shared_dir, "/data/mersin-boundaries/mersin-districts.geojson"));
  std::string catalogue_file =
      env.String("TEKSIN_CATALOGUE_FILE", absl::StrCat(config_dir, "/service-catalogue.json"));
  const std::string model_file = env.String("INTAKE_CLASSIFIER_MODEL", "");
  const std::string labels_file = env.String(
      "INTAKE_CLASSIFIER_LABELS", absl::StrCat(config_dir, "/classifier-labels.json"));
  const double threshold =
      env.Double("INTAKE_CLASSIFIER_THRESHOLD", kDefaultClassifierThreshold, 0.0, 1.0);
  const int grpc_port = static_cast<int>(env.Int("INTAKE_GRPC_PORT", 9102, 0, 65535));
  const std::string rules_file = env.String(
      "INTAKE_EMERGENCY_RULES", absl::StrCat(config_dir, "/emergency-rules.json"));
  const bool links_on = env.Bool("INTAKE_LINKS", true);
  IntakeOptions options;
  options.duplicate_radius_m =
      env.Double("INTAKE_DUPLICATE_RADIUS_M", options.duplicate_radius_m, 1, 5000);
  options.duplicate_window = ReadDuration(env, "INTAKE_DUPLICATE_WINDOW", "72h");
  options.decision_ttl = ReadDuration(env, "INTAKE_DECISION_TTL", "336h");
  ContactBatchOptions batching;
  batching.max_items =
      static_cast<size_t>(env.Int("INTAKE_BATCH_MAX_CONTACTS", 200, 1, 10000));
  batching.max_delay = std::chrono::milliseconds(env.Int("INTAKE_BATCH_MAX_DELAY_MS", 2, 1, 1000));
  for (const auto& code :
       env.List("INTAKE_NO_DUPLICATE_CATEGORIES", DefaultNoDuplicateCategories())) {
    options.no_duplicate_categories.insert(code);
  }
  if (auto s = env.Finish(); !s.ok()) {
    common::LogError("bad configuration", {{"error", std::string(s.message())}});
    return 2;
  }
  auto districts = geo::DistrictLocator::FromGeoJsonFile(boundaries);
  auto catalogue = catalogue::Catalogue::LoadFile(catalogue_file);
  if (!districts.ok() || !catalogue.ok()) {
    common::LogError("cannot load reference data",
                     {{"boundaries", districts.status().ToString()},
                      {"catalogue", catalogue.status().ToString()}});
    return 2;
  }
  std::vector<std::string> unknown;
  for (const auto& code : options.no_duplicate_categories) {
    if (catalogue->Find(code) == nullptr) unknown.push_back(code);
  }
  if (!unknown.empty()) {
    common::LogError("bad configuration",
                     {{"error", absl::StrCat("INTAKE_NO_DUPLICATE_CATEGORIES: not in the catalogue: ",
                                             absl::StrJoin(unknown, ","))}});
    return 2;
  }
  auto rules = EmergencyRules::LoadFile(rules_file, *catalogue);
  if (!rules.ok()) {
    common::LogError("cannot load emergency rules", {{"error", rules.status().ToString()}});
    return 2;
  }
  options.emergencies = &*rules;

  // The classifier is optional: without a model a case needs its category, as before.
  std::optional<LabelMap> labels;
  std::unique_ptr<FastTextModel> model;
  std::unique_ptr<CaseClassifier> classifier;
  if (!model_file.empty()) {
    auto loaded = classifier::Classifier::Load(model_file);
    auto map = LabelMap::LoadFile(labels_file, *catalogue);
    absl::Status covers =
        loaded.ok() && map.ok() ? map->CheckCovers((*loaded)->labels()) : absl::OkStatus();
    if (!loaded.ok() || !map.ok() || !covers.ok()) {
      common::LogError("cannot load the classifier",
                       {{"model", loaded.status().ToString()},
                        {"labels", map.ok() ? covers.ToString() : map.status().ToString()}});
      return 2;
    }
    labels = std::move(*map);
    model = std::make_unique<FastTextModel>(std::move(*loaded));
    classifier = std::make_unique<CaseClassifier>(*model, *labels, threshold);
    options.classifier = classifier.get();
  }

  const auto& topics = rt.topics();
  std::vector<std::string> channel_topics;
  for (const char* ch : {"open311", "whatsapp", "callcenter"}) {
    channel_topics.push_back(topics.ChannelContacts(ch));
  }
  std::vector<std::string> all = channel_topics;
  all.push_back(topics.IntakeCases());
  all.push_back(topics.IntakeEmergencies());
  if (links_on) all.push_back(topics.RoutingDecisions());
  if (auto s = rt.EnsureTopics(all); !s.ok()) return rt.Fail("cannot create topics", s);
  auto publisher = rt.Publisher();
  if (!publisher.ok()) return rt.Fail("kafka producer", publisher.status());

  std::unique_ptr<redis::RedisClient> redis;
  std::unique_ptr<RedisLinkStore> links;
  std::unique_ptr<ContactBatcher> batcher;
  if (links_on) {
    auto r = rt.NewRedis();
    if (!r.ok()) return rt.Fail("redis", r.status());
    redis = std::move(*r);
    links = std::make_unique<RedisLinkStore>(*redis, topics.prefix());
    options.links = links.get();
    redis::RedisClient* client = redis.get();
    rt.http().AddHealthCheck("redis", [client] { return client->Ping(); });
    // Contacts decided in batches: one Redis round trip for up to INTAKE_BATCH_MAX_CONTACTS.
    batcher = std::make_unique<ContactBatcher>(*links, batching);
    options.batcher = batcher.get();
    auto& batches = rt.registry().AddCounter(
        "teksin_intake_link_batches_total",
        "Batches of contacts whose link decisions went to Redis in one round trip");
    auto& batched = rt.registry().AddCounter("teksin_intake_link_batched_contacts_total",
                                             "Contacts decided in such batches");
    rt.registry().AddCollector([&batches, &batched, b = batcher.get(),
                                mu = std::make_shared<std::mutex>(),
                                last = std::make_shared<std::array<int64_t, 2>>()] {
      std::lock_guard<std::mutex> lock(*mu);
      std::array<int64_t, 2> now{b->batches(), b->batched_contacts()};
      batches.With({}).Inc(static_cast<double>(now[0] - (*last)[0]));
      batched.With({}).Inc(static_cast<double>(now[1] - (*last)[1]));
      *last = now;
    });
  }
  // The emergency hand-off must be acknowledged before the case is registered, even inside the
  // consumer's deferred-ack scope (ADR 0022).
  kafka::AcknowledgedPublisher handoff_publisher(**publisher);
  options.handoff_publisher = &handoff_publisher;
  IntakeService service(*catalogue, *districts, topics, **publisher, common::SystemClock::Get(),
                        rt.registry(), options);
  // Subscribe by pattern so a new channel's topic is picked up without a restart.
  auto consumer = rt.NewConsumer({topics.ChannelContactsPattern()});
  if (!consumer.ok()) return rt.Fail("kafka consumer", consumer.status());
  std::unique_ptr<OpenCaseTracker> tracker;
  std::unique_ptr<kafka::KafkaEventConsumer> tracker_consumer;
  if (links) {
    tracker = std::make_unique<OpenCaseTracker>(*links);
    auto c = rt.NewConsumer({topics.RoutingDecisions()}, "links", {},
                            kafka::FetchProfile::kFollower);
    if (!c.ok()) return rt.Fail("kafka consumer", c.status());
    tracker_consumer = std::move(*c);
  }
  auto http_port = rt.StartHttp();
  if (!http_port.ok()) return rt.Fail("http", http_port.status());
  std::unique_ptr<ClassifierGrpc> grpc_service;
  int bound_grpc = 0;
  if (classifier) {
    grpc_service = std::make_unique<ClassifierGrpc>(*classifier, rt.registry());
    auto port = rt.StartGrpc({grpc_service.get()}, grpc_port);
    if (!port.ok()) return rt.Fail("grpc", port.status());
    bound_grpc = *port;
  }
  rt.RunConsumer(std::move(*consumer), service);
  if (tracker_consumer) rt.RunConsumer(std::move(tracker_consumer), *tracker);
  common::LogInfo("intake running",
                  {{"http_port", *http_port},
                   {"grpc_port", bound_grpc},
                   {"districts", districts->Districts().size()},
                   {"services", catalogue->services().size()},
                   {"classifier", classifier ? classifier->model_version() : std::string("off")},
                   {"threshold", threshold},
                   {"emergency_rules", rules->version()},
                   {"links", links_on}});
  int rc = rt.WaitForShutdownAndStop();
  // The consumers have stopped (they waited for every contact they handed over).
  if (batcher) batcher->Stop();
  return rc;
}

}  // namespace teksin::intake
