#include "analytics/figures.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "analytics/analytics_service.h"
#include "catalogue/catalogue.h"
#include "dataset/csv.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace teksin::analytics {
namespace {

// Field positions of a cube cell "<measure>|<district>|<neighbourhood>|<category>|<request type>|
// <channel>|<age group>|<owner>".
enum Part { kMeasure, kDistrict, kNeighbourhood, kCategory, kRequestType, kChannel, kAgeGroup, kOwner, kParts };

absl::StatusOr<absl::CivilDay> ParseDay(const std::string& name, const std::string& s) {
  absl::CivilDay d;
  if (s.size() != 10 || !absl::ParseCivilTime(s, &d)) {
    return absl::InvalidArgumentError(absl::StrCat(name, "='", s, "' is not a date (YYYY-MM-DD)"));
  }
  return d;
}

std::string PeriodOf(absl::CivilDay d, const std::string& granularity) {
  if (granularity == "week") {
    int back = (static_cast<int>(absl::GetWeekday(d)) - static_cast<int>(absl::Weekday::monday) + 7) % 7;
    return absl::FormatCivilTime(d - back);
  }
  if (granularity == "month") return absl::FormatCivilTime(absl::CivilMonth(d));
  return absl::FormatCivilTime(d);
}

// Adds `v` to the Measures field named `measure`; false when there is no such field.
bool AddMeasure(v1::Measures& m, const std::string& measure, int64_t v) {
  const auto* f = v1::Measures::descriptor()->FindFieldByName(measure);
  if (f == nullptr || f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_INT64) return false;
  const auto* r = m.GetReflection();
  r->SetInt64(&m, f, r->GetInt64(m, f) + v);
  return true;
}

void AddAll(v1::Measures& into, const v1::Measures& from) {
  const auto* d = v1::Measures::descriptor();
  const auto* r = into.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    r->SetInt64(&into, f, r->GetInt64(into, f) + r->GetInt64(from, f));
  }
}

double Ratio(int64_t num, int64_t den) {
  return den > 0 ? static_cast<double>(num) / static_cast<double>(den) : 0.0;
}

int64_t Reports(const v1::Measures& m) { return m.cases() + m.repeats() + m.duplicates(); }

std::set<std::string> Names(const char* (*name)(int), int max) {
  std::set<std::string> out;
  for (int i = 0; i <= max; ++i) out.insert(name(i));
  return out;
}

const std::set<std::string>& ChannelNames() {
  static const auto* k = new std::set<std::string>(Names(
      [](int i) { return catalogue::ChannelName(static_cast<v1::Channel>(i)); }, v1::Channel_MAX));
  return *k;
}
const std::set<std::string>& AgeGroupNames() {
  static const auto* k = new std::set<std::string>(Names(
      [](int i) { return catalogue::AgeGroupName(static_cast<v1::AgeGroup>(i)); }, v1::AgeGroup_MAX));
  return *k;
}
const std::set<std::string>& RequestTypeNames() {
  static const auto* k = new std::set<std::string>(Names(
      [](int i) { return catalogue::RequestTypeName(static_cast<v1::RequestType>(i)); },
      v1::RequestType_MAX));
  return *k;
}

bool IsResolutionMeasure(const std::string& m) {
  if (m == "rn" || m == "rms") return true;
  if (m.size() < 3 || m[0] != 'r' || m[1] != 'b') return false;
  return std::all_of(m.begin() + 2, m.end(), [](char c) { return c >= '0' && c <= '9'; });
}

using Histogram = std::map<std::string, int64_t>;  // "b<i>", "count", "sum_ms"

void AddResolution(Histogram& h, const std::string& measure, int64_t v) {
  if (measure == "rn") h["count"] += v;
  else if (measure == "rms") h["sum_ms"] += v;
  else h["b" + measure.substr(2)] += v;
}

void FillSlices(const std::map<std::string, v1::Measures>& rows,
                const std::map<std::string, int64_t>* population,
                google::protobuf::RepeatedPtrField<v1::Slice>* out) {
  for (const auto& [key, m] : rows) {
    v1::Slice* s = out->Add();
    s->set_key(key);
    *s->mutable_m() = m;
    if (population != nullptr) {
      auto it = population->find(key);
      if (it != population->end() && it->second > 0) {
        s->set_population(it->second);
        s->set_cases_per_10k(static_cast<double>(m.cases()) * 10000.0 /
                             static_cast<double>(it->second));
      }
    }
  }
}

}  // namespace

