#include "channel_callcenter/app.h"

#include <iostream>
#include <memory>

#include "channel/guards.h"
#include "channel_callcenter/callcenter_grpc.h"
#include "channel_callcenter/callcenter_service.h"
#include "channel_callcenter/config.h"
#include "channel_callcenter/contact_guards.h"
#include "channel_callcenter/index_batcher.h"
#include "channel_callcenter/redis_case_index.h"
#include "common/log.h"
#include "runtime/runtime.h"
#include "vault/contact_vault.h"

namespace teksin::channel_callcenter {

int Run() {
  common::EnvReader env;
  auto rt_or = runtime::Runtime::Create(kServiceName, "CALLCENTER", env, 8313);
  if (!rt_or.ok()) {
    std::cerr << rt_or.status() << "\n";
    return 2;
  }
  auto& rt = **rt_or;
  auto config = ReadCallCenterConfig(env, rt.config());
  if (!config.ok()) {
    common::LogError("bad configuration", {{"error", std::string(config.status().message())}});
    return 2;
  }
  common::EnvReader vault_env;
  auto cipher = vault::ReadContactVaultKey(vault_env, /*required=*/false);
  const absl::Duration vault_ttl = vault::ReadContactVaultTtl(vault_env);
  if (auto s = vault_env.Finish(); !s.ok()) {
    common::LogError("bad configuration", {{"error", std::string(s.message())}});
    return 2;
  }
  auto catalogue = catalogue::Catalogue::LoadFile(config->catalogue_file);
  auto districts = geo::DistrictLocator::FromGeoJsonFile(config->boundaries_file);
  if (!catalogue.ok() || !districts.ok()) {
    common::LogError("cannot load reference data",
                     {{"catalogue", catalogue.status().ToString()},
                      {"boundaries", districts.status().ToString()}});
    return 2;
  }

  const auto& topics = rt.topics();
  const std::string own = topics.ChannelContacts(kChannelTopicName);
  if (auto s = rt.EnsureTopics({own, topics.IntakeCases(), topics.RoutingDecisions(),
                                topics.DepartmentUpdates(), topics.CitizenFeedback()});
      !s.ok()) {
    common::LogError("cannot create topics", {{"error", s.ToString()}});
    return 1;
  }
  auto publisher = rt.Publisher();
  auto redis = rt.NewRedis();
  if (!publisher.ok() || !redis.ok()) {
    common::LogError("clients", {{"kafka", publisher.status().ToString()},
                                 {"redis", redis.status().ToString()}});
    return 1;
  }
  const std::string redis_prefix = topics.prefix() + ":cc";
  RedisCaseIndex index(**redis, topics.prefix());
  channel::RedisRateLimiter limiter(**redis, redis_prefix);
  channel::RedisIdempotencyStore idempotency(**redis, redis_prefix);
  CallCenterOptions options;
  options.citizen_key_secret = config->citizen_key_secret;
  options.rate_limit = config->rate_limit;
  options.rate_window = config->rate_window;
  options.idempotency_ttl = config->idempotency_ttl;
  CallCenterService service(*catalogue, *districts, index, limiter, idempotency, topics,
                            **publisher, common::SystemClock::Get(), rt.registry(), options);
  RedisContactGuards guards(**redis, redis_prefix, index);  // the same keys, fewer round trips
  service.SetGuards(&guards);
  std::unique_ptr<vault::RedisContactVault> contacts;
  if (cipher) {
    contacts = std::make_unique<vault::RedisContactVault>(**redis, topics.prefix(), *cipher, vault_ttl);
    service.SetVault(contacts.get());
  } else {
    common::LogWarn("TEKSIN_CONTACT_VAULT_KEY is empty: no caller number is stored, so the "
                    "notifier cannot send SMS to callers (development only)");
  }
  CallCenterGrpc grpc_service(service);
  redis::RedisClient* r = redis->get();
  rt.http().AddHealthCheck("redis", [r] { return r->Ping(); });

  // The case index: its own group, reading every channel (by pattern, so a new channel is picked
  // up without a restart) and the case topics; its updates go to Redis in batches (one script
  // call for up to CALLCENTER_BATCH_MAX_EVENTS events, ADR 0026).
  IndexBatchOptions batching;
  batching.max_items = config->batch_max_events;
  batching.max_delay = config->batch_max_delay;
  IndexBatcher batcher(index, batching,
                       [&service](const CaseUpdate& u) { service.CountProjected(u); });
  service.SetBatcher(&batcher);
  kafka::ExportBatchCounts(
      rt.registry(), batcher, "teksin_channel_callcenter_index",
      "Batches of case index updates sent to Redis in one script call by the projection",
      "Events whose case index update went in a batch");
  auto consumer = rt.NewConsumer({topics.ChannelContactsPattern(), topics.IntakeCases(),
                                  topics.RoutingDecisions(), topics.DepartmentUpdates()},
                                 "projection", {}, kafka::FetchProfile::kFollower);
  if (!consumer.ok()) return rt.Fail("kafka consumer", consumer.status());
  auto http_port = rt.StartHttp();
  if (!http_port.ok()) return rt.Fail("http", http_port.status());
  auto grpc_port = rt.StartGrpc({&grpc_service}, config->grpc_port);
  if (!grpc_port.ok()) return rt.Fail("grpc", grpc_port.status());
  rt.RunConsumer(std::move(*consumer), service);
  common::LogInfo("channel_callcenter running",
                  {{"http_port", *http_port}, {"grpc_port", *grpc_port},
                   {"districts", districts->Districts().size()},
                   {"services", catalogue->services().size()}});
  int rc = rt.WaitForShutdownAndStop();
  // The consumer has stopped (it waited for every update it handed over): nothing is queued.
  service.SetBatcher(nullptr);
  batcher.Stop();
  return rc;
}

}  // namespace teksin::channel_callcenter
