#include "channel_open311/open311_service.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/phone.h"
#include "common/status.h"
#include "common/turkish_text.h"
#include "events/envelope.h"
#include "kafka/publisher.h"

namespace teksin::channel_open311 {
namespace {

std::string Param(const Params& p, const std::string& name) {
  auto it = p.find(name);
  return it == p.end() ? "" : std::string(absl::StripAsciiWhitespace(it->second));
}

bool ParseAgeGroup(const std::string& s, v1::AgeGroup* out) {
  static const std::map<std::string, v1::AgeGroup> kMap = {
      {"0-17", v1::AGE_GROUP_UNDER_18}, {"18-29", v1::AGE_GROUP_18_29},
      {"30-44", v1::AGE_GROUP_30_44},   {"45-64", v1::AGE_GROUP_45_64},
      {"65+", v1::AGE_GROUP_65_PLUS},
  };
  auto it = kMap.find(s);
  if (it == kMap.end()) return false;
  *out = it->second;
  return true;
}

std::string Iso(const google::protobuf::Timestamp& ts) {
  return common::FormatIso8601Local(common::FromProto(ts));
}

absl::Status RateLimited(int retry_after, const std::string& who) {
  absl::Status s = absl::ResourceExhaustedError(
      absl::StrCat("too many requests from this ", who, "; retry after ", retry_after, " s"));
  s.SetPayload("retry-after", absl::Cord(std::to_string(retry_after)));
  return s;
}

}  // namespace

absl::StatusOr<Accepted> Open311Service::Submit(const Params& p) {
  if (!options_.api_keys.empty()) {
    std::string key = Param(p, "api_key");
    bool ok = false;
    for (const auto& k : options_.api_keys) ok = ok || common::ConstantTimeEquals(k, key);
    if (!ok) return absl::PermissionDeniedError(key.empty() ? "api_key is required" : "api_key is not valid");
  }
  const std::string client = Param(p, "api_key").empty()
                                 ? std::string("anonymous")
                                 : common::Sha256Hex(Param(p, "api_key")).substr(0, 12);
  std::string idem = Param(p, "idempotency_key");
  if (idem.size() > 200) return absl::InvalidArgumentError("Idempotency-Key is longer than 200 characters");
  const std::string idem_key = idem.empty() ? "" : absl::StrCat("o311:", client, ":", common::Sha256Hex(idem));
  std::string code = Param(p, "service_code");
  if (code.empty()) return absl::InvalidArgumentError("service_code is required");
  const catalogue::ServiceDef* service = catalogue_.Find(code);
  if (service == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("service_code \"", code, "\" is not a known service"));
  }

  v1::Case c;
  c.set_category(code);
  std::string lat_s = Param(p, "lat"), lon_s = Param(p, "long");
  std::string address = Param(p, "address_string"), address_id = Param(p, "address_id");
  if (!lat_s.empty() || !lon_s.empty()) {
    double lat = 0, lon = 0;
    if (!absl::SimpleAtod(lat_s, &lat) || !absl::SimpleAtod(lon_s, &lon) || !std::isfinite(lat) ||
        !std::isfinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) {
      return absl::InvalidArgumentError("lat and long must both be decimal degrees (WGS84)");
    }
    c.mutable_location()->set_has_coordinates(true);
    c.mutable_location()->set_lat(lat);
    c.mutable_location()->set_lon(lon);
  } else if (address.empty() && address_id.empty()) {
    return absl::InvalidArgumentError("a location is required: lat and long, address_string or address_id");
  }
  c.mutable_location()->set_address(address);
  c.mutable_location()->set_address_id(address_id);
  // Teksin extension: the app's district picker ("Yenişehir", "YENİŞEHİR", "yenisehir").
  std::string district = Param(p, "district");
  if (!district.empty()) {
    auto known = common::FindDistrict(district);
    if (!known) return absl::InvalidArgumentError(absl::StrCat("district \"", district, "\" is not a district of Mersin"));
    c.mutable_location()->set_district(*known);
  } else if (!c.location().has_coordinates()) {
    // No geocoder: an address is placed by the district it names ("... Cumhuriyet Mah., Tarsus").
    auto named = common::FindDistrict(address);
    if (!named) {
      return absl::InvalidArgumentError(
          "the address names no district of Mersin: send lat and long, or district");
    }
    c.mutable_location()->set_district(*named);
  }

