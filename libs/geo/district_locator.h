// Point to district: point-in-polygon over the district boundaries (GeoJSON, WGS84).
#pragma once

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace teksin::geo {

struct Point {
  double lon = 0, lat = 0;
};

class DistrictLocator {
 public:
  // Reads a FeatureCollection of Polygon/MultiPolygon features; the district name is taken from
  // `name_property` (e.g. "name").
  static absl::StatusOr<DistrictLocator> FromGeoJsonFile(const std::string& path,
                                                         const std::string& name_property = "name");
  static absl::StatusOr<DistrictLocator> FromGeoJson(const std::string& text,
                                                     const std::string& name_property = "name");

  // The district containing the point, or nullopt outside every polygon.
  std::optional<std::string> Locate(double lat, double lon) const;
  std::vector<std::string> Districts() const;
  bool Has(const std::string& district) const;
  // A uniformly random point inside the district (rejection sampling over its bounding box).
  std::optional<Point> RandomPointIn(const std::string& district, std::mt19937_64& rng) const;

 private:
  struct Ring {
    std::vector<Point> pts;
  };
  struct Polygon {
    Ring outer;
    std::vector<Ring> holes;
  };
  struct Area {
    std::string name;
    std::vector<Polygon> polygons;
    double min_lon, min_lat, max_lon, max_lat;
  };
  static bool InRing(const Ring& r, double lon, double lat);
  static bool InArea(const Area& a, double lon, double lat);
  std::vector<Area> areas_;
};

}  // namespace teksin::geo
