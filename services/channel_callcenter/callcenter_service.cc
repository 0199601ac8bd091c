#include "channel_callcenter/callcenter_service.h"

#include <cctype>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/phone.h"
#include "common/status.h"
#include "events/envelope.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "nlohmann/json.hpp"

namespace teksin::channel_callcenter {
namespace {

constexpr size_t kMaxText = 4000;
constexpr int kDefaultLimit = 20, kMaxLimit = 100;
constexpr int kDefaultRadiusM = 250, kMaxRadiusM = 5000;

// Every message says it in Turkish for the operator, then in English for the logs and developers.
absl::Status Bad(absl::string_view tr, absl::string_view en) {
  return absl::InvalidArgumentError(absl::StrCat(tr, " / ", en));
}

absl::Status UnknownCategory(const std::string& code) {
  return Bad(absl::StrCat("\"", code, "\" hizmet kataloğunda bir kategori değil"),
             absl::StrCat("category \"", code, "\" is not a service code of the catalogue"));
}

std::string Trim(const std::string& s) { return std::string(absl::StripAsciiWhitespace(s)); }

bool IsIdChar(char c, bool colon) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
         (colon && c == ':');
}

bool ValidToken(const std::string& s, size_t min, size_t max, bool colon) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    if (!IsIdChar(c, colon)) return false;
  }
  return true;
}

// Ten Crockford base-32 characters derived from a seed, in the form of common::NewTrackingCode:
// a retried call gets the same code, and a concurrent duplicate publishes the same case.
std::string DerivedTrackingCode(const std::string& seed) {
  static constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string hex = common::Sha256Hex(absl::StrCat("tracking/", seed));
  uint64_t r = std::stoull(hex.substr(0, 16), nullptr, 16);
  std::string out;
  for (int i = 0; i < 10; ++i) {
    if (i == 5) out.push_back('-');
    out.push_back(kCrockford[(r >> (5 * i)) & 0x1F]);
  }
  return out;
}

std::string DeterministicBytes(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream sos(&out);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&cos);
  }
  return out;
}

std::string OutcomeName(v1::ContactOutcome o) {
  switch (o) {
    case v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT: return "answered_on_spot";
    case v1::CONTACT_OUTCOME_CASE_REQUESTED: return "case_requested";
    case v1::CONTACT_OUTCOME_TRANSFERRED: return "transferred";
    default: return "unspecified";
  }
}

std::string CodeName(absl::StatusCode code) {
  return absl::AsciiStrToLower(absl::StatusCodeToString(code));
}

google::protobuf::Timestamp TsFromMicros(int64_t us) {
  return common::ToProto(absl::FromUnixMicros(us));
}

// The remembered answer, with the fingerprint of the request it answered.
std::string EncodeAnswer(const std::string& fingerprint, const v1::LogContactResponse& r) {
  nlohmann::json j = {{"fp", fingerprint},
                      {"contact_id", r.contact_id()},
                      {"outcome", static_cast<int>(r.outcome())},
                      {"case_id", r.case_id()},
                      {"tracking_code", r.tracking_code()},
                      {"received_us", absl::ToUnixMicros(common::FromProto(r.received_at()))}};
  return j.dump();
}

absl::StatusOr<std::pair<std::string, v1::LogContactResponse>> DecodeAnswer(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InternalError("remembered answer is not JSON");
  }
  v1::LogContactResponse r;
  r.set_contact_id(j.value("contact_id", ""));
  r.set_outcome(static_cast<v1::ContactOutcome>(j.value("outcome", 0)));
  r.set_case_id(j.value("case_id", ""));
  r.set_tracking_code(j.value("tracking_code", ""));
  *r.mutable_received_at() = TsFromMicros(j.value("received_us", int64_t{0}));
  return std::make_pair(j.value("fp", ""), r);
}

}  // namespace

std::string FoldTurkish(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c != ' ' && c != '-' && c != '_') out.push_back(static_cast<char>(std::tolower(c)));
      ++i;
      continue;
    }
    if (i + 1 < s.size()) {
      unsigned pair = (c << 8) | static_cast<unsigned char>(s[i + 1]);
      char m = 0;
      switch (pair) {
        case 0xC3A7: case 0xC387: m = 'c'; break;  // ç Ç
        case 0xC49F: case 0xC49E: m = 'g'; break;  // ğ Ğ
        case 0xC4B1: case 0xC4B0: m = 'i'; break;  // ı İ
        case 0xC3B6: case 0xC396: m = 'o'; break;  // ö Ö
        case 0xC59F: case 0xC59E: m = 's'; break;  // ş Ş
        case 0xC3BC: case 0xC39C: m = 'u'; break;  // ü Ü
        case 0xC3A2: case 0xC382: m = 'a'; break;  // â Â
        case 0xC3AE: case 0xC38E: m = 'i'; break;  // î Î
        case 0xC3BB: case 0xC39B: m = 'u'; break;  // û Û
        case 0xCC87: i += 2; continue;             // combining dot above ("i̇" from lower-casing İ)
        default: break;
      }
      if (m != 0) {
        out.push_back(m);
        i += 2;
        continue;
      }
    }
    out.push_back(static_cast<char>(c));
    ++i;
  }
  return out;
}