  std::string description = Param(p, "description");
  if (description.empty()) return absl::InvalidArgumentError("description is required");
  if (description.size() > 4000) {
    return absl::InvalidArgumentError("description is longer than 4000 bytes");
  }
  c.set_text(description);

  std::string phone = Param(p, "phone");
  if (!phone.empty()) {
    auto e164 = common::NormalizeTurkishPhone(phone);
    if (!e164.ok()) return absl::InvalidArgumentError(absl::StrCat("phone: ", e164.status().message()));
    c.set_citizen_key(common::CitizenKey(options_.citizen_key_secret, *e164));
  }
  std::string age = Param(p, "age_group");
  if (!age.empty()) {
    v1::AgeGroup g;
    if (!ParseAgeGroup(age, &g)) {
      return absl::InvalidArgumentError("age_group must be one of 0-17, 18-29, 30-44, 45-64, 65+");
    }
    c.set_age_group(g);
  }
  std::string type = Param(p, "request_type");
  if (!type.empty()) {
    v1::RequestType rt;
    if (!catalogue::ParseRequestType(type, &rt)) {
      return absl::InvalidArgumentError(
          "request_type must be one of request, complaint, suggestion, wish, tip, information, thanks");
    }
    c.set_request_type(rt);
  }
  std::string media = Param(p, "media_url");
  if (!media.empty()) {
    if (media.rfind("https://", 0) != 0 && media.rfind("http://", 0) != 0) {
      return absl::InvalidArgumentError("media_url must be an http(s) URL");
    }
    c.set_media_url(media);
  }
  std::string lang = Param(p, "locale");
  c.set_language(lang.rfind("en", 0) == 0 ? "en" : "tr");
  for (const auto& [k, v] : p) {
    if (k.rfind("attribute[", 0) == 0 && k.back() == ']') {
      (*c.mutable_attributes())[k.substr(10, k.size() - 11)] = v;
    }
  }
  // The mobile app sends its device id; a browser does not. Names and e-mail addresses are
  // never published (KVKK): the citizen is known by the keyed hash of the phone number only.
  c.set_channel(Param(p, "device_id").empty() ? v1::CHANNEL_WEB : v1::CHANNEL_MOBILE_APP);

  const absl::Time now = clock_.Now();
  c.set_case_id(common::NewId());
  c.set_tracking_code(common::NewTrackingCode());
  // The guards, once the request is valid, in one call (one Redis round trip, ADR 0024): the
  // answer remembered for the Idempotency-Key, the client's and the citizen's rate limits, and
  // the reservation of the tracking code. They fail open: a Redis outage must not stop citizens'
  // requests (Kafka is the record).
  int attempt = 0;
  if (admission_ != nullptr) {
    AdmitRequest ar;
    ar.idempotency_key = idempotency_ ? idem_key : "";
    if (limiter_) {
      ar.client = {"o311:client:" + client, options_.client_limit_per_minute, absl::Minutes(1)};
      if (!c.citizen_key().empty()) {
        ar.citizen = {"o311:citizen:" + c.citizen_key(), options_.citizen_limit_per_hour,
                      absl::Hours(1)};
      }
    }
    if (idempotency_) ar.tracking_key = "tracking:" + c.tracking_code();
    ar.case_id = c.case_id();
    ar.tracking_ttl = absl::Hours(24 * 3650);
    ar.now = now;
    auto admitted = admission_->Admit(ar);
    if (admitted.ok() && admitted->replay) {
      nlohmann::json j = nlohmann::json::parse(*admitted->replay, nullptr, false);
      if (!j.is_discarded()) {
        return Accepted{j.value("id", ""), j.value("case_id", ""), j.value("notice", "")};
      }
      ar.idempotency_key.clear();  // an unreadable answer: treated as none
      admitted = admission_->Admit(ar);
    }
    if (!admitted.ok()) {
      common::LogWarn("guards skipped", {{"error", admitted.status().ToString()}});
      attempt = 5;  // nothing reserved either
    } else if (admitted->refused) {
      return RateLimited(admitted->retry_after_seconds, admitted->refused_by);
    } else if (admitted->tracking_owner.empty() || admitted->tracking_owner == c.case_id()) {
      attempt = 5;  // reserved (or not asked to)
    } else {
      c.set_tracking_code(common::NewTrackingCode());  // taken: try further codes
      attempt = 1;
    }
  }
  // Tracking codes are short (50 bits): reserve each one, so two citizens never share one.
  for (; idempotency_ && attempt < 5; ++attempt) {
    auto owner = idempotency_->Remember("tracking:" + c.tracking_code(), c.case_id(),
                                        absl::Hours(24 * 3650));
    if (!owner.ok()) {
      common::LogWarn("tracking code not reserved", {{"error", owner.status().ToString()}});
      break;
    }
    if (*owner == c.case_id()) break;
    c.set_tracking_code(common::NewTrackingCode());
  }
  *c.mutable_received_at() = common::ToProto(now);
  c.set_status(v1::CASE_STATUS_RECEIVED);
  events::EnvelopeMeta meta;
  meta.event_id = common::NewId();
  meta.source = "channel_open311";
  meta.correlation_id = c.case_id();
  meta.causation_id = "";
  meta.partition_key = c.citizen_key().empty() ? c.case_id() : c.citizen_key();
  meta.occurred_at = now;
  auto* h = c.add_history();
  h->set_status(v1::CASE_STATUS_RECEIVED);
  *h->mutable_at() = common::ToProto(now);
  h->set_actor("channel_open311");
  h->set_event_id(meta.event_id);

