#include "channel_open311/app.h"

#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "channel_open311/open311_http.h"
#include "channel_open311/open311_service.h"
#include "channel/guards.h"
#include "channel_open311/redis_request_store.h"
#include "channel_open311/view_batcher.h"
#include "common/log.h"
#include "common/phone.h"
#include "runtime/runtime.h"
#include "vault/contact_vault.h"

namespace teksin::channel_open311 {

int Run() {
  common::EnvReader env;
  auto rt_or = runtime::Runtime::Create("channel_open311", "OPEN311", env, 8311);
  if (!rt_or.ok()) {
    std::cerr << rt_or.status() << "\n";
    return 2;
  }
  auto& rt = **rt_or;
  Open311Options options;
  for (const auto& k : env.List("OPEN311_API_KEYS", "")) options.api_keys.insert(k);
  options.client_limit_per_minute =
      static_cast<int>(env.Int("OPEN311_CLIENT_LIMIT_PER_MINUTE", 600, 1, 1000000));
  options.citizen_limit_per_hour =
      static_cast<int>(env.Int("OPEN311_CITIZEN_LIMIT_PER_HOUR", 20, 1, 1000000));
  options.citizen_key_secret = common::ReadCitizenKeySecret(env);
  options.feedback_limit_per_hour =
      static_cast<int>(env.Int("OPEN311_FEEDBACK_LIMIT_PER_HOUR", 10, 1, 1000000));
  ViewBatchOptions batching;
  batching.max_items = static_cast<size_t>(env.Int("OPEN311_BATCH_MAX_EVENTS", 100, 1, 10000));
  batching.max_delay = std::chrono::milliseconds(env.Int("OPEN311_BATCH_MAX_DELAY_MS", 3, 1, 1000));
  auto cipher = vault::ReadContactVaultKey(env, /*required=*/false);
  const absl::Duration vault_ttl = vault::ReadContactVaultTtl(env);
  std::string catalogue_file = env.String("TEKSIN_CATALOGUE_FILE",
                                          rt.config().config_dir + "/service-catalogue.json");
  if (auto s = env.Finish(); !s.ok()) {
    common::LogError("bad configuration", {{"error", std::string(s.message())}});
    return 2;
  }
  if (options.api_keys.empty()) {
    common::LogWarn("OPEN311_API_KEYS is empty: POST requests need no api_key (development only)");
  }
  auto catalogue = catalogue::Catalogue::LoadFile(catalogue_file);
  if (!catalogue.ok()) {
    common::LogError("cannot load the catalogue", {{"error", catalogue.status().ToString()}});
    return 2;
  }
  const auto& topics = rt.topics();
  const std::string own = topics.ChannelContacts("open311");
  std::vector<std::string> lifecycle{own, topics.IntakeCases(), topics.RoutingDecisions(),
                                     topics.DepartmentUpdates()};
  std::vector<std::string> created = lifecycle;
  created.push_back(topics.CitizenFeedback());
  if (auto s = rt.EnsureTopics(created); !s.ok()) return rt.Fail("cannot create topics", s);
  auto publisher = rt.Publisher();
  auto redis = rt.NewRedis();
  if (!publisher.ok() || !redis.ok()) {
    common::LogError("clients", {{"kafka", publisher.status().ToString()},
                                 {"redis", redis.status().ToString()}});
    return 1;
  }
  RedisRequestStore store(**redis, topics.prefix());
  Open311Service service(*catalogue, store, topics, **publisher, common::SystemClock::Get(), options);
  channel::RedisRateLimiter limiter(**redis, topics.prefix());
  channel::RedisIdempotencyStore idempotency(**redis, topics.prefix());
  service.SetGuards(&limiter, &idempotency);
  RedisAdmission admission(**redis, topics.prefix());  // the same keys, one round trip
  service.SetAdmission(&admission);
  std::unique_ptr<vault::RedisContactVault> contacts;
  if (cipher) {
    contacts = std::make_unique<vault::RedisContactVault>(**redis, topics.prefix(), *cipher, vault_ttl);
    service.SetVault(contacts.get());
  } else {
    common::LogWarn("TEKSIN_CONTACT_VAULT_KEY is empty: no reply address is stored, so the "
                    "notifier cannot reach Open311 citizens (development only)");
  }
  RegisterOpen311Routes(rt.http().server(), service);
  redis::RedisClient* r = redis->get();
  rt.http().AddHealthCheck("redis", [r] { return r->Ping(); });

  // The status projection: its own group, so it reads every case event; its writes go to Redis
  // in batches (one script call for up to OPEN311_BATCH_MAX_EVENTS events, ADR 0028).
  ViewBatcher batcher(store, batching);
  service.SetBatcher(&batcher);
  kafka::ExportBatchCounts(
      rt.registry(), batcher, "teksin_channel_open311_view",
      "Batches of request-view writes sent to Redis in one round trip by the projection",
      "Events whose request-view write went in a batch");
  auto consumer = rt.NewConsumer(lifecycle, "projection", {}, kafka::FetchProfile::kFollower);
  if (!consumer.ok()) return rt.Fail("kafka consumer", consumer.status());
  auto port = rt.StartHttp();
  if (!port.ok()) return rt.Fail("http", port.status());
  rt.RunConsumer(std::move(*consumer), service);
  common::LogInfo("channel_open311 running", {{"port", *port}});
  int rc = rt.WaitForShutdownAndStop();
  // The consumer has stopped (it waited for every write it handed over): nothing is queued.
  service.SetBatcher(nullptr);
  batcher.Stop();
  return rc;
}

}  // namespace teksin::channel_open311