CallCenterService::CallCenterService(const catalogue::Catalogue& catalogue,
                                     const geo::DistrictLocator& districts, CaseIndex& index,
                                     channel::RateLimiter& limiter,
                                     channel::IdempotencyStore& idempotency,
                                     const events::Topics& topics,
                                     events::EventPublisher& publisher, const common::Clock& clock,
                                     metrics::Registry& registry, CallCenterOptions options)
    : catalogue_(catalogue), districts_(districts), index_(index), limiter_(limiter),
      idempotency_(idempotency), topics_(topics), publisher_(publisher), clock_(clock),
      options_(std::move(options)),
      contacts_(registry.AddCounter(
          "teksin_channel_callcenter_contacts_total",
          "Contacts logged (published and acknowledged), by outcome and channel",
          {"outcome", "channel"})),
      replays_(registry.AddCounter(
          "teksin_channel_callcenter_idempotent_replays_total",
          "Retried calls answered from the idempotency store, publishing nothing")),
      lookups_(registry.AddCounter("teksin_channel_callcenter_lookups_total",
                                   "Caller and nearby look-ups answered, by kind", {"kind"})),
      errors_(registry.AddCounter("teksin_channel_callcenter_errors_total",
                                  "Calls refused or failed, by RPC and status code",
                                  {"rpc", "code"})),
      projected_(registry.AddCounter("teksin_channel_callcenter_projection_events_total",
                                     "Case events applied to the case index, by status",
                                     {"status"})),
      own_guards_(limiter, idempotency, index) {
  for (const auto& d : districts_.Districts()) district_by_fold_[FoldTurkish(d)] = d;
}

std::optional<std::string> CallCenterService::CanonicalDistrict(const std::string& name) const {
  auto it = district_by_fold_.find(FoldTurkish(name));
  if (it == district_by_fold_.end()) return std::nullopt;
  return it->second;
}

absl::Status CallCenterService::CountError(const std::string& rpc, const absl::Status& s) {
  errors_.With({rpc, CodeName(s.code())}).Inc();
  if (s.code() != absl::StatusCode::kInvalidArgument &&
      s.code() != absl::StatusCode::kResourceExhausted) {
    common::LogWarn("call failed", {{"rpc", rpc}, {"error", s.ToString()}});
  }
  return s;
}

absl::StatusOr<std::string> CallCenterService::Caller(const std::string& operator_id,
                                                      const std::string& desk_id) {
  if (!operator_id.empty()) {
    if (!ValidToken(operator_id, 1, 64, false)) {
      return Bad("operator_id en fazla 64 harf, rakam, '.', '_' veya '-' olmalı",
                 "operator_id must be 1-64 letters, digits, '.', '_' or '-'");
    }
    return absl::StrCat("op:", operator_id);
  }
  if (!desk_id.empty()) {
    if (!ValidToken(desk_id, 1, 64, false)) {
      return Bad("desk_id en fazla 64 harf, rakam, '.', '_' veya '-' olmalı",
                 "desk_id must be 1-64 letters, digits, '.', '_' or '-'");
    }
    return absl::StrCat("desk:", desk_id);
  }
  return Bad("operator_id veya desk_id gerekli", "operator_id or desk_id is required");
}

absl::Status CallCenterService::Admit(const std::string& actor) {
  return Admitted(actor,
                  limiter_.Hit(actor, options_.rate_limit, options_.rate_window, clock_.Now()));
}

absl::Status CallCenterService::Admitted(const std::string& actor,
                                         const absl::StatusOr<channel::RateDecision>& d) {
  if (!d.ok()) {
    // The limit protects the service; it is not worth refusing a citizen's call over.
    common::LogWarn("rate limiter unavailable, call admitted", {{"error", d.status().ToString()}});
    return absl::OkStatus();
  }
  if (d->allowed) return absl::OkStatus();
  absl::Status s = absl::ResourceExhaustedError(
      absl::StrCat("çok fazla istek; ", d->retry_after_seconds,
                   " saniye sonra tekrar deneyin / too many calls from ", actor, " (",
                   options_.rate_limit, " per ", absl::FormatDuration(options_.rate_window),
                   "); retry after ", d->retry_after_seconds, " s"));
  s.SetPayload(kRetryAfterPayload, absl::Cord(std::to_string(d->retry_after_seconds)));
  return s;
}

