#include "dataset/mersin_data.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataset/csv.h"

namespace teksin::dataset {

absl::StatusOr<MersinData> MersinData::Load(const std::string& shared_dir,
                                            const catalogue::Catalogue& catalogue) {
  MersinData d;
  auto locator = geo::DistrictLocator::FromGeoJsonFile(
      shared_dir + "/data/mersin-boundaries/mersin-districts.geojson");
  if (!locator.ok()) return locator.status();
  d.districts_ = std::move(*locator);

  auto pop = ReadCsvFile(shared_dir + "/data/mersin-population/mersin-district-population-2023.csv");
  if (!pop.ok()) return pop.status();
  int name_col = pop->Column("ilce"), pop_col = pop->Column("population_2023");
  if (name_col < 0 || pop_col < 0) return absl::InvalidArgumentError("population file lacks ilce/population_2023");
  std::vector<double> weights;
  for (const auto& row : pop->rows) {
    int64_t n = 0;
    if (!absl::SimpleAtoi(row[pop_col], &n)) return absl::InvalidArgumentError("bad population " + row[pop_col]);
    if (!d.districts_.Has(row[name_col])) {
      return absl::InvalidArgumentError("district " + row[name_col] + " has no boundary");
    }
    d.population_[row[name_col]] = n;
    d.district_names_.push_back(row[name_col]);
    weights.push_back(static_cast<double>(n));
  }
  d.district_pick_ = std::discrete_distribution<size_t>(weights.begin(), weights.end());

  auto complaints = ReadCsvFile(shared_dir + "/data/turkish-complaints/municipal-complaints-tr.csv");
  if (!complaints.ok()) return complaints.status();
  int label_col = complaints->Column("label"), text_col = complaints->Column("text");
  if (label_col < 0 || text_col < 0) return absl::InvalidArgumentError("complaint file lacks label/text");
  for (const auto& s : catalogue.services()) {
    if (!s.dataset_label.empty()) d.categories_by_label_[s.dataset_label].push_back(s.code);
  }
  for (const auto& row : complaints->rows) {
    if (row[text_col].empty() || !d.categories_by_label_.count(row[label_col])) continue;
    d.complaints_.push_back({row[label_col], row[text_col]});
  }
  if (d.complaints_.empty()) return absl::InvalidArgumentError("no usable complaint texts");
  return d;
}

SyntheticCase MersinData::Next(std::mt19937_64& rng, int citizens) {
  SyntheticCase c;
  c.district = district_names_[district_pick_(rng)];
  auto p = districts_.RandomPointIn(c.district, rng);
  if (p) {
    c.lat = p->lat;
    c.lon = p->lon;
  }
  const Complaint& complaint = complaints_[std::uniform_int_distribution<size_t>(0, complaints_.size() - 1)(rng)];
  const auto& cats = categories_by_label_.at(complaint.label);
  c.category = cats[std::uniform_int_distribution<size_t>(0, cats.size() - 1)(rng)];
  c.text = complaint.text;
  // Synthetic numbers in the 0 5xx range, one per citizen id: repeat callers share a number.
  int citizen = std::uniform_int_distribution<int>(0, std::max(1, citizens) - 1)(rng);
  c.phone = absl::StrFormat("0 5%02d %03d %02d %02d", 30 + citizen % 70, (citizen / 70) % 1000,
                            (citizen / 70000) % 100, citizen % 97);
  // Assumed age mix (no age data exists for Mersin contacts; see docs): 6/24/32/28/10 %.
  static const char* kAges[] = {"0-17", "18-29", "30-44", "45-64", "65+"};
  std::discrete_distribution<int> age({6, 24, 32, 28, 10});
  c.age_group = kAges[age(rng)];
  c.mobile_app = std::uniform_real_distribution<double>(0, 1)(rng) < 0.7;
  return c;
}

}  // namespace teksin::dataset
