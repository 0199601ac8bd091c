#include "channel_whatsapp/whatsapp_service.h"

#include <algorithm>
#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/phone.h"
#include "common/status.h"
#include "events/envelope.h"

namespace teksin::channel_whatsapp {
namespace {

constexpr char kSource[] = "channel_whatsapp";

// Metric labels come from fixed sets, never from what a sender chose.
std::string TypeLabel(const std::string& type) {
  static const std::set<std::string> kTypes = {
      "text",    "image",   "location", "interactive", "audio",  "video",  "document",
      "sticker", "reaction", "contacts", "button",     "order", "system", "unsupported"};
  return kTypes.count(type) ? type : "other";
}

std::string StatusLabel(const std::string& status) {
  static const std::set<std::string> kStatuses = {"sent",    "delivered", "read",  "failed",
                                                  "deleted", "warning",   "played"};
  return kStatuses.count(status) ? status : "other";
}

}  // namespace

WhatsAppService::WhatsAppService(const catalogue::Catalogue& catalogue,
                                 ConversationStore& conversations,
                                 channel::IdempotencyStore& idempotency,
                                 channel::RateLimiter& limiter, const events::Topics& topics,
                                 events::EventPublisher& publisher, ReplyDispatcher& replies,
                                 const common::Clock& clock, metrics::Registry& registry,
                                 WhatsAppOptions options)
    : catalogue_(catalogue), dialogue_(catalogue), conversations_(conversations),
      idempotency_(idempotency), limiter_(limiter), topics_(topics),
      contacts_topic_(topics.ChannelContacts("whatsapp")), publisher_(publisher),
      replies_(replies), clock_(clock), options_(std::move(options)) {
  received_ = &registry.AddCounter("teksin_channel_whatsapp_messages_received_total",
                                   "Messages citizens sent, by WhatsApp message type", {"type"});
  contacts_ = &registry.AddCounter("teksin_channel_whatsapp_contacts_published_total",
                                   "ContactReceived events Kafka acknowledged, by outcome",
                                   {"outcome"});
  statuses_ = &registry.AddCounter("teksin_channel_whatsapp_statuses_total",
                                   "Delivery status callbacks received (ignored)", {"status"});
  cases_ = &registry.AddCounter("teksin_channel_whatsapp_cases_published_total",
                                "Cases requested from intake (Kafka acknowledged)").With({});
  duplicates_ = &registry.AddCounter("teksin_channel_whatsapp_duplicates_total",
                                     "Messages delivered again by Meta and ignored").With({});
  rate_limited_ = &registry.AddCounter("teksin_channel_whatsapp_rate_limited_total",
                                       "Messages over a citizen's rate limit").With({});
  invalid_senders_ = &registry.AddCounter("teksin_channel_whatsapp_invalid_senders_total",
                                          "Messages whose sender id is not a phone number").With({});
  feedback_ = &registry.AddCounter("teksin_channel_whatsapp_feedback_published_total",
                                   "CitizenFeedback events Kafka acknowledged, by kind", {"kind"});
  abandoned_ = &registry.AddCounter("teksin_channel_whatsapp_conversations_abandoned_total",
                                    "Conversations ended by the idle sweep").With({});
}

std::mutex& WhatsAppService::StripeFor(const std::string& citizen_key) {
  return stripes_[std::hash<std::string>{}(citizen_key) % stripes_.size()];
}

absl::Time WhatsAppService::MessageTime(const InboundMessage& m, absl::Time now) const {
  if (m.timestamp <= 0) return now;
  absl::Time t = absl::FromUnixSeconds(m.timestamp);
  if (t < now - absl::Hours(24 * 7) || t > now + absl::Minutes(5)) return now;
  return t;
}

Conversation WhatsAppService::NewConversation(absl::Time started) const {
  Conversation c;
  c.conversation_id = common::NewId();
  c.case_id = common::NewId();
  c.tracking_code = common::NewTrackingCode();
  c.event_id = common::NewId();
  c.started_at_us = absl::ToUnixMicros(started);
  return c;
}

absl::Status WhatsAppService::Handle(const Notification& n) {
  for (const auto& s : n.statuses) statuses_->With({StatusLabel(s.status)}).Inc();
  absl::Status first_error;
  for (const auto& m : n.messages) {
    absl::Status s = HandleMessage(m);
    if (!s.ok()) {
      common::LogError("message not handled",
                       {{"message_ref", MessageRef(options_.citizen_key_secret, m.id)},
                        {"error", s.ToString()}});
      if (first_error.ok()) first_error = s;
    }
  }
  return first_error;
}

absl::Status WhatsAppService::HandleMessage(const InboundMessage& m) {
  received_->With({TypeLabel(m.type)}).Inc();
  // The message id embeds the sender's number: only its keyed reference is stored or logged.
  const std::string ref = MessageRef(options_.citizen_key_secret, m.id);
  auto e164 = WhatsAppIdToE164(m.from);
  if (!e164.ok()) {
    // Nothing to key the citizen by; a retry would not change that. Not logged: it is the id.
    invalid_senders_->Inc();
    common::LogWarn("message from a sender id that is not a phone number", {{"message_ref", ref}});
    return absl::OkStatus();
  }
  const std::string ck = common::CitizenKey(options_.citizen_key_secret, *e164);
  std::lock_guard<std::mutex> lock(StripeFor(ck));

  const std::string idem_key = "wa:msg:" + ref;
  auto seen = idempotency_.Get(idem_key);
  if (!seen.ok()) return seen.status();
  if (seen->has_value()) {
    duplicates_->Inc();
    common::LogInfo("message delivered again, ignored", {{"message_ref", ref}, {"citizen_key", ck}});
    return absl::OkStatus();
  }

  const absl::Time now = clock_.Now();
  auto rate = limiter_.Hit("wa:" + ck, options_.rate_limit, options_.rate_window, now);
  if (!rate.ok()) return rate.status();
  if (!rate->allowed) {
    rate_limited_->Inc();
    // One polite notice per window, not one per message over the limit.
    const int64_t window = std::max<int64_t>(1, absl::ToInt64Seconds(options_.rate_window));
    const std::string token = common::NewId();
    auto notice = idempotency_.Remember(
        absl::StrCat("wa:rl-notice:", ck, ":", absl::ToUnixSeconds(now) / window), token,
        options_.rate_window);
    if (!notice.ok()) return notice.status();
    auto done = idempotency_.Remember(idem_key, "rate_limited", options_.idempotency_ttl);
    if (!done.ok()) return done.status();
    common::LogInfo("message over the rate limit", {{"message_ref", ref}, {"citizen_key", ck}});
    if (*notice == token) Send(m, ck, Reply::Text(kRateLimitedText));
    return absl::OkStatus();
  }

  auto stored = conversations_.Get(ck);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    auto fb = MaybeFeedback(m, ck, ref, now);
    if (!fb.ok()) return fb.status();
    if (fb->has_value()) {
      auto done = idempotency_.Remember(idem_key, "feedback", options_.idempotency_ttl);
      if (!done.ok()) return done.status();
      Send(m, ck, std::move(**fb));
      return absl::OkStatus();
    }
  }
  Conversation c = stored->has_value() ? **stored : NewConversation(MessageTime(m, now));
  Step step;
  if (stored->has_value() && c.last_message_id == ref) {
    step = dialogue_.Next(c);  // applied before a failure: answer, do not apply twice
  } else {
    step = dialogue_.Apply(c, m);
    c.last_message_id = ref;
    ++c.messages;
  }
  c.updated_at_us = absl::ToUnixMicros(now);
  const absl::Duration keep = options_.abandon_after + absl::Hours(1);