  v1::Envelope env = events::NewEnvelope(meta);
  auto* contact = env.mutable_contact_received();
  contact->set_contact_id(common::DerivedId(meta.event_id, "contact"));
  contact->set_channel(c.channel());
  contact->set_outcome(v1::CONTACT_OUTCOME_CASE_REQUESTED);
  contact->set_client_id(Param(p, "api_key").empty() ? "" : common::Sha256Hex(Param(p, "api_key")).substr(0, 12));
  *contact->mutable_requested_case() = c;
  events::StampType(env);
  if (vault_ != nullptr) {
    // The reply address stays in the channel, sealed (KVKK): never in the event.
    vault::ContactAddress to;
    if (!phone.empty()) to.phone_e164 = *common::NormalizeTurkishPhone(phone);
    to.push_token = Param(p, "device_id");
    to.language = c.language();
    if (to.push_token.size() > 4096) return absl::InvalidArgumentError("device_id is longer than 4096 bytes");
    if (absl::Status s = vault_->Put(c.case_id(), to); !s.ok()) {
      // Like the guards: fail open. The case matters more than the notifications about it.
      common::LogWarn("reply address not stored", {{"case_id", c.case_id()}, {"error", s.ToString()}});
    }
  }
  RETURN_IF_ERROR(publisher_.PublishOne(
      {topics_.ChannelContacts("open311"), meta.partition_key, env}));

  // Kafka has the contact: the citizen gets the answer even if the view cannot be written now
  // (the projection writes it again from the event).
  events::ConsumedEvent self;
  self.envelope = std::move(env);
  if (absl::Status s = Handle(self); !s.ok()) {
    common::LogWarn("request view not written at accept", {{"error", s.ToString()}});
  }
  Accepted a;
  a.service_request_id = c.tracking_code();
  a.case_id = c.case_id();
  a.service_notice = c.language() == "en"
                         ? "Your request has been received. Keep this tracking code."
                         : "Başvurunuz alındı. Takip kodunuzu saklayınız.";
  if (idempotency_ && !idem_key.empty()) {
    nlohmann::json j = {{"id", a.service_request_id}, {"case_id", a.case_id}, {"notice", a.service_notice}};
    auto first = idempotency_->Remember(idem_key, j.dump(), options_.idempotency_ttl);
    if (!first.ok()) {
      common::LogWarn("idempotency key not stored", {{"error", first.status().ToString()}});
    }
  }
  return a;
}

absl::StatusOr<std::vector<RequestView>> Open311Service::Query(const RequestQuery& query) {
  return store_.Query(query);
}

absl::StatusOr<std::vector<HistoryEntry>> Open311Service::History(const std::string& id) {
  return store_.History(id);
}

absl::StatusOr<std::optional<std::string>> Open311Service::FindByToken(const std::string& token) {
  return store_.FindByToken(token);
}