absl::StatusOr<ContactAnswer> CallCenterService::RegisterCase(const v1::RegisterCaseRequest& r) {
  v1::LogContactRequest req;
  req.set_idempotency_key(r.idempotency_key());
  req.set_outcome(v1::CONTACT_OUTCOME_CASE_REQUESTED);
  req.set_channel(r.channel());
  req.set_operator_id(r.operator_id());
  req.set_desk_id(r.desk_id());
  req.set_caller_phone(r.caller_phone());
  req.set_request_type(r.request_type());
  req.set_category(r.category());
  req.set_text(r.text());
  *req.mutable_location() = r.location();
  req.set_age_group(r.age_group());
  req.set_language(r.language());
  auto a = Log(req);
  if (!a.ok()) return CountError("RegisterCase", a.status());
  return a;
}

absl::StatusOr<ContactAnswer> CallCenterService::LogContact(const v1::LogContactRequest& r) {
  auto a = Log(r);
  if (!a.ok()) return CountError("LogContact", a.status());
  return a;
}

absl::StatusOr<ContactAnswer> CallCenterService::Log(const v1::LogContactRequest& r) {
  // Who: the channel and the operator or desk, before anything else (the rate limit is theirs).
  v1::Channel channel = r.channel();
  if (channel == v1::CHANNEL_UNSPECIFIED) {
    channel = r.desk_id().empty() ? v1::CHANNEL_CALL_CENTER : v1::CHANNEL_WALK_IN;
  }
  std::string actor;
  if (channel == v1::CHANNEL_CALL_CENTER) {
    if (r.operator_id().empty()) {
      return Bad("çağrı merkezi görüşmesi için operator_id gerekli",
                 "operator_id is required for CHANNEL_CALL_CENTER");
    }
    ASSIGN_OR_RETURN(actor, Caller(r.operator_id(), ""));
  } else if (channel == v1::CHANNEL_WALK_IN) {
    if (r.desk_id().empty()) {
      return Bad("masa başvurusu için desk_id gerekli", "desk_id is required for CHANNEL_WALK_IN");
    }
    ASSIGN_OR_RETURN(actor, Caller("", r.desk_id()));
    if (!r.operator_id().empty() && !ValidToken(r.operator_id(), 1, 64, false)) {
      return Bad("operator_id en fazla 64 harf, rakam, '.', '_' veya '-' olmalı",
                 "operator_id must be 1-64 letters, digits, '.', '_' or '-'");
    }
  } else {
    return Bad("kanal CHANNEL_CALL_CENTER veya CHANNEL_WALK_IN olmalı",
               "channel must be CHANNEL_CALL_CENTER or CHANNEL_WALK_IN");
  }
  // The rate-limit hit and, for a well-formed key, the answer remembered under it: one round trip
  // (the answer is used once the request has passed its checks).
  const bool key_ok = ValidToken(r.idempotency_key(), 8, 128, true);
  ContactAdmission admission = guards_->Admit(
      actor, options_.rate_limit, options_.rate_window, clock_.Now(),
      key_ok ? absl::StrCat("contact:", actor, ":", r.idempotency_key()) : std::string());
  RETURN_IF_ERROR(Admitted(actor, admission.rate));

  // What: every field checked, so that nothing intake would refuse is published.
  if (!key_ok) {
    return Bad("idempotency_key gerekli: 8-128 harf, rakam, '.', '_', ':' veya '-'",
               "idempotency_key is required: 8-128 letters, digits, '.', '_', ':' or '-'");
  }
  const v1::ContactOutcome outcome = r.outcome();
  if (outcome != v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT &&
      outcome != v1::CONTACT_OUTCOME_CASE_REQUESTED && outcome != v1::CONTACT_OUTCOME_TRANSFERRED) {
    return Bad("sonuç ANSWERED_ON_SPOT, CASE_REQUESTED veya TRANSFERRED olmalı",
               "outcome must be ANSWERED_ON_SPOT, CASE_REQUESTED or TRANSFERRED");
  }
  const bool wants_case = outcome == v1::CONTACT_OUTCOME_CASE_REQUESTED;

  v1::Case c;
  c.set_channel(channel);
  std::string phone = Trim(r.caller_phone());
  if (!phone.empty()) {
    auto e164 = common::NormalizeTurkishPhone(phone);
    if (!e164.ok()) {
      return Bad("arayan numarası geçerli bir Türkiye telefon numarası değil",
                 absl::StrCat("caller_phone: ", e164.status().message()));
    }
    c.set_citizen_key(common::CitizenKey(options_.citizen_key_secret, *e164));
  }
  if (!v1::RequestType_IsValid(r.request_type())) {
    return Bad("başvuru türü geçersiz", "request_type is not a known value");
  }
  c.set_request_type(r.request_type());
  std::string category = Trim(r.category());
  // An empty category is allowed: intake's classifier chooses one from the text (or sends the
  // case to the coordination centre's triage).
  if (!category.empty() && catalogue_.Find(category) == nullptr) {
    return UnknownCategory(category);
  }
  c.set_category(category);
  std::string text = Trim(r.text());
  if (wants_case && text.empty()) {
    return Bad("başvuru metni gerekli", "text is required to register a case");
  }
  if (text.size() > kMaxText) {
    return Bad("metin 4000 bayttan uzun", "text is longer than 4000 bytes");
  }
  c.set_text(text);

  const v1::Location& in = r.location();
  v1::Location* loc = c.mutable_location();
  const bool has_coordinates = in.has_coordinates() || in.lat() != 0 || in.lon() != 0;
  if (has_coordinates) {
    if (!std::isfinite(in.lat()) || !std::isfinite(in.lon()) || in.lat() < -90 || in.lat() > 90 ||
        in.lon() < -180 || in.lon() > 180) {
      return Bad("konum enlem/boylam (WGS84) olarak geçersiz",
                 "location lat/lon must be WGS84 decimal degrees");
    }
    loc->set_has_coordinates(true);
    loc->set_lat(in.lat());
    loc->set_lon(in.lon());
  }
  std::string district = Trim(in.district());
  if (!district.empty()) {
    auto canonical = CanonicalDistrict(district);
    if (!canonical) {
      return Bad(absl::StrCat("\"", district, "\" Mersin'in 13 ilçesinden biri değil (",
                              absl::StrJoin(districts_.Districts(), ", "), ")"),
                 absl::StrCat("district \"", district,
                              "\" is not one of the 13 districts of Mersin"));
    }
    loc->set_district(*canonical);
  }
  if (has_coordinates) {
    auto located = districts_.Locate(in.lat(), in.lon());
    if (located) {
      loc->set_district(*located);  // the point decides, as at intake
    } else if (wants_case) {
      return Bad("konum Mersin'in 13 ilçesinin dışında",
                 "the location is outside the 13 districts of Mersin");
    }
  }
  if (wants_case && !has_coordinates && loc->district().empty()) {
    return Bad("konum gerekli: koordinat veya ilçe (ve mahalle)",
               "a location is required: lat/lon or a district (and neighbourhood)");
  }
  std::string neighbourhood = Trim(in.neighbourhood());
  std::string address = Trim(in.address());
  if (neighbourhood.size() > 128 || address.size() > 500 || in.address_id().size() > 128) {
    return Bad("mahalle en fazla 128, adres en fazla 500 bayt olabilir",
               "neighbourhood is limited to 128 bytes, address to 500, address_id to 128");
  }
  loc->set_neighbourhood(neighbourhood);
  loc->set_address(address);
  loc->set_address_id(in.address_id());
  if (!v1::AgeGroup_IsValid(r.age_group())) {
    return Bad("yaş grubu geçersiz", "age_group is not a known value");
  }
  c.set_age_group(r.age_group());
  std::string lang = absl::AsciiStrToLower(Trim(r.language()));
  if (!lang.empty() && lang.rfind("tr", 0) != 0 && lang.rfind("en", 0) != 0) {
    return Bad("dil \"tr\" veya \"en\" olmalı", "language must be \"tr\" or \"en\"");
  }
  c.set_language(lang.rfind("en", 0) == 0 ? "en" : "tr");
  std::string transferred_to = Trim(r.transferred_to());
  if (!transferred_to.empty()) {
    if (outcome != v1::CONTACT_OUTCOME_TRANSFERRED) {
      return Bad("transferred_to yalnızca TRANSFERRED için",
                 "transferred_to is only for TRANSFERRED");
    }
    if (transferred_to.size() > 64) {
      return Bad("transferred_to en fazla 64 bayt", "transferred_to is limited to 64 bytes");
    }
    (*c.mutable_attributes())["transferred_to"] = transferred_to;
  }
  if (channel == v1::CHANNEL_WALK_IN) {
    (*c.mutable_attributes())["desk_id"] = r.desk_id();
    if (!r.operator_id().empty()) (*c.mutable_attributes())["operator_id"] = r.operator_id();
  }

  // A retry: the remembered answer, nothing published. The fingerprint covers the normalised
  // contact (citizen key, never the number), so a reused key with other content is refused.
  const std::string scope = absl::StrCat(actor, ":", r.idempotency_key());
  const std::string fingerprint = common::Sha256Hex(
      absl::StrCat(DeterministicBytes(c), "|", static_cast<int>(outcome)));
  const std::string idem_key = absl::StrCat("contact:", scope);
  ASSIGN_OR_RETURN(std::optional<std::string> remembered, std::move(admission.remembered));
  if (remembered) {
    ASSIGN_OR_RETURN(auto answer, DecodeAnswer(*remembered));
    if (answer.first != fingerprint) {
      return Bad("bu idempotency_key başka bir görüşme için kullanıldı",
                 "idempotency_key was already used for a different contact");
    }
    replays_.With({}).Inc();
    return ContactAnswer{answer.second, true};
  }

  // Ids derived from the key and the content: a concurrent duplicate or a retry after a lost
  // answer publishes the very same event, which every consumer recognises.
  const std::string seed = absl::StrCat(scope, "/", fingerprint);
  const absl::Time now = clock_.Now();
  events::EnvelopeMeta meta;
  meta.event_id = common::DerivedId(seed, "event");
  meta.source = kServiceName;
  meta.occurred_at = now;
  const std::string contact_id = common::DerivedId(meta.event_id, "contact");
  *c.mutable_received_at() = common::ToProto(now);
  if (wants_case) {
    c.set_case_id(common::DerivedId(seed, "case"));
    c.set_tracking_code(DerivedTrackingCode(seed));
    c.set_status(v1::CASE_STATUS_RECEIVED);
    auto* h = c.add_history();
    h->set_status(v1::CASE_STATUS_RECEIVED);
    *h->mutable_at() = common::ToProto(now);
    h->set_actor(channel == v1::CHANNEL_WALK_IN ? r.desk_id() : r.operator_id());
    h->set_event_id(meta.event_id);
  }
  meta.correlation_id = wants_case ? c.case_id() : contact_id;
  meta.partition_key = c.citizen_key().empty() ? contact_id : c.citizen_key();
  v1::Envelope env = events::NewEnvelope(meta);
  auto* contact = env.mutable_contact_received();
  contact->set_contact_id(contact_id);
  contact->set_channel(channel);
  contact->set_outcome(outcome);
  contact->set_operator_id(channel == v1::CHANNEL_WALK_IN ? r.desk_id() : r.operator_id());
  contact->set_idempotency_key(scope);
  // For the other outcomes the case carries what the contact was about (no case id, no tracking
  // code): intake and the projections register only CASE_REQUESTED.
  *contact->mutable_requested_case() = c;
  events::StampType(env);
  if (wants_case && vault_ != nullptr && !phone.empty()) {
    // The caller's number, sealed, for the SMS notifications; never in the event.
    vault::ContactAddress to;
    to.phone_e164 = *common::NormalizeTurkishPhone(phone);
    to.language = c.language();
    RETURN_IF_ERROR(vault_->Put(c.case_id(), to));
  }
  RETURN_IF_ERROR(publisher_.PublishOne(
      {topics_.ChannelContacts(kChannelTopicName), meta.partition_key, env}));
  contacts_.With({OutcomeName(outcome), catalogue::ChannelName(channel)}).Inc();
  common::LogInfo("contact logged", {{"contact_id", contact_id},
                                     {"outcome", OutcomeName(outcome)},
                                     {"channel", catalogue::ChannelName(channel)},
                                     {"actor", actor},
                                     {"case_id", c.case_id()}});

  v1::LogContactResponse response;
  response.set_contact_id(contact_id);
  response.set_outcome(outcome);
  response.set_case_id(c.case_id());
  response.set_tracking_code(c.tracking_code());
  *response.mutable_received_at() = common::ToProto(absl::FromUnixMicros(absl::ToUnixMicros(now)));
  // Kafka has the contact. The answer is remembered and, for a case, the caller's history shows
  // it now (the projection writes it again from the event if this fails): one round trip.
  std::optional<CaseUpdate> update;
  if (wants_case) update = UpdateFor(env);
  ContactRecorded recorded =
      guards_->Record(idem_key, EncodeAnswer(fingerprint, response), options_.idempotency_ttl,
                      update ? &*update : nullptr);
  if (update) {
    if (recorded.indexed.ok()) {
      CountProjected(*update);
    } else {
      common::LogWarn("case index not written at registration",
                      {{"error", recorded.indexed.ToString()}});
    }
  }
  auto& stored = recorded.remembered;
  if (!stored.ok()) {
    // Published but not remembered: a retry publishes the same event ids again (deduplicated).
    common::LogWarn("answer not remembered", {{"error", stored.status().ToString()}});
    return ContactAnswer{response, false};
  }
  ASSIGN_OR_RETURN(auto winner, DecodeAnswer(*stored));
  return ContactAnswer{winner.second, winner.second.contact_id() != contact_id};
}

