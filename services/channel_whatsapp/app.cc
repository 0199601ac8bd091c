#include "channel_whatsapp/app.h"

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "channel/guards.h"
#include "channel_whatsapp/cloud_api_sender.h"
#include "channel_whatsapp/feedback.h"
#include "channel_whatsapp/redis_conversation_store.h"
#include "channel_whatsapp/reply.h"
#include "channel_whatsapp/whatsapp_http.h"
#include "channel_whatsapp/whatsapp_service.h"
#include "common/log.h"
#include "common/phone.h"
#include "httplib.h"
#include "runtime/runtime.h"
#include "vault/contact_vault.h"

namespace teksin::channel_whatsapp {
namespace {

// Runs the abandonment sweep every `interval` until stopped.
class Sweeper {
 public:
  Sweeper(WhatsAppService& service, absl::Duration interval)
      : thread_([this, &service, interval] {
          std::unique_lock<std::mutex> lock(mu_);
          while (!cv_.wait_for(lock, absl::ToChronoSeconds(interval), [this] { return stop_; })) {
            lock.unlock();
            auto n = service.SweepAbandoned();
            if (!n.ok()) {
              common::LogWarn("abandonment sweep failed", {{"error", n.status().ToString()}});
            }
            lock.lock();
          }
        }) {}
  ~Sweeper() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

int Run() {
  common::EnvReader env;
  auto rt_or = runtime::Runtime::Create("channel_whatsapp", "WHATSAPP", env, 8312);
  if (!rt_or.ok()) {
    std::cerr << rt_or.status() << "\n";
    return 2;
  }
  auto& rt = **rt_or;
  const std::string webhook_path = env.String("WHATSAPP_WEBHOOK_PATH", "/webhooks/whatsapp");
  WebhookOptions webhook;
  webhook.verify_token = env.Required("WHATSAPP_VERIFY_TOKEN");
  webhook.app_secret = env.Required("WHATSAPP_APP_SECRET");
  webhook.max_body_bytes =
      static_cast<size_t>(env.Int("WHATSAPP_MAX_BODY_BYTES", 256 * 1024, 1024, 16 << 20));
  CloudApiOptions api;
  api.base_url = env.String("WHATSAPP_API_BASE_URL", "https://graph.facebook.com");
  api.version = env.String("WHATSAPP_API_VERSION", "v22.0");
  api.access_token = env.String("WHATSAPP_ACCESS_TOKEN", "");
  api.default_phone_number_id = env.String("WHATSAPP_PHONE_NUMBER_ID", "");
  api.timeout_ms = static_cast<int>(env.Int("WHATSAPP_API_TIMEOUT_MS", 10000, 100, 120000));
  DispatcherOptions dispatch;
  dispatch.workers = static_cast<int>(env.Int("WHATSAPP_REPLY_WORKERS", 2, 1, 64));
  WhatsAppOptions options;
  options.citizen_key_secret = common::ReadCitizenKeySecret(env);
  options.rate_limit = static_cast<int>(env.Int("WHATSAPP_RATE_LIMIT", 20, 1, 100000));
  options.rate_window = absl::Seconds(env.Int("WHATSAPP_RATE_WINDOW_SECONDS", 60, 1, 86400));
  options.abandon_after =
      absl::Seconds(env.Int("WHATSAPP_CONVERSATION_TTL_SECONDS", 86400, 10, 7 * 86400));
  options.idempotency_ttl =
      absl::Seconds(env.Int("WHATSAPP_IDEMPOTENCY_TTL_SECONDS", 7 * 86400, 60, 30 * 86400));
  options.default_phone_number_id = api.default_phone_number_id;
  const absl::Duration sweep_every =
      absl::Seconds(env.Int("WHATSAPP_SWEEP_INTERVAL_SECONDS", 60, 1, 3600));
  const std::string reply_file = env.String("WHATSAPP_REPLY_RECORDER_FILE", "");
  auto cipher = vault::ReadContactVaultKey(env, /*required=*/false);
  const absl::Duration vault_ttl = vault::ReadContactVaultTtl(env);
  const absl::Duration feedback_window =
      absl::Hours(24 * env.Int("WHATSAPP_FEEDBACK_WINDOW_DAYS", 30, 1, 365));
  std::string catalogue_file = env.String("TEKSIN_CATALOGUE_FILE",
                                          rt.config().config_dir + "/service-catalogue.json");
  if (auto s = env.Finish(); !s.ok()) {
    common::LogError("bad configuration", {{"error", std::string(s.message())}});
    return 2;
  }
  if (webhook_path.empty() || webhook_path[0] != '/' || webhook_path == "/metrics" ||
      webhook_path == "/healthz") {
    common::LogError("bad configuration",
                     {{"error", "WHATSAPP_WEBHOOK_PATH must start with / and not be /metrics or /healthz"}});
    return 2;
  }
  auto sender = CloudApiSender::Create(api);
  if (!sender.ok()) {
    common::LogError("bad configuration", {{"error", sender.status().ToString()}});
    return 2;
  }
  if (api.access_token.empty()) {
    common::LogWarn("WHATSAPP_ACCESS_TOKEN is empty: replies are sent without a bearer token "
                    "(development only)");
  }
  if (api.default_phone_number_id.empty()) {
    common::LogWarn("WHATSAPP_PHONE_NUMBER_ID is empty: replies use the number each "
                    "notification names");
  }
  auto catalogue = catalogue::Catalogue::LoadFile(catalogue_file);
  if (!catalogue.ok()) {
    common::LogError("cannot load the catalogue", {{"error", catalogue.status().ToString()}});
    return 2;
  }
  const auto& topics = rt.topics();
  if (auto s = rt.EnsureTopics({topics.ChannelContacts("whatsapp"), topics.RoutingDecisions(),
                                 topics.CitizenFeedback()});
      !s.ok()) {
    return rt.Fail("cannot create topics", s);
  }
  auto publisher = rt.Publisher();
  auto redis = rt.NewRedis();
  if (!publisher.ok() || !redis.ok()) {
    common::LogError("clients", {{"kafka", publisher.status().ToString()},
                                 {"redis", redis.status().ToString()}});
    return 1;
  }
  RedisConversationStore conversations(**redis, topics.prefix());
  channel::RedisIdempotencyStore idempotency(**redis, topics.prefix());
  channel::RedisRateLimiter limiter(**redis, topics.prefix());
  std::unique_ptr<ReplySender> file_sender;
  if (!reply_file.empty()) {
    file_sender = std::make_unique<FileReplySender>(reply_file);
    common::LogWarn("WHATSAPP_REPLY_RECORDER_FILE is set: replies are written to the file, not "
                    "sent (local suite)");
  }
  ReplyDispatcher replies(file_sender ? *file_sender : static_cast<ReplySender&>(**sender),
                          rt.registry(), dispatch);
  WhatsAppService service(*catalogue, conversations, idempotency, limiter, topics, **publisher,
                          replies, common::SystemClock::Get(), rt.registry(), options);
  std::unique_ptr<vault::RedisContactVault> contacts;
  if (cipher) {
    contacts = std::make_unique<vault::RedisContactVault>(**redis, topics.prefix(), *cipher, vault_ttl);
    service.SetVault(contacts.get());
  } else {
    common::LogWarn("TEKSIN_CONTACT_VAULT_KEY is empty: no reply address is stored, so the "
                    "notifier cannot reach WhatsApp citizens (development only)");
  }
  RedisResolvedCaseStore resolved(**redis, topics.prefix());
  service.SetFeedback(&resolved);
  ResolvedCaseProjection projection(resolved, feedback_window);
  auto consumer = rt.NewConsumer({topics.RoutingDecisions()}, "projection", {},
                                 kafka::FetchProfile::kFollower);
  if (!consumer.ok()) return rt.Fail("kafka consumer", consumer.status());
  WebhookEndpoint endpoint(service, rt.registry(), webhook);
  // Oversized bodies are refused by cpp-httplib before they are read (413).
  rt.http().server().set_payload_max_length(webhook.max_body_bytes);
  RegisterWebhookRoutes(rt.http().server(), webhook_path, endpoint);
  redis::RedisClient* r = redis->get();
  rt.http().AddHealthCheck("redis", [r] { return r->Ping(); });

  auto port = rt.StartHttp();
  if (!port.ok()) return rt.Fail("http", port.status());
  rt.RunConsumer(std::move(*consumer), projection);
  Sweeper sweeper(service, sweep_every);
  common::LogInfo("channel_whatsapp running", {{"port", *port}, {"webhook_path", webhook_path}});
  int code = rt.WaitForShutdownAndStop();
  return code;  // the sweeper stops, then queued replies are sent (up to 5 s)
}

}  // namespace teksin::channel_whatsapp
