// Where the real data lives, Mersin wall-clock time, and places checked against the boundary
// file. Header-only; needs nothing but absl.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace teksin::testing {

inline std::string ConfigFile(const std::string& name) {
  return std::string(TEKSIN_CONFIG_DIR) + "/" + name;
}

inline std::string BoundaryFile() {
  return std::string(TEKSIN_SHARED_DIR) + "/data/mersin-boundaries/mersin-districts.geojson";
}

// Reference data that does not load makes every test of the binary meaningless: stop loudly.
template <typename T>
T OrDie(absl::StatusOr<T> value, const char* what) {
  if (!value.ok()) {
    std::fprintf(stderr, "cannot load %s: %s\n", what, value.status().ToString().c_str());
    std::abort();
  }
  return *std::move(value);
}

// Türkiye's fixed UTC+3: the wall-clock time a citizen or a clerk in Mersin sees.
inline absl::TimeZone TurkeyZone() { return absl::FixedTimeZone(3 * 3600); }

inline absl::Time TrTime(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), TurkeyZone());
}

inline std::string TrFormat(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %a", t, TurkeyZone());
}

// Points checked against the boundary file's own polygons.
struct Place {
  const char* district;
  double lat, lon;
};
inline constexpr Place kTarsusCentre{"Tarsus", 36.918, 34.895};
inline constexpr Place kMezitli{"Mezitli", 36.75, 34.52};
inline constexpr Place kAkdeniz{"Akdeniz", 36.80, 34.64};
inline constexpr Place kYenisehir{"Yenişehir", 36.79, 34.59};
inline constexpr Place kAdanaCity{"", 37.0, 35.32};     // the neighbouring province
inline constexpr Place kOpenSea{"", 36.0, 33.0};        // the Mediterranean, off Silifke

}  // namespace teksin::testing