v1::CallCenterCase CallCenterService::ToProto(const CaseRecord& r) const {
  v1::CallCenterCase out;
  out.set_case_id(r.case_id);
  out.set_tracking_code(r.tracking_code);
  out.set_category(r.category);
  if (const auto* def = catalogue_.Find(r.category)) out.set_category_name(def->name_tr);
  out.set_status(r.status);
  out.set_open(IsOpenStatus(r.status));
  if (!r.owner_id.empty()) {
    out.mutable_owner()->set_unit_id(r.owner_id);
    out.mutable_owner()->set_name(r.owner_name);
    out.mutable_owner()->set_kind(r.owner_kind);
  }
  out.set_channel(r.channel);
  out.set_request_type(r.request_type);
  out.set_district(r.district);
  out.set_neighbourhood(r.neighbourhood);
  if (r.received_us) *out.mutable_received_at() = TsFromMicros(r.received_us);
  if (r.updated_us) *out.mutable_updated_at() = TsFromMicros(r.updated_us);
  if (r.deadline_us) *out.mutable_deadline() = TsFromMicros(r.deadline_us);
  if (r.closed_us) *out.mutable_closed_at() = TsFromMicros(r.closed_us);
  out.set_has_coordinates(r.has_coordinates);
  if (r.has_coordinates) {
    out.set_lat(r.lat);
    out.set_lon(r.lon);
  }
  return out;
}