absl::StatusOr<Population> LoadPopulation(const std::string& district_csv,
                                          const std::string& neighbourhood_csv) {
  Population p;
  auto d = dataset::ReadCsvFile(district_csv);
  if (!d.ok()) return d.status();
  int name = d->Column("ilce"), pop = d->Column("population_2023");
  if (name < 0 || pop < 0) {
    return absl::InvalidArgumentError(absl::StrCat(district_csv, ": no ilce/population_2023 columns"));
  }
  for (const auto& r : d->rows) {
    int64_t n = 0;
    if (static_cast<int>(r.size()) > pop && absl::SimpleAtoi(r[pop], &n)) p.district[r[name]] = n;
  }
  auto nb = dataset::ReadCsvFile(neighbourhood_csv);
  if (!nb.ok()) return nb.status();
  int ilce = nb->Column("ilce"), mahalle = nb->Column("mahalle"), npop = nb->Column("population_2023");
  if (ilce < 0 || mahalle < 0 || npop < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(neighbourhood_csv, ": no ilce/mahalle/population_2023 columns"));
  }
  for (const auto& r : nb->rows) {
    int64_t n = 0;
    if (static_cast<int>(r.size()) > npop && absl::SimpleAtoi(r[npop], &n)) {
      p.neighbourhood[absl::StrCat(r[ilce], "/", absl::StripSuffix(r[mahalle], " Mah."))] = n;
    }
  }
  return p;
}

absl::StatusOr<v1::FiguresRequest> FiguresRequestFromParams(
    const std::multimap<std::string, std::string>& params) {
  v1::FiguresRequest req;
  const auto* d = v1::FiguresRequest::descriptor();
  const auto* r = req.GetReflection();
  for (const auto& [k, v] : params) {
    if (k == "lang" || k == "table") continue;  // used by the CSV and bulletin endpoints
    const auto* f = d->FindFieldByName(k);
    if (f == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown parameter '", k,
          "' (from, to, district, neighbourhood, category, request_type, channel, age_group, owner, "
          "granularity)"));
    }
    if (v.size() > 200) return absl::InvalidArgumentError(absl::StrCat(k, " is too long"));
    r->SetString(&req, f, v);
  }
  return req;
}

