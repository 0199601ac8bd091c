// teksin_admin: checks the reference data and lists what the deployment needs.
//   teksin_admin validate [--config-dir D] [--shared-dir S] [--rules F]   every problem, or a summary
//   teksin_admin units    [--config-dir D] [--shared-dir S] [--rules F]   the unit ids, one a line
// --rules checks another routing rules file (e.g. before copying it over the one routing polls)
// against the catalogue of the config dir; routing applies the same checks when it reloads.
#include <iostream>
#include <string>

#include "calendar/working_calendar.h"
#include "catalogue/catalogue.h"
#include "catalogue/routing_rules.h"
#include "geo/district_locator.h"

namespace {

int Usage() {
  std::cerr << "usage: teksin_admin validate|units [--config-dir DIR] [--shared-dir DIR] "
               "[--rules FILE]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string cmd = argv[1];
  std::string config_dir = "deploy/config", shared_dir = "../shared", rules_file;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--config-dir") config_dir = argv[i + 1];
    else if (flag == "--shared-dir") shared_dir = argv[i + 1];
    else if (flag == "--rules") rules_file = argv[i + 1];
    else return Usage();
  }
  using namespace teksin;
  auto districts = geo::DistrictLocator::FromGeoJsonFile(
      shared_dir + "/data/mersin-boundaries/mersin-districts.geojson");
  auto cat = catalogue::Catalogue::LoadFile(config_dir + "/service-catalogue.json");
  auto cal = calendar::WorkingCalendar::LoadFile(config_dir + "/holidays-tr.json");
  int errors = 0;
  for (const auto& s : {districts.status(), cat.status(), cal.status()}) {
    if (!s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      ++errors;
    }
  }
  if (errors) return 1;
  if (rules_file.empty()) rules_file = config_dir + "/routing-rules.json";
  auto rules = catalogue::RoutingRules::LoadFile(rules_file, *cat, districts->Districts());
  if (!rules.ok()) {
    std::cerr << "error: " << rules.status().message() << "\n";
    return 1;
  }
  if (cmd == "units") {
    for (const auto& o : rules->owners()) std::cout << o.id << "\n";
    return 0;
  }
  if (cmd == "validate") {
    std::cout << "catalogue " << cat->version() << ": " << cat->services().size() << " services\n"
              << "routing rules " << rules->version() << ": " << rules->rules().size()
              << " rules, " << rules->owners().size() << " owners, default "
              << rules->default_owner() << "\n"
              << "rules with a deadline in seconds (test rules only): "
              << [&] {
                   int n = 0;
                   for (const auto& r : rules->rules()) n += r.deadline_seconds > 0 ? 1 : 0;
                   return n;
                 }()
              << "\n"
              << "districts: " << districts->Districts().size() << "\n"
              << "holidays: ok\n";
    return 0;
  }
  return Usage();
}