namespace {
absl::StatusOr<int> Limit(int32_t limit) {
  if (limit == 0) return kDefaultLimit;
  if (limit < 0 || limit > kMaxLimit) {
    return Bad("limit 1 ile 100 arasında olmalı", "limit must be between 1 and 100");
  }
  return limit;
}
}  // namespace

absl::StatusOr<v1::LookupCallerResponse> CallCenterService::LookupCaller(
    const v1::LookupCallerRequest& r) {
  auto run = [&]() -> absl::StatusOr<v1::LookupCallerResponse> {
    ASSIGN_OR_RETURN(std::string actor, Caller(r.operator_id(), r.desk_id()));
    RETURN_IF_ERROR(Admit(actor));
    std::string phone = Trim(r.caller_phone());
    if (phone.empty()) return Bad("arayan numarası gerekli", "caller_phone is required");
    auto e164 = common::NormalizeTurkishPhone(phone);
    if (!e164.ok()) {
      return Bad("arayan numarası geçerli bir Türkiye telefon numarası değil",
                 absl::StrCat("caller_phone: ", e164.status().message()));
    }
    ASSIGN_OR_RETURN(int limit, Limit(r.limit()));
    const std::string citizen_key = common::CitizenKey(options_.citizen_key_secret, *e164);
    ASSIGN_OR_RETURN(auto records, index_.ByCitizen(citizen_key, limit));
    v1::LookupCallerResponse out;
    for (const auto& rec : records) {
      *out.add_cases() = ToProto(rec);
      if (IsOpenStatus(rec.status)) out.set_open_cases(out.open_cases() + 1);
    }
    lookups_.With({"caller"}).Inc();
    return out;
  };
  auto out = run();
  if (!out.ok()) return CountError("LookupCaller", out.status());
  return out;
}

