#include "analytics/analytics_service.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/time/civil_time.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "catalogue/catalogue.h"
#include "common/time_util.h"

namespace teksin::analytics {
namespace {

using catalogue::AgeGroupName;
using catalogue::CaseStatusName;
using catalogue::ChannelName;

// CaseClosed.reason when the citizen confirmed or rated the resolution (routing's contract).
constexpr char kConfirmedByCitizen[] = "confirmed by citizen";

std::string OrUnknown(const std::string& s) { return s.empty() ? "unknown" : s; }

void Dim(Effects& e, const std::string& dim, const std::string& key, const std::string& measure) {
  e.increments.push_back({"dim:" + dim, absl::StrCat(OrUnknown(key), "|", measure), 1});
}

void Total(Effects& e, const std::string& field, int64_t delta = 1) {
  e.increments.push_back({"totals", field, delta});
}

void SetStatus(Effects& e, const v1::Envelope& env, const std::string& case_id,
               v1::CaseStatus status) {
  e.status = StatusUpdate{case_id, CaseStatusName(status),
                          absl::ToUnixMicros(common::FromProto(env.occurred_at()))};
}

const absl::TimeZone& Turkey() {
  static const absl::TimeZone kTurkey = absl::FixedTimeZone(3 * 3600);
  return kTurkey;
}

// Appends a cube dimension's value with its '|' (the field separator) replaced by '/'.
void AppendCubeSafe(std::string& out, std::string_view s) {
  const size_t at = out.size();
  out.append(s);
  std::replace(out.begin() + static_cast<std::ptrdiff_t>(at), out.end(), '|', '/');
}

// The dimensions of a day-cube cell (ADR 0019); owner is empty for measures without one.
struct CubeKey {
  std::string district, neighbourhood, category, request_type, channel, age_group, owner;
};

CubeKey KeyOf(const v1::Case& c, bool with_owner) {
  CubeKey k;
  k.district = OrUnknown(c.location().district());
  k.neighbourhood = c.location().neighbourhood();
  k.category = OrUnknown(c.category());
  k.request_type = catalogue::RequestTypeName(c.request_type());
  k.channel = ChannelName(c.channel());
  k.age_group = AgeGroupName(c.age_group());
  if (with_owner) k.owner = c.owner().unit_id();
  return k;
}

void Cube(Effects& e, absl::Time at, const CubeKey& k, const std::string& measure,
          int64_t delta = 1) {
  std::string field;
  field.reserve(measure.size() + k.district.size() + k.neighbourhood.size() + k.category.size() +
                k.request_type.size() + k.channel.size() + k.age_group.size() + k.owner.size() + 8);
  field.append(measure);
  for (const std::string* d : {&k.district, &k.neighbourhood, &k.category, &k.request_type,
                               &k.channel, &k.age_group, &k.owner}) {
    field.push_back('|');
    AppendCubeSafe(field, *d);
  }
  e.increments.push_back({absl::StrCat(kCubePrefix, DayOf(at)), std::move(field), delta});
}

absl::Time OccurredAt(const v1::Envelope& env) { return common::FromProto(env.occurred_at()); }

size_t BucketOf(double seconds) {
  const auto& b = ResolutionBuckets();
  return std::lower_bound(b.begin(), b.end(), seconds) - b.begin();
}

void ObserveResolution(Effects& e, const std::string& owner, double seconds) {
  const auto& b = ResolutionBuckets();
  size_t idx = std::lower_bound(b.begin(), b.end(), seconds) - b.begin();
  for (const std::string& h : {absl::StrCat("res:", OrUnknown(owner)), std::string("res:_all")}) {
    e.increments.push_back({h, absl::StrCat("b", idx), 1});
    e.increments.push_back({h, "count", 1});
    e.increments.push_back({h, "sum_ms", static_cast<int64_t>(seconds * 1000)});
  }
}

double Quantile(const std::map<std::string, int64_t>& h, double q) {
  const auto& bounds = ResolutionBuckets();
  auto get = [&](const std::string& k) {
    auto it = h.find(k);
    return it == h.end() ? 0 : it->second;
  };
  int64_t total = get("count");
  if (total == 0) return 0;
  double target = q * static_cast<double>(total);
  int64_t acc = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    int64_t n = get(absl::StrCat("b", i));
    if (n > 0 && static_cast<double>(acc + n) >= target) {
      double lo = i == 0 ? 0 : bounds[i - 1];
      double hi = i < bounds.size() ? bounds[i] : bounds.back() * 2;
      double frac = (target - static_cast<double>(acc)) / static_cast<double>(n);
      return lo + (hi - lo) * std::clamp(frac, 0.0, 1.0);  // linear within the bucket
    }
    acc += n;
  }
  return bounds.back();
}

void FillDimension(const std::map<std::string, int64_t>& fields,
                   google::protobuf::RepeatedPtrField<v1::DimensionCount>* out) {
  std::map<std::string, v1::DimensionCount> rows;
  for (const auto& [field, value] : fields) {
    std::vector<std::string> parts = absl::StrSplit(field, absl::MaxSplits('|', 1));
    if (parts.size() != 2) continue;
    v1::DimensionCount& row = rows[parts[0]];
    row.set_key(parts[0]);
    if (parts[1] == "contacts") row.set_contacts(value);
    else if (parts[1] == "cases") row.set_cases(value);
    else if (parts[1] == "routed") row.set_routed(value);
    else if (parts[1] == "resolved") row.set_resolved(value);
    else if (parts[1] == "rejected") row.set_rejected(value);
  }
  for (auto& [k, row] : rows) *out->Add() = row;
}

}  // namespace

