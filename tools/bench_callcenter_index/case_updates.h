// Generated case index updates in the order a projection might consume them: the life of many
// cases (received at the call centre, registered, routed or forwarded, claimed, resolved or
// rejected, closed, some reopened), interleaved across cases, with what the real topics do to
// that order: events of one case delayed past later ones (they come from different topics),
// redeliveries, the channel's own "received" arriving after the case moved on, coordinates and
// the category arriving only with a later event, callers without a number. Deterministic for a
// seed. Used by bench_callcenter_index and the case index's Redis equivalence test.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "channel_callcenter/case_index.h"

namespace teksin::bench_callcenter {

struct UpdateMix {
  double late = 0.05;        // an event delayed behind up to 40 later ones (of any case)
  double redelivered = 0.05;  // an event delivered again, up to 200 events later
};

inline std::vector<channel_callcenter::CaseUpdate> GenerateCaseUpdates(int cases, uint64_t seed,
                                                                       UpdateMix mix = {}) {
  using channel_callcenter::CaseUpdate;
  namespace v1 = teksin::v1;
  static const char* kCategories[] = {"su-ariza",     "yol-sokak",   "cop-temizlik",
                                      "park-bahce",   "aydinlatma",  "ulasim"};
  static const char* kDistricts[] = {"Akdeniz", "Mezitli", "Toroslar", "Yenişehir", "Tarsus",
                                     "Erdemli", "Silifke"};
  std::mt19937_64 rng(seed);
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  const int64_t t0 = 1780000000000000;  // 2026-05-28, µs
  const int citizens = std::max(1, cases / 3);

  // (time, update) for every event of every case, then ordered by time.
  std::vector<std::pair<int64_t, CaseUpdate>> timeline;
  for (int i = 0; i < cases; ++i) {
    CaseUpdate base;
    auto& r = base.record;
    r.case_id = absl::StrCat("case-", seed, "-", i);
    r.tracking_code = absl::StrCat("T", seed % 1000, "-", i);
    r.citizen_key = chance(0.2) ? "" : absl::StrCat("ck-", seed, "-", pick(citizens));
    r.category = kCategories[pick(6)];
    r.channel = chance(0.8) ? v1::CHANNEL_CALL_CENTER : v1::CHANNEL_WALK_IN;
    r.request_type = v1::REQUEST_TYPE_COMPLAINT;
    const bool located = chance(0.85);
    // Six decimals: the index's "%.9f" text reads back as the same double.
    const double lat = chance(0.01) ? 86.5 : std::round((36.70 + pick(400000) * 1e-6) * 1e6) / 1e6;
    const double lon = std::round((34.40 + pick(600000) * 1e-6) * 1e6) / 1e6;
    const bool coordinates_late = chance(0.3);
    const bool category_late = chance(0.3);
    const int64_t start = t0 + static_cast<int64_t>(i) * 2000 + pick(1000);
    r.received_us = start;
    auto event = [&](int64_t at, v1::CaseStatus status, bool first) {
      CaseUpdate u = base;
      u.at_us = at;
      u.record.status = status;
      if (located && !(first && coordinates_late)) {
        u.record.has_coordinates = true;
        u.record.lat = lat;
        u.record.lon = lon;
      }
      if (first && category_late) u.record.category.clear();
      return u;
    };
    const int64_t step = 600000000;  // 10 minutes, shortened by the interleaving below
    int64_t at = start;
    timeline.emplace_back(at, event(at, v1::CASE_STATUS_RECEIVED, true));
    // The channel's clock may be ahead of intake's: "received" stamped after "registered".
    const int64_t skew = chance(0.05) ? step : 0;
    timeline.back().second.at_us += skew;
    at += step / 2 + pick(1000);
    timeline.emplace_back(at, event(at, v1::CASE_STATUS_REGISTERED, false));
    if (chance(0.08)) {
      at += step;
      CaseUpdate rej = event(at, v1::CASE_STATUS_REJECTED, false);
      timeline.emplace_back(at, rej);
      continue;
    }
    at += step;
    CaseUpdate routed = event(at, chance(0.15) ? v1::CASE_STATUS_FORWARDED
                                               : v1::CASE_STATUS_ROUTED, false);
    routed.record.district = kDistricts[pick(7)];
    routed.record.neighbourhood = chance(0.5) ? absl::StrCat("Mahalle ", pick(40)) : "";
    routed.record.owner_id = absl::StrCat("unit-", pick(33));
    routed.record.owner_name = absl::StrCat("Birim ", routed.record.owner_id);
    routed.record.owner_kind = v1::OWNER_KIND_METROPOLITAN_DEPARTMENT;
    routed.record.deadline_us = at + 7 * 86400000000LL;
    // Later snapshots carry the place and the owner.
    base.record.district = routed.record.district;
    base.record.owner_id = routed.record.owner_id;
    base.record.owner_name = routed.record.owner_name;
    base.record.owner_kind = routed.record.owner_kind;
    timeline.emplace_back(at, routed);
    if (chance(0.1)) continue;  // stays routed
    at += step;
    timeline.emplace_back(at, event(at, v1::CASE_STATUS_IN_PROGRESS, false));
    if (chance(0.1)) continue;  // still being worked
    at += step;
    timeline.emplace_back(at, event(at, v1::CASE_STATUS_RESOLVED, false));
    if (chance(0.4)) {
      at += step;
      timeline.emplace_back(at, event(at, v1::CASE_STATUS_CLOSED, false));
    } else if (chance(0.15)) {
      at += step;
      timeline.emplace_back(at, event(at, v1::CASE_STATUS_REOPENED, false));
      if (chance(0.5)) {
        at += step;
        timeline.emplace_back(at, event(at, v1::CASE_STATUS_RESOLVED, false));
      }
    }
  }
  // Consumption order: by the event's place in the case's life, cases interleaved.
  std::stable_sort(timeline.begin(), timeline.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<CaseUpdate> out;
  out.reserve(timeline.size() * 11 / 10);
  for (auto& [t, u] : timeline) out.push_back(std::move(u));
  // Late events: moved behind up to 40 later ones.
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (!chance(mix.late)) continue;
    size_t to = std::min(out.size() - 1, i + 1 + static_cast<size_t>(pick(40)));
    std::rotate(out.begin() + static_cast<std::ptrdiff_t>(i),
                out.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                out.begin() + static_cast<std::ptrdiff_t>(to) + 1);
  }
  // Redeliveries: a copy again, up to 200 events later.
  std::vector<std::pair<size_t, CaseUpdate>> again;
  for (size_t i = 0; i < out.size(); ++i) {
    if (chance(mix.redelivered)) {
      again.emplace_back(std::min(out.size(), i + 1 + static_cast<size_t>(pick(200))), out[i]);
    }
  }
  std::stable_sort(again.begin(), again.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<CaseUpdate> merged;
  merged.reserve(out.size() + again.size());
  size_t next = 0;
  for (size_t i = 0; i <= out.size(); ++i) {
    while (next < again.size() && again[next].first == i) merged.push_back(again[next++].second);
    if (i < out.size()) merged.push_back(std::move(out[i]));
  }
  return merged;
}

}  // namespace teksin::bench_callcenter
