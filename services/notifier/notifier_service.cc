#include "notifier/notifier_service.h"

#include "absl/strings/str_cat.h"
#include "catalogue/catalogue.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/status.h"
#include "events/envelope.h"
#include "nlohmann/json.hpp"

namespace teksin::notifier {
namespace {

constexpr char kSource[] = "notifier";

// "28.11.2026 17:00" in Türkiye's time (UTC+3), for a deadline.
std::string HumanTime(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0) return "";
  static const absl::TimeZone kTr = absl::FixedTimeZone(3 * 3600);
  return absl::FormatTime("%d.%m.%Y %H:%M", common::FromProto(ts), kTr);
}

const char* StatusName(v1::NotificationStatus s) {
  switch (s) {
    case v1::NOTIFICATION_STATUS_SENT:
      return "sent";
    case v1::NOTIFICATION_STATUS_FAILED:
      return "failed";
    case v1::NOTIFICATION_STATUS_NO_ADDRESS:
      return "no_address";
    default:
      return "unspecified";
  }
}

std::string Owner(const v1::Case& c) {
  return c.owner().name().empty() ? c.owner().unit_id() : c.owner().name();
}

}  // namespace

std::optional<Notice> NoticeFor(const v1::Envelope& env, const NotifierOptions& options) {
  Notice n;
  switch (env.payload_case()) {
    case v1::Envelope::kCaseRegistered: {
      n.kase = &env.case_registered().case_();
      if (!options.registered_channels.count(n.kase->channel())) return std::nullopt;
      n.template_key = "case_registered";
      break;
    }
    case v1::Envelope::kCaseLinked: {
      const auto& l = env.case_linked();
      n.kase = &l.case_();
      n.template_key = l.kind() == v1::LINK_KIND_DUPLICATE ? "case_duplicate" : "case_repeat";
      n.values["linked_tracking_code"] =
          l.linked_to_tracking_code().empty() ? l.linked_to_case_id() : l.linked_to_tracking_code();
      break;
    }
    case v1::Envelope::kCaseRejected: {
      n.kase = &env.case_rejected().case_();
      n.template_key = "case_rejected";
      n.values["reason"] = env.case_rejected().reason();
      if (n.kase->tracking_code().empty()) n.values["tracking_code"] = env.case_rejected().tracking_code();
      if (n.kase->case_id().empty()) return std::nullopt;
      break;
    }
    case v1::Envelope::kCaseRouted: {
      const auto& r = env.case_routed();
      // A reopened case is told by CaseReopened, which comes with it.
      if (r.reason() == "reopened") return std::nullopt;
      n.kase = &r.case_();
      n.template_key = r.forwarded() ? "case_forwarded" : "case_routed";
      n.values["owner"] = Owner(*n.kase);
      n.values["deadline"] = HumanTime(n.kase->deadline());
      break;
    }
    case v1::Envelope::kCaseReopened:
      n.kase = &env.case_reopened().case_();
      n.template_key = "case_reopened";
      n.values["owner"] = Owner(*n.kase);
      break;
    case v1::Envelope::kCaseResolved:
      n.kase = &env.case_resolved().case_();
      n.template_key = "case_resolved";
      n.values["resolution"] = env.case_resolved().resolution_text();
      break;
    case v1::Envelope::kCaseClosed:
      n.kase = &env.case_closed().case_();
      n.template_key = "case_closed";
      n.values["reason"] = env.case_closed().reason();
      break;
    case v1::Envelope::kTaskStatusChanged: {
      const auto& t = env.task_status_changed();
      if (t.status() != v1::TASK_STATUS_WAITING_FOR_CITIZEN) return std::nullopt;
      n.kase = &t.case_();
      n.template_key = "case_waiting";
      n.values["question"] = t.reason();
      break;
    }
    default:
      return std::nullopt;
  }
  if (n.kase->case_id().empty()) return std::nullopt;
  if (!n.values.count("tracking_code")) n.values["tracking_code"] = n.kase->tracking_code();
  return n;
}

NotifierService::NotifierService(const Templates& templates, vault::ContactVault& vault,
                                 const SenderSet& senders, NotificationLog& log,
                                 const events::Topics& topics, events::EventPublisher& publisher,
                                 const common::Clock& clock, metrics::Registry& registry,
                                 NotifierOptions options, Sleep sleep)
    : templates_(templates), vault_(vault), senders_(senders), log_(log),
      topic_(topics.Notifications()), publisher_(publisher), clock_(clock),
      options_(std::move(options)), sleep_(std::move(sleep)) {
  if (!sleep_) sleep_ = [](absl::Duration d) { absl::SleepFor(d); };
  outcomes_ = &registry.AddCounter("teksin_notifier_notifications_total",
                                   "Notifications decided, by template, sender and status",
                                   {"template", "sender", "status"});
  send_retries_ = &registry.AddCounter("teksin_notifier_send_retries_total",
                                       "Sends retried after a transient sender error").With({});
  duplicates_ = &registry.AddCounter(
      "teksin_notifier_duplicates_total",
      "Events whose notification was already decided (redelivery or replay)").With({});
}