v1::ResolutionTime ResolutionOf(const std::string& key, const std::map<std::string, int64_t>& h) {
  v1::ResolutionTime r;
  r.set_key(key);
  auto it = h.find("count");
  int64_t count = it == h.end() ? 0 : it->second;
  r.set_count(count);
  if (count > 0) {
    auto s = h.find("sum_ms");
    r.set_mean_seconds(static_cast<double>(s == h.end() ? 0 : s->second) / 1000.0 /
                       static_cast<double>(count));
    r.set_p50_seconds(Quantile(h, 0.5));
    r.set_p90_seconds(Quantile(h, 0.9));
    r.set_p99_seconds(Quantile(h, 0.99));
  }
  return r;
}

std::string DayOf(absl::Time t) {
  // Türkiye is UTC+3 all year, so the day is a whole number of days since the epoch; each thread
  // remembers the last one it formatted (events come mostly in time order).
  const int64_t local = absl::ToUnixSeconds(t) + 3 * 3600;
  if (t < absl::UnixEpoch() || local >= 253402300800) {  // before 1970 or after 9999: rare, slow
    return absl::FormatTime("%Y-%m-%d", t, Turkey());
  }
  const int64_t day = local / 86400;
  thread_local int64_t cached_day = -1;
  thread_local std::string cached;
  if (day != cached_day) {
    cached = absl::FormatCivilTime(absl::CivilDay(1970, 1, 1) + day);
    cached_day = day;
  }
  return cached;
}

const std::vector<double>& ResolutionBuckets() {
  static const std::vector<double> kBounds = {
      1, 5, 15, 60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600, 86400,
      2 * 86400, 3 * 86400, 5 * 86400, 7 * 86400, 10 * 86400, 15 * 86400, 20 * 86400,
      30 * 86400, 45 * 86400, 60 * 86400, 90 * 86400};
  return kBounds;
}

