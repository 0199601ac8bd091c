#include "intake/app.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "catalogue/catalogue.h"
#include "common/log.h"
#include "geo/district_locator.h"
#include "intake/intake_service.h"
#include "runtime/runtime.h"

namespace teksin::intake {

int Run() {
  common::EnvReader env;
  auto rt_or = runtime::Runtime::Create("intake", "INTAKE", env, 8102);
  if (!rt_or.ok()) {
    std::cerr << rt_or.status() << "\n";
    return 2;
  }
  auto& rt = **rt_or;
  std::string boundaries = env.String(
      "INTAKE_BOUNDARIES_FILE",
      absl::StrCat(rt.config().shared_dir, "/data/mersin-boundaries/mersin-districts.geojson"));
  std::string catalogue_file =
      env.String("TEKSIN_CATALOGUE_FILE", absl::StrCat(rt.config().config_dir, "/service-catalogue.json"));
  if (auto s = env.Finish(); !s.ok()) {
    common::LogError("bad configuration", {{"error", std::string(s.message())}});
    return 2;
  }
  auto districts = geo::DistrictLocator::FromGeoJsonFile(boundaries);
  auto catalogue = catalogue::Catalogue::LoadFile(catalogue_file);
  if (!districts.ok() || !catalogue.ok()) {
    common::LogError("cannot load reference data",
                     {{"boundaries", districts.status().ToString()},
                      {"catalogue", catalogue.status().ToString()}});
    return 2;
  }
  const auto& topics = rt.topics();
  std::vector<std::string> channel_topics;
  for (const char* ch : {"open311", "whatsapp", "callcenter"}) {
    channel_topics.push_back(topics.ChannelContacts(ch));
  }
  std::vector<std::string> all = channel_topics;
  all.push_back(topics.IntakeCases());
  if (auto s = rt.EnsureTopics(all); !s.ok()) return rt.Fail("cannot create topics", s);
  auto publisher = rt.Publisher();
  if (!publisher.ok()) return rt.Fail("kafka producer", publisher.status());
  IntakeService service(*catalogue, *districts, topics, **publisher, common::SystemClock::Get());
  // Subscribe by pattern so a new channel's topic is picked up without a restart.
  auto consumer = rt.NewConsumer({topics.ChannelContactsPattern()});
  if (!consumer.ok()) return rt.Fail("kafka consumer", consumer.status());
  if (auto port = rt.StartHttp(); !port.ok()) {
    common::LogError("http", {{"error", port.status().ToString()}});
    return 1;
  }
  rt.RunConsumer(std::move(*consumer), service);
  common::LogInfo("intake running", {{"districts", districts->Districts().size()},
                                     {"services", catalogue->services().size()}});
  return rt.WaitForShutdownAndStop();
}

}  // namespace teksin::intake