absl::StatusOr<v1::FindNearbyOpenCasesResponse> CallCenterService::FindNearbyOpenCases(
    const v1::FindNearbyOpenCasesRequest& r) {
  auto run = [&]() -> absl::StatusOr<v1::FindNearbyOpenCasesResponse> {
    ASSIGN_OR_RETURN(std::string actor, Caller(r.operator_id(), r.desk_id()));
    RETURN_IF_ERROR(Admit(actor));
    if (!std::isfinite(r.lat()) || !std::isfinite(r.lon()) || r.lat() < -85.05112878 ||
        r.lat() > 85.05112878 || r.lon() < -180 || r.lon() > 180 ||
        (r.lat() == 0 && r.lon() == 0)) {
      return Bad("enlem ve boylam (WGS84) gerekli", "lat and lon (WGS84) are required");
    }
    int radius = r.radius_m() == 0 ? kDefaultRadiusM : r.radius_m();
    if (radius < 1 || radius > kMaxRadiusM) {
      return Bad("yarıçap 1 ile 5000 metre arasında olmalı",
                 "radius_m must be between 1 and 5000 (default 250)");
    }
    std::string category = Trim(r.category());
    if (!category.empty() && catalogue_.Find(category) == nullptr) {
      return UnknownCategory(category);
    }
    ASSIGN_OR_RETURN(int limit, Limit(r.limit()));
    ASSIGN_OR_RETURN(auto found, index_.Nearby(r.lat(), r.lon(), radius, category, limit));
    v1::FindNearbyOpenCasesResponse out;
    out.set_radius_m(radius);
    for (const auto& n : found) {
      auto* row = out.add_cases();
      *row->mutable_case_() = ToProto(n.record);
      row->set_distance_m(n.distance_m);
    }
    lookups_.With({"nearby"}).Inc();
    return out;
  };
  auto out = run();
  if (!out.ok()) return CountError("FindNearbyOpenCases", out.status());
  return out;
}