absl::Status NotifierService::Publish(const v1::Envelope& cause, const Notice& n,
                                      const std::string& template_id,
                                      const std::string& notification_id,
                                      v1::NotificationStatus status, const std::string& sender,
                                      const std::string& reason) {
  events::EnvelopeMeta meta;
  meta.event_id = notification_id;
  meta.source = kSource;
  meta.correlation_id = n.kase->case_id();
  meta.causation_id = cause.event_id();
  meta.partition_key = n.kase->case_id();
  meta.traceparent = cause.traceparent();
  meta.occurred_at = clock_.Now();
  v1::Envelope env = events::NewEnvelope(meta);
  auto* s = env.mutable_notification_sent();
  s->set_case_id(n.kase->case_id());
  s->set_template_id(template_id);
  s->set_channel(n.kase->channel());
  s->set_sender(sender);
  s->set_status(status);
  s->set_reason(reason);
  s->set_cause_event_id(cause.event_id());
  events::StampType(env);
  return publisher_.PublishOne({topic_, n.kase->case_id(), std::move(env)});
}

absl::Status NotifierService::Handle(const events::ConsumedEvent& event) {
  const v1::Envelope& env = event.envelope;
  auto notice = NoticeFor(env, options_);
  if (!notice) return absl::OkStatus();
  Notice& n = *notice;
  const std::string lang = Templates::Language(n.kase->language());
  const std::string template_id = absl::StrCat(n.template_key, ".", lang);
  const std::string id = common::DerivedId(env.event_id(), "notify/" + n.template_key);
  const std::string& case_id = n.kase->case_id();

  auto claimed = log_.Claim(id, options_.log_ttl);
  if (!claimed.ok()) return claimed.status();
  if (claimed->has_value()) {
    duplicates_->Inc();
    if (**claimed == kClaimed) {
      // Claimed and never finished: an earlier run stopped while sending. Whether the citizen got
      // it is unknown; not sending again keeps the promise of at most one message.
      const std::string reason = "interrupted while sending; not sent again";
      RETURN_IF_ERROR(log_.Finish(id, nlohmann::json({{"status", "failed"}, {"sender", ""},
                                                      {"reason", reason}}).dump(),
                                  options_.log_ttl));
      outcomes_->With({n.template_key, "none", "failed"}).Inc();
      return Publish(env, n, template_id, id, v1::NOTIFICATION_STATUS_FAILED, "", reason);
    }
    // Decided before: publish the same event again (its id is the same; consumers dedupe).
    auto j = nlohmann::json::parse(**claimed, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return absl::OkStatus();
    v1::NotificationStatus st = j.value("status", "") == "sent"        ? v1::NOTIFICATION_STATUS_SENT
                                : j.value("status", "") == "no_address" ? v1::NOTIFICATION_STATUS_NO_ADDRESS
                                                                        : v1::NOTIFICATION_STATUS_FAILED;
    return Publish(env, n, template_id, id, st, j.value("sender", ""), j.value("reason", ""));
  }

  // The claim is ours. Decide the outcome; give the claim back only for transient errors.
  auto finish = [&](v1::NotificationStatus st, const std::string& sender,
                    const std::string& reason) -> absl::Status {
    RETURN_IF_ERROR(log_.Finish(
        id, nlohmann::json({{"status", StatusName(st)}, {"sender", sender}, {"reason", reason}}).dump(),
        options_.log_ttl));
    outcomes_->With({n.template_key, sender.empty() ? "none" : sender, StatusName(st)}).Inc();
    common::LogInfo("notification", {{"case_id", case_id}, {"template", template_id},
                                     {"sender", sender}, {"status", StatusName(st)},
                                     {"reason", reason}, {"cause", env.event_id()}});
    return Publish(env, n, template_id, id, st, sender, reason);
  };
  auto release = [&](const absl::Status& why) -> absl::Status {
    if (auto s = log_.Release(id); !s.ok()) {
      common::LogWarn("notification claim not released", {{"error", s.ToString()}});
    }
    return why;
  };

  auto address = vault_.Get(case_id);
  if (!address.ok()) {
    if (address.status().code() == absl::StatusCode::kDataLoss) {
      return finish(v1::NOTIFICATION_STATUS_FAILED, "", "the stored address cannot be opened");
    }
    return release(address.status());  // Redis: transient
  }
  if (!address->has_value() || (*address)->empty()) {
    return finish(v1::NOTIFICATION_STATUS_NO_ADDRESS, "", "the citizen left no address");
  }
  const vault::ContactAddress& to = **address;
  Sender* sender = senders_.Choose(to);
  if (sender == nullptr) {
    return finish(v1::NOTIFICATION_STATUS_FAILED, "", "no configured sender reaches this address");
  }
  n.values["how_to_reply"] = templates_.HowToReply(sender->name(), lang);
  auto text = templates_.Render(n.template_key, lang, n.values);
  if (!text.ok()) return finish(v1::NOTIFICATION_STATUS_FAILED, sender->name(), "no such template");

  Message m{id, case_id, n.kase->tracking_code(), template_id, *text};
  absl::Status sent;
  absl::Duration wait = options_.backoff;
  for (int attempt = 1; attempt <= std::max(1, options_.attempts); ++attempt) {
    sent = sender->Send(to, m);
    if (sent.ok() || common::IsPermanent(sent) ||
        sent.code() != absl::StatusCode::kUnavailable) {
      break;
    }
    if (attempt < options_.attempts) {
      send_retries_->Inc();
      sleep_(wait);
      wait *= 2;
    }
  }
  if (sent.ok()) return finish(v1::NOTIFICATION_STATUS_SENT, sender->name(), "");
  if (sent.code() == absl::StatusCode::kUnavailable) {
    common::LogWarn("notification not sent yet, retrying later",
                    {{"case_id", case_id}, {"template", template_id}, {"sender", sender->name()},
                     {"error", std::string(sent.message())}});
    return release(sent);
  }
  return finish(v1::NOTIFICATION_STATUS_FAILED, sender->name(), std::string(sent.message()));
}

}  // namespace teksin::notifier