absl::StatusOr<Effects> AnalyticsService::EffectsOf(const v1::Envelope& env,
                                                    const geo::DistrictLocator* districts) {
  Effects e;
  e.increments.reserve(24);
  Total(e, "events");
  switch (env.payload_case()) {
    case v1::Envelope::kContactReceived: {
      const auto& c = env.contact_received();
      Total(e, "contacts");
      Dim(e, "channel", ChannelName(c.channel()), "contacts");
      if (c.outcome() == v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT) Total(e, "answered_on_spot");
      CubeKey k;
      if (c.has_requested_case()) k = KeyOf(c.requested_case(), false);
      else k = CubeKey{"unknown", "", "unknown", "unspecified", "", "unspecified", ""};
      const auto& loc = c.requested_case().location();
      if (districts != nullptr && loc.district().empty() && loc.has_coordinates()) {
        if (auto d = districts->Locate(loc.lat(), loc.lon())) k.district = *d;
      }
      k.channel = ChannelName(c.channel());
      Cube(e, OccurredAt(env), k, "contacts");
      if (c.outcome() == v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT) {
        Cube(e, OccurredAt(env), k, "answered_on_spot");
      }
      break;
    }
    case v1::Envelope::kCaseRegistered: {
      const auto& c = env.case_registered().case_();
      Total(e, "cases_registered");
      Dim(e, "district", c.location().district(), "cases");
      Dim(e, "category", c.category(), "cases");
      Dim(e, "channel", ChannelName(c.channel()), "cases");
      Dim(e, "age_group", AgeGroupName(c.age_group()), "cases");
      Dim(e, "request_type", catalogue::RequestTypeName(c.request_type()), "cases");
      CubeKey k = KeyOf(c, false);
      Cube(e, OccurredAt(env), k, "cases");
      if (env.case_registered().classification().triaged()) Cube(e, OccurredAt(env), k, "triaged");
      SetStatus(e, env, c.case_id(), v1::CASE_STATUS_REGISTERED);
      break;
    }
    case v1::Envelope::kCaseRejected: {
      const auto& r = env.case_rejected();
      Total(e, "cases_rejected");
      Dim(e, "channel", ChannelName(r.channel()), "rejected");
      Dim(e, "category", r.case_().category(), "rejected");
      Dim(e, "rejection", v1::RejectionCode_Name(r.code()), "rejected");
      CubeKey k = KeyOf(r.case_(), false);
      k.channel = ChannelName(r.channel());
      Cube(e, OccurredAt(env), k, "rejected");
      SetStatus(e, env, r.case_id(), v1::CASE_STATUS_REJECTED);
      break;
    }
    case v1::Envelope::kCaseRouted: {
      const auto& r = env.case_routed();
      const auto& c = r.case_();
      // Every routing counts for the owner that received the task; the case counts once.
      Dim(e, "owner", c.owner().unit_id(), "routed");
      CubeKey k = KeyOf(c, true);
      Cube(e, OccurredAt(env), k, r.attempt() <= 1 ? "routed" : "reroutes");
      if (r.forwarded()) Cube(e, OccurredAt(env), k, "forwarded");
      if (r.attempt() <= 1) {
        Total(e, "cases_routed");
        Dim(e, "district", c.location().district(), "routed");
        Dim(e, "category", c.category(), "routed");
        Dim(e, "channel", ChannelName(c.channel()), "routed");
        Dim(e, "age_group", AgeGroupName(c.age_group()), "routed");
      } else {
        Total(e, "reroutes");
      }
      if (r.forwarded()) Total(e, "forwarded");
      SetStatus(e, env, c.case_id(), r.forwarded() ? v1::CASE_STATUS_FORWARDED : v1::CASE_STATUS_ROUTED);
      break;
    }
    case v1::Envelope::kTaskStatusChanged: {
      const auto& t = env.task_status_changed();
      // "TASK_STATUS_CLAIMED" -> "task_claimed"
      Total(e, absl::StrCat("task_", absl::AsciiStrToLower(v1::TaskStatus_Name(t.status()).substr(12))));
      if (t.status() == v1::TASK_STATUS_CLAIMED || t.status() == v1::TASK_STATUS_IN_PROGRESS) {
        SetStatus(e, env, t.case_id(), v1::CASE_STATUS_IN_PROGRESS);
      }
      break;
    }
    case v1::Envelope::kCaseResolved: {
      const auto& r = env.case_resolved();
      const auto& c = r.case_();
      Total(e, "cases_resolved");
      Dim(e, "owner", c.owner().unit_id(), "resolved");
      Dim(e, "district", c.location().district(), "resolved");
      Dim(e, "category", c.category(), "resolved");
      Dim(e, "channel", ChannelName(c.channel()), "resolved");
      Dim(e, "age_group", AgeGroupName(c.age_group()), "resolved");
      if (c.has_received_at()) {
        double secs = absl::ToDoubleSeconds(common::FromProto(r.resolved_at()) -
                                            common::FromProto(c.received_at()));
        ObserveResolution(e, c.owner().unit_id(), std::max(0.0, secs));
      }
      absl::Time at = r.has_resolved_at() ? common::FromProto(r.resolved_at()) : OccurredAt(env);
      CubeKey k = KeyOf(c, true);
      Cube(e, at, k, "resolved");
      if (c.has_received_at()) {
        absl::Time received = common::FromProto(c.received_at());
        double secs = std::max(0.0, absl::ToDoubleSeconds(at - received));
        Cube(e, at, k, absl::StrCat("rb", BucketOf(secs)));
        Cube(e, at, k, "rn");
        Cube(e, at, k, "rms", static_cast<int64_t>(secs * 1000));
        if (DayOf(at) == DayOf(received)) Cube(e, at, k, "resolved_same_day");
      }
      if (c.has_deadline() && absl::ToUnixSeconds(common::FromProto(c.deadline())) > 0) {
        bool in_time = at <= common::FromProto(c.deadline());
        Cube(e, at, k, in_time ? "resolved_in_time" : "resolved_late");
      }
      SetStatus(e, env, c.case_id(), v1::CASE_STATUS_RESOLVED);
      break;
    }
    case v1::Envelope::kCaseClosed: {
      const auto& cl = env.case_closed();
      Total(e, "cases_closed");
      CubeKey k = KeyOf(cl.case_(), true);
      Cube(e, OccurredAt(env), k, "closed");
      if (cl.reason() == kConfirmedByCitizen) Cube(e, OccurredAt(env), k, "confirmed");
      SetStatus(e, env, cl.case_id(), v1::CASE_STATUS_CLOSED);
      break;
    }
    case v1::Envelope::kCaseLinked: {
      const auto& l = env.case_linked();
      bool repeat = l.kind() == v1::LINK_KIND_REPEAT;
      if (!repeat && l.kind() != v1::LINK_KIND_DUPLICATE) break;  // unknown kinds count only as events
      Total(e, repeat ? "repeats" : "duplicates");
      Cube(e, OccurredAt(env), KeyOf(l.case_(), false), repeat ? "repeats" : "duplicates");
      break;
    }
    case v1::Envelope::kCaseReopened: {
      const auto& r = env.case_reopened();
      Total(e, "cases_reopened");
      Cube(e, OccurredAt(env), KeyOf(r.case_(), true), "reopened");
      SetStatus(e, env, r.case_().case_id(), v1::CASE_STATUS_REOPENED);
      break;
    }
    case v1::Envelope::kEmergencyHandoff: {
      Total(e, "emergencies");
      Cube(e, OccurredAt(env), KeyOf(env.emergency_handoff().case_(), false), "emergencies");
      break;
    }
    case v1::Envelope::kDeadlineAlert: {
      const auto& a = env.deadline_alert();
      CubeKey k = KeyOf(a.case_(), false);
      k.owner = a.unit_id();
      absl::Time at = a.has_at() ? common::FromProto(a.at()) : OccurredAt(env);
      switch (a.kind()) {
        case v1::DEADLINE_ALERT_KIND_WARNING: Cube(e, at, k, "deadline_warnings"); break;
        case v1::DEADLINE_ALERT_KIND_BREACHED:
          Total(e, "deadline_breaches");
          Cube(e, at, k, "deadline_breaches");
          break;
        case v1::DEADLINE_ALERT_KIND_ESCALATED: Cube(e, at, k, "escalations"); break;
        default: break;
      }
      break;
    }
    case v1::Envelope::kCitizenFeedback: {
      const auto& f = env.citizen_feedback();
      // Feedback carries no case snapshot: it counts by channel only.
      CubeKey k{"unknown", "", "unknown", "unspecified", ChannelName(f.channel()), "unspecified", ""};
      if (f.kind() == v1::FEEDBACK_KIND_RATE && f.rating() >= 1 && f.rating() <= 5) {
        Total(e, "ratings");
        Total(e, "rating_sum", f.rating());
        Cube(e, OccurredAt(env), k, "ratings");
        Cube(e, OccurredAt(env), k, "rating_sum", f.rating());
        Cube(e, OccurredAt(env), k, absl::StrCat("rating", f.rating()));
      }
      break;
    }
    case v1::Envelope::kTaskAssigned:
    case v1::Envelope::kTaskNoteAdded:
    case v1::Envelope::kNotificationSent:
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("envelope ", env.event_id(), " carries no known payload"));
  }
  return e;
}