absl::StatusOr<v1::Figures> FiguresQuery::Run(const v1::FiguresRequest& req) {
  std::string granularity = req.granularity().empty() ? "day" : req.granularity();
  if (granularity != "day" && granularity != "week" && granularity != "month") {
    return absl::InvalidArgumentError(
        absl::StrCat("granularity='", granularity, "' must be day, week or month"));
  }
  if (!req.channel().empty() && !ChannelNames().contains(req.channel())) {
    return absl::InvalidArgumentError(absl::StrCat("channel='", req.channel(), "' is not a channel"));
  }
  if (!req.age_group().empty() && !AgeGroupNames().contains(req.age_group())) {
    return absl::InvalidArgumentError(absl::StrCat("age_group='", req.age_group(), "' is not an age group"));
  }
  if (!req.request_type().empty() && !RequestTypeNames().contains(req.request_type())) {
    return absl::InvalidArgumentError(
        absl::StrCat("request_type='", req.request_type(), "' is not a request type"));
  }
  auto days = store_.Days();
  if (!days.ok()) return days.status();
  absl::CivilDay to;
  if (!req.to().empty()) {
    auto t = ParseDay("to", req.to());
    if (!t.ok()) return t.status();
    to = *t;
  } else if (!days->empty()) {
    (void)absl::ParseCivilTime(days->back(), &to);
  } else {
    to = absl::ToCivilDay(absl::Now(), absl::FixedTimeZone(3 * 3600));  // nothing counted yet
  }
  absl::CivilDay from = to - 29;
  if (!req.from().empty()) {
    auto f = ParseDay("from", req.from());
    if (!f.ok()) return f.status();
    from = *f;
  }
  if (from > to) {
    return absl::InvalidArgumentError(absl::StrCat("from=", absl::FormatCivilTime(from),
                                                   " is after to=", absl::FormatCivilTime(to)));
  }
  if (to - from + 1 > kMaxRangeDays) {
    return absl::InvalidArgumentError(absl::StrCat("the range is longer than ", kMaxRangeDays, " days"));
  }
  const int rising_span = rising_.recent_days + rising_.baseline_days;
  absl::CivilDay first = std::min(from, to - (rising_span - 1));
  std::vector<std::string> wanted;
  for (absl::CivilDay d = first; d <= to; ++d) wanted.push_back(absl::FormatCivilTime(d));
  auto cubes = store_.ReadDays(wanted);
  if (!cubes.ok()) return cubes.status();

  const std::string filters[kParts] = {"", req.district(), req.neighbourhood(), req.category(),
                                       req.request_type(), req.channel(), req.age_group(), req.owner()};
  v1::Figures out;
  out.set_from(absl::FormatCivilTime(from));
  out.set_to(absl::FormatCivilTime(to));
  out.set_granularity(granularity);
  out.set_recent_days(rising_.recent_days);
  out.set_baseline_days(rising_.baseline_days);

  v1::Measures totals;
  std::map<std::string, v1::Measures> series, by[kParts];
  std::map<std::string, Histogram> res_owner, res_category;
  Histogram res_all;
  std::map<int32_t, int64_t> ratings;
  // Rising topics: reports per (dimension, key) in the recent window and in the baseline.
  const Part rising_parts[] = {kCategory, kDistrict, kNeighbourhood};
  std::map<std::string, int64_t> recent[kParts], baseline[kParts];
  const absl::CivilDay recent_from = to - (rising_.recent_days - 1);

  for (absl::CivilDay d = from; d <= to; ++d) (void)series[PeriodOf(d, granularity)];
  for (const auto& [day, cube] : *cubes) {
    absl::CivilDay cd;
    if (!absl::ParseCivilTime(day, &cd)) continue;
    const bool in_range = cd >= from && cd <= to;
    const std::string period = PeriodOf(cd, granularity);
    for (const auto& [field, value] : cube) {
      std::vector<std::string> p = absl::StrSplit(field, '|');
      if (p.size() != kParts) continue;
      bool match = true;
      for (int i = 1; i < kParts && match; ++i) {
        if (!filters[i].empty() && filters[i] != p[i]) match = false;
      }
      if (!match) continue;
      const std::string& measure = p[kMeasure];
      if (measure == "cases" || measure == "repeats" || measure == "duplicates") {
        for (Part part : rising_parts) {
          std::string key = part == kNeighbourhood
                                ? (p[kNeighbourhood].empty() ? "" : p[kDistrict] + "/" + p[kNeighbourhood])
                                : p[part];
          if (key.empty()) continue;
          (cd >= recent_from ? recent[part] : baseline[part])[key] += value;
        }
      }
      if (!in_range) continue;
      if (IsResolutionMeasure(measure)) {
        AddResolution(res_all, measure, value);
        if (!p[kOwner].empty()) AddResolution(res_owner[p[kOwner]], measure, value);
        AddResolution(res_category[p[kCategory]], measure, value);
        continue;
      }
      if (measure.size() == 7 && measure.rfind("rating", 0) == 0 && measure[6] >= '1' && measure[6] <= '5') {
        ratings[measure[6] - '0'] += value;
        continue;
      }
      v1::Measures one;
      if (!AddMeasure(one, measure, value)) continue;
      AddAll(totals, one);
      AddAll(series[period], one);
      for (int i = kDistrict; i < kParts; ++i) {
        std::string key = p[i];
        if (i == kNeighbourhood) key = p[kNeighbourhood].empty() ? "" : p[kDistrict] + "/" + p[kNeighbourhood];
        if (key.empty()) continue;
        AddAll(by[i][key], one);
      }
    }
  }

  *out.mutable_totals() = totals;
  v1::Rates* rates = out.mutable_rates();
  rates->set_contact_to_case(Ratio(totals.cases(), totals.contacts()));
  rates->set_same_day_answer_rate(Ratio(totals.answered_on_spot() + totals.resolved_same_day(),
                                        totals.answered_on_spot() + totals.cases()));
  rates->set_deadline_compliance(
      Ratio(totals.resolved_in_time(), totals.resolved_in_time() + totals.resolved_late()));
  rates->set_repeat_rate(Ratio(totals.repeats(), Reports(totals)));
  rates->set_duplicate_rate(Ratio(totals.duplicates(), Reports(totals)));
  rates->set_reopen_rate(Ratio(totals.reopened(), totals.resolved()));
  rates->set_mean_satisfaction(Ratio(totals.rating_sum(), totals.ratings()));
  if (res_all["count"] > 0) {
    rates->set_mean_days_to_resolve(static_cast<double>(res_all["sum_ms"]) / 1000.0 / 86400.0 /
                                    static_cast<double>(res_all["count"]));
  }

  FillSlices(series, nullptr, out.mutable_series());
  FillSlices(by[kDistrict], &population_.district, out.mutable_by_district());
  FillSlices(by[kNeighbourhood], &population_.neighbourhood, out.mutable_by_neighbourhood());
  FillSlices(by[kCategory], nullptr, out.mutable_by_category());
  FillSlices(by[kRequestType], nullptr, out.mutable_by_request_type());
  FillSlices(by[kChannel], nullptr, out.mutable_by_channel());
  FillSlices(by[kAgeGroup], nullptr, out.mutable_by_age_group());
  FillSlices(by[kOwner], nullptr, out.mutable_by_owner());
  std::vector<std::pair<std::string, v1::Measures>> forwards;
  for (const auto& [owner, m] : by[kOwner]) {
    if (m.forwarded() > 0) forwards.emplace_back(owner, m);
  }
  std::stable_sort(forwards.begin(), forwards.end(), [](const auto& a, const auto& b) {
    return a.second.forwarded() > b.second.forwarded();
  });
  for (const auto& [owner, m] : forwards) {
    v1::Slice* s = out.add_forwards_by_institution();
    s->set_key(owner);
    *s->mutable_m() = m;
  }
  for (const auto& [owner, h] : res_owner) *out.add_resolution_by_owner() = ResolutionOf(owner, h);
  for (const auto& [cat, h] : res_category) *out.add_resolution_by_category() = ResolutionOf(cat, h);
  if (res_all["count"] > 0) *out.mutable_resolution_overall() = ResolutionOf("all", res_all);
  for (const auto& [rating, n] : ratings) (*out.mutable_satisfaction_distribution())[rating] = n;

  std::vector<v1::RisingTopic> rising;
  for (Part part : rising_parts) {
    std::set<std::string> keys;
    for (const auto& [k, n] : recent[part]) keys.insert(k);
    for (const std::string& key : keys) {
      int64_t now = recent[part][key];
      double per_day = static_cast<double>(baseline[part][key]) / rising_.baseline_days;
      double expected = per_day * rising_.recent_days;
      double ratio = static_cast<double>(now) / std::max(expected, 1.0);
      if (now < rising_.min_reports || ratio < rising_.ratio) continue;
      v1::RisingTopic t;
      t.set_dimension(part == kCategory ? "category" : part == kDistrict ? "district" : "neighbourhood");
      t.set_key(key);
      t.set_recent(now);
      t.set_baseline_per_day(per_day);
      t.set_expected(expected);
      t.set_ratio(ratio);
      rising.push_back(t);
    }
  }
  std::stable_sort(rising.begin(), rising.end(),
                   [](const auto& a, const auto& b) { return a.ratio() > b.ratio(); });
  for (auto& t : rising) *out.add_rising() = std::move(t);
  return out;
}