std::optional<CaseUpdate> CallCenterService::UpdateFor(const v1::Envelope& env) {
  const v1::Case* c = nullptr;
  std::string case_id;
  v1::CaseStatus status = v1::CASE_STATUS_UNSPECIFIED;
  switch (env.payload_case()) {
    case v1::Envelope::kContactReceived:
      if (env.contact_received().outcome() != v1::CONTACT_OUTCOME_CASE_REQUESTED) {
        return std::nullopt;
      }
      c = &env.contact_received().requested_case();
      status = v1::CASE_STATUS_RECEIVED;
      break;
    case v1::Envelope::kCaseRegistered:
      c = &env.case_registered().case_();
      status = v1::CASE_STATUS_REGISTERED;
      break;
    case v1::Envelope::kCaseRejected:
      c = &env.case_rejected().case_();
      case_id = env.case_rejected().case_id();
      status = v1::CASE_STATUS_REJECTED;
      break;
    case v1::Envelope::kCaseRouted:
      c = &env.case_routed().case_();
      status = env.case_routed().forwarded() ? v1::CASE_STATUS_FORWARDED : v1::CASE_STATUS_ROUTED;
      break;
    case v1::Envelope::kTaskStatusChanged: {
      const auto& t = env.task_status_changed();
      // Resolution and rerouting arrive as case events; a claim shows the work has started.
      if (t.status() != v1::TASK_STATUS_CLAIMED && t.status() != v1::TASK_STATUS_IN_PROGRESS) {
        return std::nullopt;
      }
      c = &t.case_();
      case_id = t.case_id();
      status = v1::CASE_STATUS_IN_PROGRESS;
      break;
    }
    case v1::Envelope::kCaseResolved:
      c = &env.case_resolved().case_();
      status = v1::CASE_STATUS_RESOLVED;
      break;
    case v1::Envelope::kCaseClosed:
      c = &env.case_closed().case_();
      case_id = env.case_closed().case_id();
      status = v1::CASE_STATUS_CLOSED;
      break;
    default:
      return std::nullopt;
  }
  if (!c->case_id().empty()) case_id = c->case_id();
  if (case_id.empty()) return std::nullopt;  // nothing to index

  CaseUpdate u;
  u.at_us = absl::ToUnixMicros(common::FromProto(env.occurred_at()));
  CaseRecord& rec = u.record;
  rec.case_id = case_id;
  rec.tracking_code = c->tracking_code();
  rec.citizen_key = c->citizen_key();
  rec.category = c->category();
  rec.channel = c->channel();
  rec.request_type = c->request_type();
  if (c->location().has_coordinates()) {
    rec.has_coordinates = true;
    rec.lat = c->location().lat();
    rec.lon = c->location().lon();
  }
  if (c->has_received_at()) {
    rec.received_us = absl::ToUnixMicros(common::FromProto(c->received_at()));
  }
  rec.status = status;
  rec.district = c->location().district();
  rec.neighbourhood = c->location().neighbourhood();
  rec.owner_id = c->owner().unit_id();
  rec.owner_name = c->owner().name();
  rec.owner_kind = c->owner().kind();
  if (c->has_deadline()) rec.deadline_us = absl::ToUnixMicros(common::FromProto(c->deadline()));
  return u;
}

absl::Status CallCenterService::Handle(const events::ConsumedEvent& event) {
  std::optional<CaseUpdate> update = UpdateFor(event.envelope);
  if (!update) return absl::OkStatus();
  CaseUpdate& u = *update;
  // In the projection's consumer, many events' updates go in one script call (ADR 0026); the
  // consumer stores the offset once the batch is written. Elsewhere (tests): now.
  if (batcher_ != nullptr) {
    if (auto done = kafka::DeferredAcks::Defer()) {
      batcher_->Add(std::move(u), std::move(done));
      return absl::OkStatus();
    }
  }
  RETURN_IF_ERROR(index_.Apply(u));
  CountProjected(u);
  return absl::OkStatus();
}

void CallCenterService::CountProjected(const CaseUpdate& update) {
  projected_.With({catalogue::CaseStatusName(update.record.status)}).Inc();
}

}  // namespace teksin::channel_callcenter