void AnalyticsService::StartBatching(BatchOptions options) {
  StopBatching();
  batcher_ = std::make_unique<EffectsBatcher>(store_, options, [this](int64_t counted, int64_t dups) {
    counted_ += counted;
    duplicates_ += dups;
  });
}

void AnalyticsService::StopBatching() {
  if (batcher_) batcher_->Stop();
  batcher_.reset();
}

absl::Status AnalyticsService::Handle(const events::ConsumedEvent& event) {
  auto effects = EffectsOf(event.envelope, districts_);
  if (!effects.ok()) return effects.status();
  if (batcher_) {
    if (std::shared_ptr<kafka::AckBatch> done = kafka::DeferredAcks::Defer()) {
      batcher_->Add(event.envelope.event_id(), std::move(*effects), std::move(done));
      return absl::OkStatus();
    }
  }
  auto applied = store_.Apply(event.envelope.event_id(), *effects);
  if (!applied.ok()) return applied.status();
  if (*applied) ++counted_;
  else ++duplicates_;
  return absl::OkStatus();
}

absl::StatusOr<v1::Summary> AnalyticsService::Summary() {
  auto figures = store_.Read();
  if (!figures.ok()) return figures.status();
  auto& f = *figures;
  auto total = [&](const std::string& k) -> int64_t {
    auto it = f["totals"].find(k);
    return it == f["totals"].end() ? 0 : it->second;
  };
  v1::Summary s;
  s.set_contacts(total("contacts"));
  s.set_cases_registered(total("cases_registered"));
  s.set_cases_rejected(total("cases_rejected"));
  s.set_cases_routed(total("cases_routed"));
  s.set_reroutes(total("reroutes"));
  s.set_forwarded(total("forwarded"));
  s.set_cases_resolved(total("cases_resolved"));
  s.set_events_counted(total("events"));
  s.set_answered_on_spot(total("answered_on_spot"));
  s.set_cases_closed(total("cases_closed"));
  s.set_cases_reopened(total("cases_reopened"));
  s.set_repeats(total("repeats"));
  s.set_duplicates(total("duplicates"));
  s.set_emergencies(total("emergencies"));
  s.set_deadline_breaches(total("deadline_breaches"));
  s.set_ratings(total("ratings"));
  s.set_rating_sum(total("rating_sum"));
  FillDimension(f["dim:request_type"], s.mutable_by_request_type());
  FillDimension(f["dim:owner"], s.mutable_by_owner());
  FillDimension(f["dim:district"], s.mutable_by_district());
  FillDimension(f["dim:category"], s.mutable_by_category());
  FillDimension(f["dim:channel"], s.mutable_by_channel());
  FillDimension(f["dim:age_group"], s.mutable_by_age_group());
  for (const auto& [status, n] : f["status"]) {
    if (n != 0) (*s.mutable_by_status())[status] = n;
  }
  for (const auto& [hash, fields] : f) {
    if (hash.rfind("res:", 0) != 0) continue;
    std::string key = hash.substr(4);
    if (key == "_all") *s.mutable_resolution_overall() = ResolutionOf("all", fields);
    else *s.add_resolution_by_owner() = ResolutionOf(key, fields);
  }
  return s;
}

}  // namespace teksin::analytics
