#include "routing/app.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "geo/district_locator.h"
#include "routing/routing_service.h"
#include "runtime/runtime.h"

namespace teksin::routing {

int Run() {
  common::EnvReader env;
  auto rt_or = runtime::Runtime::Create("routing", "ROUTING", env, 8103);
  if (!rt_or.ok()) {
    std::cerr << rt_or.status() << "\n";
    return 2;
  }
  auto& rt = **rt_or;
  const std::string dir = rt.config().config_dir;
  std::string rules_file = env.String("ROUTING_RULES_FILE", dir + "/routing-rules.json");
  std::string catalogue_file = env.String("TEKSIN_CATALOGUE_FILE", dir + "/service-catalogue.json");
  std::string holidays_file = env.String("ROUTING_HOLIDAYS_FILE", dir + "/holidays-tr.json");
  std::string boundaries = env.String(
      "ROUTING_BOUNDARIES_FILE",
      rt.config().shared_dir + "/data/mersin-boundaries/mersin-districts.geojson");
  RoutingOptions options;
  options.max_attempts = static_cast<int>(env.Int("ROUTING_MAX_ATTEMPTS", 3, 1, 20));
  if (auto s = env.Finish(); !s.ok()) {
    common::LogError("bad configuration", {{"error", std::string(s.message())}});
    return 2;
  }
  auto districts = geo::DistrictLocator::FromGeoJsonFile(boundaries);
  auto catalogue = catalogue::Catalogue::LoadFile(catalogue_file);
  auto calendar = calendar::WorkingCalendar::LoadFile(holidays_file);
  if (!districts.ok() || !catalogue.ok() || !calendar.ok()) {
    common::LogError("cannot load reference data",
                     {{"boundaries", districts.status().ToString()},
                      {"catalogue", catalogue.status().ToString()},
                      {"holidays", calendar.status().ToString()}});
    return 2;
  }
  auto rules = catalogue::RoutingRules::LoadFile(rules_file, *catalogue, districts->Districts());
  if (!rules.ok()) {
    common::LogError("routing rules rejected", {{"error", std::string(rules.status().message())}});
    return 2;
  }
  const auto& topics = rt.topics();
  std::vector<std::string> all{topics.IntakeCases(), topics.RoutingDecisions(),
                               topics.DepartmentUpdates()};
  for (const auto& o : rules->owners()) all.push_back(topics.RoutingTasks(o.id));
  if (auto s = rt.EnsureTopics(all); !s.ok()) return rt.Fail("cannot create topics", s);
  auto publisher = rt.Publisher();
  if (!publisher.ok()) return rt.Fail("kafka producer", publisher.status());
  auto rules_ptr = std::make_shared<const catalogue::RoutingRules>(std::move(*rules));
  RoutingService service(*catalogue, rules_ptr, *calendar, topics, **publisher,
                         common::SystemClock::Get(), options);
  auto consumer = rt.NewConsumer({topics.IntakeCases(), topics.DepartmentUpdates()});
  if (!consumer.ok()) return rt.Fail("kafka consumer", consumer.status());
  if (auto port = rt.StartHttp(); !port.ok()) {
    common::LogError("http", {{"error", port.status().ToString()}});
    return 1;
  }
  rt.RunConsumer(std::move(*consumer), service);
  common::LogInfo("routing running", {{"rules_version", rules_ptr->version()},
                                      {"rules", rules_ptr->rules().size()},
                                      {"owners", rules_ptr->owners().size()}});
  return rt.WaitForShutdownAndStop();
}

}  // namespace teksin::routing