  std::string outcome;
  switch (step.outcome) {
    case Step::Outcome::kContinue:
      RETURN_IF_ERROR(conversations_.Put(ck, c, keep));
      outcome = "continue";
      break;
    case Step::Outcome::kComplete:
      // Stored first: if Kafka does not acknowledge, Meta's retry publishes the same ids again.
      RETURN_IF_ERROR(conversations_.Put(ck, c, keep));
      if (vault_ != nullptr) {
        // The reply address, sealed, before the case exists anywhere: the notifier finds it.
        vault::ContactAddress to;
        to.whatsapp_id = m.from;
        to.phone_number_id = m.phone_number_id;
        to.language = "tr";
        RETURN_IF_ERROR(vault_->Put(c.case_id, to));
      }
      RETURN_IF_ERROR(PublishCase(c, ck, ref, now));
      RETURN_IF_ERROR(conversations_.Delete(ck));
      outcome = "case:" + c.tracking_code;
      break;
    case Step::Outcome::kCancelled:
      RETURN_IF_ERROR(PublishAnsweredOnSpot(c, ck, "cancelled", now));
      RETURN_IF_ERROR(conversations_.Delete(ck));
      outcome = "cancelled";
      break;
    case Step::Outcome::kNothing:
      outcome = "nothing";
      break;
  }
  auto done = idempotency_.Remember(idem_key, outcome, options_.idempotency_ttl);
  if (!done.ok()) return done.status();
  Send(m, ck, std::move(step.reply));
  return absl::OkStatus();
}