absl::StatusOr<std::string> FiguresCsv(const v1::Figures& figures, const std::string& table) {
  const google::protobuf::RepeatedPtrField<v1::Slice>* rows = nullptr;
  if (table == "series") rows = &figures.series();
  else if (table == "district") rows = &figures.by_district();
  else if (table == "neighbourhood") rows = &figures.by_neighbourhood();
  else if (table == "category") rows = &figures.by_category();
  else if (table == "request_type") rows = &figures.by_request_type();
  else if (table == "channel") rows = &figures.by_channel();
  else if (table == "age_group") rows = &figures.by_age_group();
  else if (table == "owner") rows = &figures.by_owner();
  else {
    return absl::InvalidArgumentError(absl::StrCat(
        "table='", table,
        "' must be series, district, neighbourhood, category, request_type, channel, age_group or owner"));
  }
  auto quote = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
      if (c == '"') q += '"';
      q += c;
    }
    return q + "\"";
  };
  const auto* d = v1::Measures::descriptor();
  std::string out = table == "series" ? "period" : table;
  for (int i = 0; i < d->field_count(); ++i) absl::StrAppend(&out, ",", d->field(i)->name());
  absl::StrAppend(&out, ",population,cases_per_10k\r\n");
  for (const auto& s : *rows) {
    absl::StrAppend(&out, quote(s.key()));
    const auto* r = s.m().GetReflection();
    for (int i = 0; i < d->field_count(); ++i) absl::StrAppend(&out, ",", r->GetInt64(s.m(), d->field(i)));
    absl::StrAppend(&out, ",", s.population(), ",", s.population() > 0 ? absl::StrFormat("%.2f", s.cases_per_10k()) : "");
    out += "\r\n";
  }
  return out;
}

}  // namespace teksin::analytics