absl::StatusOr<std::optional<RequestView>> Open311Service::Find(const std::string& id) {
  std::string normalized;
  if (!common::NormalizeTrackingCode(id, &normalized)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", id, "\" is not a tracking code"));
  }
  return store_.Get(normalized);
}

absl::Status Open311Service::Handle(const events::ConsumedEvent& event) {
  const v1::Envelope& env = event.envelope;
  const int64_t at = absl::ToUnixMicros(common::FromProto(env.occurred_at()));
  const v1::Case* c = nullptr;
  RequestView current;
  switch (env.payload_case()) {
    case v1::Envelope::kContactReceived:
      if (env.contact_received().outcome() != v1::CONTACT_OUTCOME_CASE_REQUESTED) return absl::OkStatus();
      c = &env.contact_received().requested_case();
      current = {{"status", "open"}, {"detailed_status", "received"}};
      break;
    case v1::Envelope::kCaseRegistered:
      c = &env.case_registered().case_();
      current = {{"status", "open"}, {"detailed_status", "registered"}};
      break;
    case v1::Envelope::kCaseRejected:
      c = &env.case_rejected().case_();
      current = {{"status", "closed"}, {"detailed_status", "rejected"},
                 {"status_notes", env.case_rejected().reason()}};
      break;
    case v1::Envelope::kCaseRouted:
      c = &env.case_routed().case_();
      // A reopened case is routed back to its owner: it reads "reopened" until work starts again.
      current = {{"status", "open"},
                 {"detailed_status", env.case_routed().reason() == "reopened" ? "reopened"
                                     : env.case_routed().forwarded()          ? "forwarded"
                                                                              : "routed"},
                 {"agency_responsible", c->owner().name()},
                 {"expected_datetime", Iso(c->deadline())}};
      break;
    case v1::Envelope::kTaskStatusChanged: {
      const auto& t = env.task_status_changed();
      c = &t.case_();
      if (t.status() == v1::TASK_STATUS_CLAIMED || t.status() == v1::TASK_STATUS_IN_PROGRESS) {
        current = {{"status", "open"}, {"detailed_status", "in_progress"}};
      } else if (t.status() == v1::TASK_STATUS_WAITING_FOR_CITIZEN) {
        // The staff's question, shown to the citizen.
        current = {{"status", "open"}, {"detailed_status", "waiting_for_citizen"},
                   {"status_notes", t.reason()}};
      } else {
        return absl::OkStatus();  // resolution and rerouting arrive as case events
      }
      break;
    }
    case v1::Envelope::kCaseResolved:
      c = &env.case_resolved().case_();
      current = {{"status", "closed"}, {"detailed_status", "resolved"},
                 {"status_notes", env.case_resolved().resolution_text()},
                 {"resolved_event_id", env.event_id()}};
      break;
    case v1::Envelope::kCaseClosed:
      c = &env.case_closed().case_();
      current = {{"status", "closed"}, {"detailed_status", "closed"},
                 {"status_notes", env.case_closed().reason()}};
      if (c->satisfaction() > 0) current["satisfaction"] = std::to_string(c->satisfaction());
      break;
    case v1::Envelope::kCaseLinked: {
      // The contact's own request stays valid and shows the case it joined.
      const auto& l = env.case_linked();
      c = &l.case_();
      const std::string to = l.linked_to_tracking_code().empty() ? l.linked_to_case_id()
                                                                 : l.linked_to_tracking_code();
      const bool dup = l.kind() == v1::LINK_KIND_DUPLICATE;
      current = {{"status", "open"}, {"detailed_status", "linked"},
                 {dup ? "duplicate_of" : "repeat_of", to},
                 {"status_notes", absl::StrCat(dup ? "duplicate of " : "repeat of ", to)}};
      break;
    }
    case v1::Envelope::kCaseReopened:
      c = &env.case_reopened().case_();
      current = {{"status", "open"}, {"detailed_status", "reopened"},
                 {"agency_responsible", c->owner().name()},
                 {"status_notes", env.case_reopened().reason()}};
      break;
    case v1::Envelope::kTaskNoteAdded: {
      // Notes carry no case snapshot: the request is found by its case id (the token).
      const auto& n = env.task_note_added();
      if (!n.visible_to_citizen() || n.note().empty()) return absl::OkStatus();
      // The token is stored by the request's first write, which may still be queued.
      if (batcher_ != nullptr) batcher_->Flush();
      auto id = store_.FindByToken(n.case_id());
      if (!id.ok()) return id.status();
      if (!id->has_value()) return absl::OkStatus();  // not a request this channel shows
      ViewWrite w;
      w.request_id = **id;
      w.current = {{"citizen_note", n.note()}};
      w.at_us = at;
      w.entry.event_id = env.event_id();
      w.entry.at_us = at;
      w.entry.status = "note";
      w.entry.note = n.note();
      return WriteView(std::move(w));
    }
    default:
      return absl::OkStatus();
  }
  if (c->tracking_code().empty()) return absl::OkStatus();  // not a channel-tracked case
  current["updated_datetime"] = common::FormatIso8601Local(common::FromProto(env.occurred_at()));
  const catalogue::ServiceDef* service = catalogue_.Find(c->category());
  RequestView fixed = {
      {"service_request_id", c->tracking_code()},
      {"case_id", c->case_id()},
      {"service_code", c->category()},
      {"service_name", service ? (c->language() == "en" ? service->name_en : service->name_tr) : c->category()},
      {"description", c->text()},
      {"requested_datetime", Iso(c->received_at())},
      {"address", c->location().address()},
      {"address_id", c->location().address_id()},
      {"media_url", c->media_url()},
  };
  if (c->location().has_coordinates()) {
    fixed["lat"] = absl::StrFormat("%.7f", c->location().lat());
    fixed["long"] = absl::StrFormat("%.7f", c->location().lon());
  }
  fixed["requested_us"] = std::to_string(absl::ToUnixMicros(common::FromProto(c->received_at())));
  fixed["channel"] = catalogue::ChannelName(c->channel());
  // Never shown: compared with the key of the phone a feedback post gives.
  if (!c->citizen_key().empty()) fixed["citizen_key"] = c->citizen_key();
  if (!c->location().district().empty()) current["district"] = c->location().district();
  if (!c->links().duplicate_of().empty()) current["duplicate_of"] = c->links().duplicate_of();
  if (!c->links().parent().empty()) current["parent"] = c->links().parent();
  ViewWrite w;
  w.request_id = c->tracking_code();
  w.entry.event_id = env.event_id();
  w.entry.at_us = at;
  w.entry.status = current["detailed_status"];
  auto notes = current.find("status_notes");
  if (notes != current.end()) w.entry.note = notes->second;
  if (current.count("agency_responsible")) w.entry.note = current["agency_responsible"];
  w.fixed = std::move(fixed);
  w.current = std::move(current);
  w.at_us = at;
  return WriteView(std::move(w));
}