absl::Status WhatsAppService::PublishCase(const Conversation& c, const std::string& ck,
                                          const std::string& message_ref, absl::Time now) {
  v1::Case kase;
  kase.set_case_id(c.case_id);
  kase.set_tracking_code(c.tracking_code);
  kase.set_channel(v1::CHANNEL_WHATSAPP);
  kase.set_category(c.category);
  kase.set_text(c.text);
  auto* loc = kase.mutable_location();
  if (c.has_coordinates) {
    loc->set_has_coordinates(true);
    loc->set_lat(c.lat);
    loc->set_lon(c.lon);
  }
  loc->set_address(c.address);
  if (!c.district.empty()) loc->set_district(c.district);
  kase.set_citizen_key(ck);
  kase.set_language("tr");
  if (!c.media_ids.empty()) {
    // A reference, not a URL: GET <Graph API>/<version>/<media id> with the access token gives
    // the download link (Meta keeps media for 30 days).
    kase.set_media_url("whatsapp-media:" + c.media_ids.front());
    if (c.media_ids.size() > 1) {
      (*kase.mutable_attributes())["whatsapp_media_ids"] = absl::StrJoin(c.media_ids, ",");
    }
  }
  *kase.mutable_received_at() = common::ToProto(absl::FromUnixMicros(c.started_at_us));
  kase.set_status(v1::CASE_STATUS_RECEIVED);

  events::EnvelopeMeta meta;
  meta.event_id = c.event_id;
  meta.source = kSource;
  meta.correlation_id = c.case_id;
  meta.partition_key = ck;
  meta.occurred_at = now;
  auto* h = kase.add_history();
  h->set_status(v1::CASE_STATUS_RECEIVED);
  *h->mutable_at() = common::ToProto(now);
  h->set_actor(kSource);
  h->set_event_id(meta.event_id);

  v1::Envelope env = events::NewEnvelope(meta);
  auto* contact = env.mutable_contact_received();
  contact->set_contact_id(common::DerivedId(meta.event_id, "contact"));
  contact->set_channel(v1::CHANNEL_WHATSAPP);
  contact->set_outcome(v1::CONTACT_OUTCOME_CASE_REQUESTED);
  contact->set_idempotency_key(message_ref);
  *contact->mutable_requested_case() = std::move(kase);
  events::StampType(env);
  RETURN_IF_ERROR(publisher_.PublishOne({contacts_topic_, ck, std::move(env)}));
  cases_->Inc();
  contacts_->With({"case_requested"}).Inc();
  common::LogInfo("case requested", {{"case_id", c.case_id},
                                     {"tracking_code", c.tracking_code},
                                     {"category", c.category},
                                     {"citizen_key", ck}});
  return absl::OkStatus();
}

absl::Status WhatsAppService::PublishAnsweredOnSpot(const Conversation& c, const std::string& ck,
                                                    const std::string& why, absl::Time now) {
  events::EnvelopeMeta meta;
  meta.event_id = common::DerivedId(c.conversation_id, why);
  meta.source = kSource;
  meta.correlation_id = c.conversation_id;
  meta.partition_key = ck;
  meta.occurred_at = now;
  v1::Envelope env = events::NewEnvelope(meta);
  auto* contact = env.mutable_contact_received();
  contact->set_contact_id(common::DerivedId(meta.event_id, "contact"));
  contact->set_channel(v1::CHANNEL_WHATSAPP);
  contact->set_outcome(v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT);
  contact->set_idempotency_key(c.last_message_id);
  events::StampType(env);
  RETURN_IF_ERROR(publisher_.PublishOne({contacts_topic_, ck, std::move(env)}));
  contacts_->With({"answered_on_spot"}).Inc();
  common::LogInfo("conversation ended without a case",
                  {{"conversation_id", c.conversation_id}, {"why", why}, {"citizen_key", ck}});
  return absl::OkStatus();
}

