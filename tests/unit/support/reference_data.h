// The real reference data the services load in production (deploy/config/*.json and the Mersin
// district boundaries in shared/data), loaded once per test binary. Header-only; link
// teksin::catalogue and teksin::geo.
#pragma once

#include <memory>

#include "calendar/working_calendar.h"
#include "catalogue/catalogue.h"
#include "catalogue/routing_rules.h"
#include "geo/district_locator.h"
#include "support/paths.h"

namespace teksin::testing {

inline const catalogue::Catalogue& RealCatalogue() {
  static const catalogue::Catalogue kCatalogue =
      OrDie(catalogue::Catalogue::LoadFile(ConfigFile("service-catalogue.json")), "catalogue");
  return kCatalogue;
}

inline const geo::DistrictLocator& RealDistricts() {
  static const geo::DistrictLocator kDistricts =
      OrDie(geo::DistrictLocator::FromGeoJsonFile(BoundaryFile()), "district boundaries");
  return kDistricts;
}

inline std::shared_ptr<const catalogue::RoutingRules> RealRules() {
  static const std::shared_ptr<const catalogue::RoutingRules> kRules =
      std::make_shared<const catalogue::RoutingRules>(
          OrDie(catalogue::RoutingRules::LoadFile(ConfigFile("routing-rules.json"), RealCatalogue(),
                                                  RealDistricts().Districts()),
                "routing rules"));
  return kRules;
}

inline const calendar::WorkingCalendar& RealCalendar() {
  static const calendar::WorkingCalendar kCalendar =
      OrDie(calendar::WorkingCalendar::LoadFile(ConfigFile("holidays-tr.json")), "holidays");
  return kCalendar;
}

}  // namespace teksin::testing
