#include "geo/district_locator.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace teksin::geo {

absl::StatusOr<DistrictLocator> DistrictLocator::FromGeoJsonFile(const std::string& path,
                                                                 const std::string& name_property) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open boundary file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return FromGeoJson(ss.str(), name_property);
}

absl::StatusOr<DistrictLocator> DistrictLocator::FromGeoJson(const std::string& text,
                                                             const std::string& name_property) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.contains("features") || !doc["features"].is_array()) {
    return absl::InvalidArgumentError("boundary file is not a GeoJSON FeatureCollection");
  }
  DistrictLocator loc;
  auto ring_of = [](const nlohmann::json& coords) {
    Ring r;
    for (const auto& p : coords) r.pts.push_back({p.at(0).get<double>(), p.at(1).get<double>()});
    return r;
  };
  auto polygon_of = [&](const nlohmann::json& rings) {
    Polygon poly;
    for (size_t i = 0; i < rings.size(); ++i) {
      if (i == 0) poly.outer = ring_of(rings[i]);
      else poly.holes.push_back(ring_of(rings[i]));
    }
    return poly;
  };
  try {
    for (const auto& f : doc["features"]) {
      Area a;
      a.name = f.at("properties").at(name_property).get<std::string>();
      const auto& g = f.at("geometry");
      std::string type = g.at("type").get<std::string>();
      if (type == "Polygon") {
        a.polygons.push_back(polygon_of(g.at("coordinates")));
      } else if (type == "MultiPolygon") {
        for (const auto& p : g.at("coordinates")) a.polygons.push_back(polygon_of(p));
      } else {
        return absl::InvalidArgumentError(absl::StrCat("unsupported geometry ", type, " for ", a.name));
      }
      a.min_lon = a.min_lat = std::numeric_limits<double>::max();
      a.max_lon = a.max_lat = std::numeric_limits<double>::lowest();
      for (const auto& poly : a.polygons) {
        for (const auto& p : poly.outer.pts) {
          a.min_lon = std::min(a.min_lon, p.lon);
          a.max_lon = std::max(a.max_lon, p.lon);
          a.min_lat = std::min(a.min_lat, p.lat);
          a.max_lat = std::max(a.max_lat, p.lat);
        }
      }
      loc.areas_.push_back(std::move(a));
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("boundary file: ", e.what()));
  }
  if (loc.areas_.empty()) return absl::InvalidArgumentError("boundary file has no features");
  return loc;
}

bool DistrictLocator::InRing(const Ring& r, double lon, double lat) {
  bool inside = false;
  const auto& p = r.pts;
  for (size_t i = 0, j = p.size() - 1; i < p.size(); j = i++) {
    bool crosses = (p[i].lat > lat) != (p[j].lat > lat);
    if (crosses) {
      double x = p[j].lon + (lat - p[j].lat) * (p[i].lon - p[j].lon) / (p[i].lat - p[j].lat);
      if (lon < x) inside = !inside;
    }
  }
  return inside;
}

bool DistrictLocator::InArea(const Area& a, double lon, double lat) {
  if (lon < a.min_lon || lon > a.max_lon || lat < a.min_lat || lat > a.max_lat) return false;
  for (const auto& poly : a.polygons) {
    if (poly.outer.pts.size() < 3 || !InRing(poly.outer, lon, lat)) continue;
    bool in_hole = false;
    for (const auto& h : poly.holes) in_hole = in_hole || InRing(h, lon, lat);
    if (!in_hole) return true;
  }
  return false;
}

std::optional<std::string> DistrictLocator::Locate(double lat, double lon) const {
  for (const auto& a : areas_) {
    if (InArea(a, lon, lat)) return a.name;
  }
  return std::nullopt;
}

std::vector<std::string> DistrictLocator::Districts() const {
  std::vector<std::string> out;
  for (const auto& a : areas_) out.push_back(a.name);
  std::sort(out.begin(), out.end());
  return out;
}

bool DistrictLocator::Has(const std::string& district) const {
  for (const auto& a : areas_) {
    if (a.name == district) return true;
  }
  return false;
}

std::optional<Point> DistrictLocator::RandomPointIn(const std::string& district,
                                                    std::mt19937_64& rng) const {
  for (const auto& a : areas_) {
    if (a.name != district) continue;
    std::uniform_real_distribution<double> lon(a.min_lon, a.max_lon), lat(a.min_lat, a.max_lat);
    for (int i = 0; i < 10000; ++i) {
      Point p{lon(rng), lat(rng)};
      // Must also land in this district and no other (the coarse shapes overlap at borders).
      if (InArea(a, p.lon, p.lat) && Locate(p.lat, p.lon) == a.name) return p;
    }
  }
  return std::nullopt;
}

}  // namespace teksin::geo