absl::Status Open311Service::WriteView(ViewWrite w) {
  // In the projection's consumer, many events' writes go in one round trip (ADR 0024); the
  // consumer stores the offset once the batch is written. Elsewhere (Submit, tests): now.
  if (batcher_ != nullptr) {
    if (auto done = kafka::DeferredAcks::Defer()) {
      batcher_->Add(std::move(w), std::move(done));
      return absl::OkStatus();
    }
  }
  return store_.Apply(w.request_id, w.fixed, w.current, w.at_us, w.entry);
}

}  // namespace teksin::channel_open311

namespace teksin::channel_open311 {

absl::StatusOr<FeedbackAccepted> Open311Service::Feedback(const std::string& id, const Params& p) {
  if (!options_.api_keys.empty()) {
    std::string key = Param(p, "api_key");
    bool ok = false;
    for (const auto& k : options_.api_keys) ok = ok || common::ConstantTimeEquals(k, key);
    if (!ok) return absl::PermissionDeniedError(key.empty() ? "api_key is required" : "api_key is not valid");
  }
  FeedbackAccepted a;
  a.action = absl::AsciiStrToLower(Param(p, "action"));
  v1::FeedbackKind kind;
  if (a.action == "confirm") {
    kind = v1::FEEDBACK_KIND_CONFIRM;
  } else if (a.action == "rate") {
    kind = v1::FEEDBACK_KIND_RATE;
  } else if (a.action == "reopen") {
    kind = v1::FEEDBACK_KIND_REOPEN;
  } else {
    return absl::InvalidArgumentError("action must be confirm, rate or reopen");
  }
  const std::string rating_s = Param(p, "rating");
  if (!rating_s.empty()) {
    if (!absl::SimpleAtoi(rating_s, &a.rating) || a.rating < 1 || a.rating > 5) {
      return absl::InvalidArgumentError("rating must be a whole number from 1 to 5");
    }
    if (kind == v1::FEEDBACK_KIND_REOPEN) {
      return absl::InvalidArgumentError("rating goes with confirm or rate, not with reopen");
    }
  } else if (kind == v1::FEEDBACK_KIND_RATE) {
    return absl::InvalidArgumentError("rating (1 to 5) is required for action=rate");
  }
  const std::string comment = Param(p, "comment");
  if (comment.size() > 2000) return absl::InvalidArgumentError("comment is longer than 2000 bytes");
  if (kind == v1::FEEDBACK_KIND_REOPEN && comment.empty()) {
    return absl::InvalidArgumentError("comment is required for action=reopen: say what is still wrong");
  }
  const std::string phone = Param(p, "phone");
  if (phone.empty()) {
    return absl::InvalidArgumentError("phone is required: the number given when the request was made");
  }
  auto e164 = common::NormalizeTurkishPhone(phone);
  if (!e164.ok()) return absl::InvalidArgumentError(absl::StrCat("phone: ", e164.status().message()));
  const std::string ck = common::CitizenKey(options_.citizen_key_secret, *e164);

  auto found = Find(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError(absl::StrCat("no service request ", id));
  const RequestView& v = **found;
  auto get = [&v](const std::string& k) {
    auto it = v.find(k);
    return it == v.end() ? std::string() : it->second;
  };
  a.service_request_id = get("service_request_id");
  // One answer for a wrong phone and for a request made without one: nothing to learn by probing.
  if (get("citizen_key").empty() || !common::ConstantTimeEquals(get("citizen_key"), ck)) {
    return absl::PermissionDeniedError("the phone number is not the one this request was made with");
  }
  if (limiter_) {
    auto d = limiter_->Hit("o311:feedback:" + ck, options_.feedback_limit_per_hour, absl::Hours(1),
                           clock_.Now());
    if (!d.ok()) common::LogWarn("rate limit skipped", {{"error", d.status().ToString()}});
    if (d.ok() && !d->allowed) return RateLimited(d->retry_after_seconds, "citizen");
  }
  if (get("detailed_status") != "resolved" || get("resolved_event_id").empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "feedback is taken only for a resolved request; this one is ",
        get("detailed_status").empty() ? "open" : get("detailed_status")));
  }
  // One feedback per resolution: a retry of the same answer republishes the same event; a
  // different answer to the same resolution is refused.
  const std::string resolution = get("resolved_event_id");
  const std::string answer = absl::StrCat(a.action, ":", a.rating);
  if (idempotency_) {
    auto first = idempotency_->Remember("o311:feedback:" + resolution, answer, absl::Hours(24 * 400));
    if (!first.ok()) return absl::UnavailableError(absl::StrCat("cannot record the feedback: ", first.status().message()));
    if (*first != answer) {
      return absl::FailedPreconditionError("feedback was already given for this resolution");
    }
  }
  events::EnvelopeMeta meta;
  meta.event_id = common::DerivedId(resolution, "feedback/open311");
  meta.source = "channel_open311";
  meta.correlation_id = get("case_id");
  meta.causation_id = resolution;
  meta.partition_key = get("case_id");
  meta.occurred_at = clock_.Now();
  v1::Envelope env = events::NewEnvelope(meta);
  auto* f = env.mutable_citizen_feedback();
  f->set_case_id(get("case_id"));
  f->set_tracking_code(a.service_request_id);
  f->set_kind(kind);
  f->set_rating(a.rating);
  f->set_comment(comment);
  f->set_channel(get("channel") == "mobile_app" ? v1::CHANNEL_MOBILE_APP : v1::CHANNEL_WEB);
  f->set_citizen_key(ck);
  events::StampType(env);
  RETURN_IF_ERROR(publisher_.PublishOne({topics_.CitizenFeedback(), get("case_id"), std::move(env)}));
  common::LogInfo("citizen feedback", {{"case_id", get("case_id")}, {"action", a.action},
                                       {"rating", a.rating}, {"citizen_key", ck}});
  return a;
}

}  // namespace teksin::channel_open311
