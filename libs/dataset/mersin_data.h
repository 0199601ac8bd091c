// Realistic Mersin traffic from the shared real data: districts weighted by their 2023
// population, points inside the district boundaries, real citizen complaint texts with their
// labels mapped to catalogue categories. Used by the demo and the load generator.
#pragma once

#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "catalogue/catalogue.h"
#include "geo/district_locator.h"
#include "teksin/v1/case.pb.h"

namespace teksin::dataset {

struct Complaint {
  std::string label;  // one of the 8 labels of the complaint file
  std::string text;
};

struct SyntheticCase {
  std::string district;
  double lat = 0, lon = 0;
  std::string category;
  std::string text;
  std::string phone;      // a synthetic Turkish mobile number (0 5xx ...), never a real one
  std::string age_group;  // "18-29" ...
  bool mobile_app = true;
};

class MersinData {
 public:
  // shared_dir: the shared/ folder; catalogue: for label -> category.
  static absl::StatusOr<MersinData> Load(const std::string& shared_dir,
                                         const catalogue::Catalogue& catalogue);

  // citizens: size of the synthetic population the phone numbers are drawn from (repeat callers).
  SyntheticCase Next(std::mt19937_64& rng, int citizens);

  const std::map<std::string, int64_t>& population() const { return population_; }
  const geo::DistrictLocator& districts() const { return districts_; }
  size_t complaints() const { return complaints_.size(); }

 private:
  geo::DistrictLocator districts_;
  std::map<std::string, int64_t> population_;
  std::vector<std::string> district_names_;
  std::discrete_distribution<size_t> district_pick_;
  std::vector<Complaint> complaints_;
  std::map<std::string, std::vector<std::string>> categories_by_label_;
};

}  // namespace teksin::dataset
