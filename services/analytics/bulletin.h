// The monthly bulletin: one HTML page (printable to PDF from the browser) in the shape municipal
// "Alo 153 / Beyaz Masa" bulletins use: totals, by institution, by type, by topic, by district,
// the same-day answer rate and the average days to resolve.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "teksin/v1/analytics_service.pb.h"

namespace teksin::analytics {

// Display names: categories (service code -> Turkish, English) and owners (unit id -> name, kind).
struct Labels {
  struct Name {
    std::string tr, en;
  };
  std::map<std::string, Name> category;
  std::map<std::string, Name> owner;  // en = the owner kind, e.g. "EXTERNAL_INSTITUTION"

  // From the service catalogue and the routing rules' owners (deploy/config).
  static absl::StatusOr<Labels> Load(const std::string& catalogue_file, const std::string& rules_file);
  std::string CategoryName(const std::string& code, bool english) const;
  std::string OwnerName(const std::string& id) const;
};

// `month` is "YYYY-MM"; `figures` must cover exactly that month. lang: "tr" or "en".
std::string BulletinHtml(const std::string& month, const v1::Figures& figures, const Labels& labels,
                         const std::string& lang);

}  // namespace teksin::analytics
