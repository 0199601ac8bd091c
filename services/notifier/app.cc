#include "notifier/app.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "catalogue/catalogue.h"
#include "common/log.h"
#include "notifier/notification_log.h"
#include "notifier/notifier_service.h"
#include "notifier/senders.h"
#include "notifier/templates.h"
#include "runtime/runtime.h"
#include "vault/contact_vault.h"

namespace teksin::notifier {
namespace {

// "call_center,walk_in" → channels; unknown names are configuration errors.
std::set<v1::Channel> ParseChannels(common::EnvReader& env, const std::string& name) {
  static const std::map<std::string, v1::Channel> kNames = {
      {"call_center", v1::CHANNEL_CALL_CENTER}, {"whatsapp", v1::CHANNEL_WHATSAPP},
      {"mobile_app", v1::CHANNEL_MOBILE_APP},   {"web", v1::CHANNEL_WEB},
      {"walk_in", v1::CHANNEL_WALK_IN}};
  std::set<v1::Channel> out;
  for (const auto& c : env.List(name, "")) {
    auto it = kNames.find(c);
    if (it == kNames.end()) {
      env.Reject(name, absl::StrCat("unknown channel \"", c,
                                    "\" (call_center, whatsapp, mobile_app, web, walk_in)"));
    } else {
      out.insert(it->second);
    }
  }
  return out;
}

}  // namespace

int Run() {
  common::EnvReader env;
  auto rt_or = runtime::Runtime::Create("notifier", "NOTIFIER", env, 8320);
  if (!rt_or.ok()) {
    std::cerr << rt_or.status() << "\n";
    return 2;
  }
  auto& rt = **rt_or;
  NotifierOptions options;
  options.registered_channels = ParseChannels(env, "NOTIFIER_REGISTERED_CHANNELS");
  options.attempts = static_cast<int>(env.Int("NOTIFIER_SEND_ATTEMPTS", 3, 1, 20));
  options.backoff = absl::Milliseconds(env.Int("NOTIFIER_SEND_BACKOFF_MS", 500, 1, 60000));
  options.log_ttl = absl::Hours(24 * env.Int("NOTIFIER_LOG_TTL_DAYS", 400, 1, 3650));
  const std::string templates_file = env.String(
      "NOTIFIER_TEMPLATES_FILE", rt.config().config_dir + "/notification-templates.json");
  auto cipher = vault::ReadContactVaultKey(env, /*required=*/true);
  const std::string recorder_file = env.String("NOTIFIER_RECORDER_FILE", "");
  const int timeout_ms = static_cast<int>(env.Int("NOTIFIER_SEND_TIMEOUT_MS", 10000, 100, 120000));
  WhatsAppSenderOptions wa;
  wa.base_url = env.String("NOTIFIER_WHATSAPP_API_BASE_URL", "");
  wa.version = env.String("NOTIFIER_WHATSAPP_API_VERSION", "v22.0");
  wa.access_token = env.String("NOTIFIER_WHATSAPP_ACCESS_TOKEN", "");
  wa.phone_number_id = env.String("NOTIFIER_WHATSAPP_PHONE_NUMBER_ID", "");
  wa.timeout_ms = timeout_ms;
  HttpGatewayOptions sms{env.String("NOTIFIER_SMS_GATEWAY_URL", ""),
                         env.String("NOTIFIER_SMS_GATEWAY_TOKEN", ""), timeout_ms};
  HttpGatewayOptions push{env.String("NOTIFIER_PUSH_GATEWAY_URL", ""),
                          env.String("NOTIFIER_PUSH_GATEWAY_TOKEN", ""), timeout_ms};
  if (!sms.url.empty()) {
    if (auto s = CheckGatewayUrl("NOTIFIER_SMS_GATEWAY_URL", sms.url); !s.ok()) {
      env.Reject("NOTIFIER_SMS_GATEWAY_URL", std::string(s.message()));
    }
  }
  if (!push.url.empty()) {
    if (auto s = CheckGatewayUrl("NOTIFIER_PUSH_GATEWAY_URL", push.url); !s.ok()) {
      env.Reject("NOTIFIER_PUSH_GATEWAY_URL", std::string(s.message()));
    }
  }
  if (auto s = env.Finish(); !s.ok()) {
    common::LogError("bad configuration", {{"error", std::string(s.message())}});
    return 2;
  }
  SenderSet senders;
  if (!recorder_file.empty()) {
    senders.SetRecorder(NewRecorderSender(recorder_file));
    common::LogWarn("NOTIFIER_RECORDER_FILE is set: every notification is written to the file "
                    "instead of being sent (dry run)");
  } else {
    if (!wa.base_url.empty()) {
      auto s = NewWhatsAppSender(wa);
      if (!s.ok()) {
        common::LogError("bad configuration", {{"error", s.status().ToString()}});
        return 2;
      }
      senders.SetWhatsApp(std::move(*s));
    }
    if (!sms.url.empty()) senders.SetSms(NewSmsSender(sms));
    if (!push.url.empty()) senders.SetPush(NewPushSender(push));
  }
  if (senders.empty()) {
    common::LogWarn("no sender configured: every notification is recorded as FAILED "
                    "(set NOTIFIER_WHATSAPP_API_BASE_URL, NOTIFIER_SMS_GATEWAY_URL, "
                    "NOTIFIER_PUSH_GATEWAY_URL or NOTIFIER_RECORDER_FILE)");
  }
  auto templates = Templates::LoadFile(templates_file);
  if (!templates.ok()) {
    common::LogError("cannot load the notification templates",
                     {{"error", templates.status().ToString()}});
    return 2;
  }
  const auto& topics = rt.topics();
  std::vector<std::string> in{topics.IntakeCases(), topics.RoutingDecisions(),
                              topics.DepartmentUpdates()};
  std::vector<std::string> all = in;
  all.push_back(topics.Notifications());
  if (auto s = rt.EnsureTopics(all); !s.ok()) return rt.Fail("cannot create topics", s);
  auto publisher = rt.Publisher();
  auto redis = rt.NewRedis();
  if (!publisher.ok() || !redis.ok()) {
    common::LogError("clients", {{"kafka", publisher.status().ToString()},
                                 {"redis", redis.status().ToString()}});
    return 1;
  }
  vault::RedisContactVault contacts(**redis, topics.prefix(), *cipher,
                                    absl::Hours(24 * 400));  // read only here
  RedisNotificationLog log(**redis, topics.prefix());
  NotifierService service(*templates, contacts, senders, log, topics, **publisher,
                          common::SystemClock::Get(), rt.registry(), options);
  redis::RedisClient* r = redis->get();
  rt.http().AddHealthCheck("redis", [r] { return r->Ping(); });
  auto consumer = rt.NewConsumer(in, "", {}, kafka::FetchProfile::kFollower);
  if (!consumer.ok()) return rt.Fail("kafka consumer", consumer.status());
  auto port = rt.StartHttp();
  if (!port.ok()) return rt.Fail("http", port.status());
  rt.RunConsumer(std::move(*consumer), service);
  common::LogInfo("notifier running", {{"port", *port},
                                       {"templates_version", templates->version()},
                                       {"vault_key_id", cipher->key_id()}});
  return rt.WaitForShutdownAndStop();
}

}  // namespace teksin::notifier