namespace teksin::channel_callcenter {

absl::StatusOr<v1::RecordFeedbackResponse> CallCenterService::RecordFeedback(
    const v1::RecordFeedbackRequest& r) {
  auto run = [&]() -> absl::StatusOr<v1::RecordFeedbackResponse> {
    ASSIGN_OR_RETURN(std::string actor, Caller(r.operator_id(), r.desk_id()));
    RETURN_IF_ERROR(Admit(actor));
    std::string code;
    if (!common::NormalizeTrackingCode(Trim(r.tracking_code()), &code)) {
      return Bad("takip kodu geçersiz (ör. 7KQ2M-X9D4F)", "tracking_code is not a tracking code");
    }
    const v1::FeedbackKind kind = r.kind();
    if (kind != v1::FEEDBACK_KIND_CONFIRM && kind != v1::FEEDBACK_KIND_RATE &&
        kind != v1::FEEDBACK_KIND_REOPEN) {
      return Bad("geri bildirim türü CONFIRM, RATE veya REOPEN olmalı",
                 "kind must be CONFIRM, RATE or REOPEN");
    }
    if (r.rating() != 0 && (r.rating() < 1 || r.rating() > 5)) {
      return Bad("puan 1 ile 5 arasında olmalı", "rating must be from 1 to 5");
    }
    if (kind == v1::FEEDBACK_KIND_RATE && r.rating() == 0) {
      return Bad("RATE için puan (1-5) gerekli", "rating (1..5) is required for RATE");
    }
    if (kind == v1::FEEDBACK_KIND_REOPEN && r.rating() != 0) {
      return Bad("REOPEN ile puan verilmez", "rating goes with CONFIRM or RATE, not REOPEN");
    }
    const std::string comment = Trim(r.comment());
    if (comment.size() > 2000) return Bad("açıklama en fazla 2000 bayt olabilir", "comment is longer than 2000 bytes");
    if (kind == v1::FEEDBACK_KIND_REOPEN && comment.empty()) {
      return Bad("REOPEN için neyin hâlâ sorunlu olduğunu yazın",
                 "comment is required for REOPEN: what is still wrong");
    }
    std::string phone = Trim(r.caller_phone());
    if (phone.empty()) return Bad("arayan numarası gerekli", "caller_phone is required");
    auto e164 = common::NormalizeTurkishPhone(phone);
    if (!e164.ok()) {
      return Bad("arayan numarası geçerli bir Türkiye telefon numarası değil",
                 absl::StrCat("caller_phone: ", e164.status().message()));
    }
    const std::string ck = common::CitizenKey(options_.citizen_key_secret, *e164);
    // The caller's own cases only: another citizen's code is simply not found.
    ASSIGN_OR_RETURN(auto records, index_.ByCitizen(ck, kMaxLimit));
    const CaseRecord* rec = nullptr;
    for (const auto& x : records) {
      std::string own;
      if (common::NormalizeTrackingCode(x.tracking_code, &own) && own == code) rec = &x;
    }
    if (rec == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "bu numaranın ", r.tracking_code(), " kodlu bir başvurusu yok / the caller has no case ",
          r.tracking_code()));
    }
    if (rec->status != v1::CASE_STATUS_RESOLVED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "başvuru çözülmüş değil / feedback is taken only for a resolved case; this one is ",
          v1::CaseStatus_Name(rec->status)));
    }
    // One feedback per resolution (the resolution's time in the index names it).
    const std::string resolution = absl::StrCat(rec->case_id, "@", rec->updated_us);
    const std::string answer = absl::StrCat(static_cast<int>(kind), ":", r.rating());
    ASSIGN_OR_RETURN(std::string first, idempotency_.Remember("cc:feedback:" + resolution, answer,
                                                              absl::Hours(24 * 400)));
    if (first != answer) {
      return absl::FailedPreconditionError(
          "bu çözüm için geri bildirim zaten kaydedildi / feedback was already recorded for this "
          "resolution");
    }
    events::EnvelopeMeta meta;
    meta.event_id = common::DerivedId(resolution, "feedback/callcenter");
    meta.source = kServiceName;
    meta.correlation_id = rec->case_id;
    meta.partition_key = rec->case_id;
    meta.occurred_at = clock_.Now();
    v1::Envelope env = events::NewEnvelope(meta);
    auto* f = env.mutable_citizen_feedback();
    f->set_case_id(rec->case_id);
    f->set_tracking_code(rec->tracking_code);
    f->set_kind(kind);
    f->set_rating(r.rating());
    f->set_comment(comment);
    f->set_channel(r.desk_id().empty() ? v1::CHANNEL_CALL_CENTER : v1::CHANNEL_WALK_IN);
    f->set_citizen_key(ck);
    events::StampType(env);
    RETURN_IF_ERROR(publisher_.PublishOne({topics_.CitizenFeedback(), rec->case_id, std::move(env)}));
    common::LogInfo("citizen feedback recorded",
                    {{"case_id", rec->case_id}, {"kind", v1::FeedbackKind_Name(kind)},
                     {"rating", r.rating()}, {"actor", actor}, {"citizen_key", ck}});
    v1::RecordFeedbackResponse out;
    out.set_case_id(rec->case_id);
    out.set_tracking_code(rec->tracking_code);
    out.set_kind(kind);
    out.set_rating(r.rating());
    out.set_feedback_event_id(meta.event_id);
    return out;
  };
  auto out = run();
  if (!out.ok()) return CountError("RecordFeedback", out.status());
  return out;
}

}  // namespace teksin::channel_callcenter