absl::StatusOr<int> WhatsAppService::SweepAbandoned(int limit) {
  const absl::Time now = clock_.Now();
  auto idle = conversations_.Idle(absl::ToUnixMicros(now - options_.abandon_after), limit);
  if (!idle.ok()) return idle.status();
  int ended = 0;
  for (const auto& [ck, seen] : *idle) {
    std::lock_guard<std::mutex> lock(StripeFor(ck));
    auto current = conversations_.Get(ck);
    if (!current.ok()) return current.status();
    if (!current->has_value() || (*current)->updated_at_us != seen.updated_at_us) continue;
    RETURN_IF_ERROR(PublishAnsweredOnSpot(seen, ck, "abandoned", now));
    auto deleted = conversations_.DeleteIfUnchanged(ck, seen.updated_at_us);
    if (!deleted.ok()) return deleted.status();
    if (*deleted) {
      ++ended;
      abandoned_->Inc();
    }
  }
  return ended;
}

absl::StatusOr<std::optional<Reply>> WhatsAppService::MaybeFeedback(const InboundMessage& m,
                                                                    const std::string& ck,
                                                                    const std::string& ref,
                                                                    absl::Time now) {
  if (resolved_ == nullptr || m.type != "text") return std::nullopt;
  auto parsed = ParseFeedback(m.text);
  if (!parsed) return std::nullopt;
  auto resolved = resolved_->Get(ck);
  if (!resolved.ok()) return resolved.status();
  if (!resolved->has_value()) return std::nullopt;
  const ResolvedCase& rc = **resolved;
  events::EnvelopeMeta meta;
  meta.event_id = common::DerivedId(ref, "feedback");  // Meta's redelivery republishes the same
  meta.source = kSource;
  meta.correlation_id = rc.case_id;
  meta.partition_key = rc.case_id;
  meta.occurred_at = now;
  v1::Envelope env = events::NewEnvelope(meta);
  auto* f = env.mutable_citizen_feedback();
  f->set_case_id(rc.case_id);
  f->set_tracking_code(rc.tracking_code);
  f->set_kind(parsed->kind);
  f->set_rating(parsed->rating);
  if (parsed->kind == v1::FEEDBACK_KIND_REOPEN) f->set_comment(m.text);
  f->set_channel(v1::CHANNEL_WHATSAPP);
  f->set_citizen_key(ck);
  events::StampType(env);
  RETURN_IF_ERROR(publisher_.PublishOne({topics_.CitizenFeedback(), rc.case_id, std::move(env)}));
  RETURN_IF_ERROR(resolved_->Forget(ck, rc.case_id));
  const char* kind = parsed->kind == v1::FEEDBACK_KIND_RATE     ? "rate"
                     : parsed->kind == v1::FEEDBACK_KIND_REOPEN ? "reopen"
                                                                : "confirm";
  feedback_->With({kind}).Inc();
  common::LogInfo("citizen feedback", {{"case_id", rc.case_id}, {"kind", kind},
                                       {"rating", parsed->rating}, {"citizen_key", ck}});
  switch (parsed->kind) {
    case v1::FEEDBACK_KIND_RATE:
      return std::optional<Reply>(Reply::Text(absl::StrCat(
          "Değerlendirmeniz için teşekkür ederiz (", parsed->rating, "/5). ", rc.tracking_code,
          " numaralı başvurunuz kapatılıyor.")));
    case v1::FEEDBACK_KIND_REOPEN:
      return std::optional<Reply>(Reply::Text(absl::StrCat(
          rc.tracking_code, " numaralı başvurunuzun yeniden açılmasını istediniz; "
          "ilgili birime geri gönderiyoruz.")));
    default:
      return std::optional<Reply>(Reply::Text(absl::StrCat(
          "Teşekkür ederiz. ", rc.tracking_code, " numaralı başvurunuz kapatılıyor.")));
  }
}

void WhatsAppService::Send(const InboundMessage& m, const std::string& ck, Reply reply) {
  if (reply.body.empty()) return;
  OutgoingReply out;
  out.to = m.from;
  out.phone_number_id = m.phone_number_id.empty() ? options_.default_phone_number_id
                                                  : m.phone_number_id;
  out.citizen_key = ck;
  out.reply = std::move(reply);
  replies_.Dispatch(std::move(out));
}

}  // namespace teksin::channel_whatsapp
