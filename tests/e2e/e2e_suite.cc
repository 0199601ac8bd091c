#include "e2e/e2e_suite.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace teksin::testing {

E2eSuite::E2eSuite(const std::string& name) : name_(name), prefix_(UniquePrefix(name)) {
  infra_ = LoadInfra();
  dir_ = absl::StrCat(TEKSIN_BINARY_DIR, "/e2e-logs/", prefix_);
  std::filesystem::create_directories(dir_);
  auto d = geo::DistrictLocator::FromGeoJsonFile(
      std::string(TEKSIN_SHARED_DIR) + "/data/mersin-boundaries/mersin-districts.geojson");
  auto c = catalogue::Catalogue::LoadFile(std::string(TEKSIN_CONFIG_DIR) + "/service-catalogue.json");
  EXPECT_TRUE(d.ok() && c.ok());
  districts_ = std::make_unique<geo::DistrictLocator>(std::move(*d));
  catalogue_ = std::make_unique<catalogue::Catalogue>(std::move(*c));
  auto r = catalogue::RoutingRules::LoadFile(std::string(TEKSIN_CONFIG_DIR) + "/routing-rules.json",
                                             *catalogue_, districts_->Districts());
  EXPECT_TRUE(r.ok()) << r.status();
  rules_ = std::make_unique<catalogue::RoutingRules>(std::move(*r));
}

E2eSuite::~E2eSuite() {
  // Graceful stop of everything still running, channels first.
  for (const char* first : {"open311", "intake-1", "intake-2"}) {
    auto it = processes_.find(first);
    if (it != processes_.end() && it->second->Running()) it->second->Stop();
  }
  for (auto& [k, p] : processes_) {
    if (p->Running()) p->Stop();
  }
  if (::testing::Test::HasFailure()) {
    for (auto& [k, p] : processes_) {
      std::cerr << "---- " << k << " log (" << p->log_path() << ") ----\n" << p->LogTail(3000) << "\n";
    }
  }
}

std::map<std::string, std::string> E2eSuite::CommonEnv() const {
  return {{"TEKSIN_KAFKA_BROKERS", infra_.kafka_brokers},
          {"TEKSIN_REDIS_URL", infra_.redis_url},
          {"TEKSIN_TOPIC_PREFIX", prefix_},
          {"TEKSIN_TOPIC_PARTITIONS", "4"},
          {"TEKSIN_CONFIG_DIR", TEKSIN_CONFIG_DIR},
          {"TEKSIN_SHARED_DIR", TEKSIN_SHARED_DIR},
          {"TEKSIN_CITIZEN_KEY_SECRET", "e2e-secret-0123456789abcdef"},
          {"TEKSIN_CONTACT_VAULT_KEY", kContactVaultKey}};
}

ServiceProcess& E2eSuite::Start(const std::string& key, const std::string& binary, int http_port,
                                std::map<std::string, std::string> env) {
  auto merged = CommonEnv();
  for (auto& [k, v] : env) merged[k] = v;
  merged["TEKSIN_INSTANCE_ID"] = key;
  http_ports_[key] = http_port;
  auto p = std::make_unique<ServiceProcess>(key, std::string(TEKSIN_SERVICES_DIR) + "/" + binary,
                                            merged, dir_ + "/" + key + ".log");
  p->Start();
  auto& ref = *p;
  processes_[key] = std::move(p);
  return ref;
}

void E2eSuite::WaitHealthy(const std::string& key) {
  int port = http_ports_.at(key);
  bool ok = WaitUntil([&] {
    if (!processes_.at(key)->Running()) return true;  // reported below
    return HttpGet(port, "/healthz").status == 200;
  }, std::chrono::seconds(90));
  ASSERT_TRUE(ok && processes_.at(key)->Running())
      << key << " did not become healthy:\n" << processes_.at(key)->LogTail();
}

ServiceProcess& E2eSuite::StartOpen311() {
  if (!open311_port_) open311_port_ = FreePort();
  return Start("open311", "channel_open311/channel_open311", open311_port_,
               {{"OPEN311_HTTP_PORT", std::to_string(open311_port_)}, {"OPEN311_API_KEYS", kApiKey}});
}

ServiceProcess& E2eSuite::StartIntake(const std::string& instance,
                                      std::map<std::string, std::string> env) {
  std::string key = "intake-" + instance;
  int port = http_ports_.count(key) ? http_ports_[key] : FreePort();
  env["INTAKE_HTTP_PORT"] = std::to_string(port);
  return Start(key, "intake/intake", port, std::move(env));
}

ServiceProcess& E2eSuite::StartRouting(const std::string& instance) {
  std::string key = "routing-" + instance;
  int port = http_ports_.count(key) ? http_ports_[key] : FreePort();
  return Start(key, "routing/routing", port, {{"ROUTING_HTTP_PORT", std::to_string(port)}});
}

ServiceProcess& E2eSuite::StartAnalytics(const std::string& instance) {
  std::string key = "analytics-" + instance;
  if (!analytics_port_) analytics_port_ = FreePort();
  int grpc = FreePort();
  return Start(key, "analytics/analytics", analytics_port_,
               {{"ANALYTICS_HTTP_PORT", std::to_string(analytics_port_)},
                {"ANALYTICS_GRPC_PORT", std::to_string(grpc)}});
}

ServiceProcess& E2eSuite::StartWorker(const std::string& unit, const std::string& instance) {
  std::string key = "worker-" + unit + "-" + instance;
  int port = http_ports_.count(key) ? http_ports_[key] : FreePort();
  if (!grpc_ports_.count(key)) grpc_ports_[key] = FreePort();
  return Start(key, "department_worker/department_worker", port,
               {{"DEPARTMENT_WORKER_UNIT", unit},
                {"DEPARTMENT_WORKER_HTTP_PORT", std::to_string(port)},
                {"DEPARTMENT_WORKER_GRPC_PORT", std::to_string(grpc_ports_[key])}});
}

ServiceProcess& E2eSuite::StartWorkers(const std::vector<std::string>& units,
                                       const std::string& instance) {
  std::string key = "workers-" + instance;
  int port = http_ports_.count(key) ? http_ports_[key] : FreePort();
  if (!grpc_ports_.count(key)) grpc_ports_[key] = FreePort();
  for (const auto& unit : units) {
    http_ports_["worker-" + unit + "-" + instance] = port;
    grpc_ports_["worker-" + unit + "-" + instance] = grpc_ports_[key];
  }
  return Start(key, "department_worker/department_worker", port,
               {{"DEPARTMENT_WORKER_UNITS", absl::StrJoin(units, ",")},
                {"DEPARTMENT_WORKER_HTTP_PORT", std::to_string(port)},
                {"DEPARTMENT_WORKER_GRPC_PORT", std::to_string(grpc_ports_[key])}});
}

std::unique_ptr<v1::StaffService::Stub> E2eSuite::Staff(const std::string& unit,
                                                        const std::string& instance) {
  int port = grpc_ports_.at("worker-" + unit + "-" + instance);
  return v1::StaffService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
}

std::string E2eSuite::Submit(const std::string& service_code, double lat, double lon,
                             const std::string& text, const std::string& phone, int* status) {
  HttpAnswer a = HttpPostForm(open311_port_, "/open311/v2/requests.json",
                              {{"api_key", kApiKey},
                               {"service_code", service_code},
                               {"lat", absl::StrFormat("%.7f", lat)},
                               {"long", absl::StrFormat("%.7f", lon)},
                               {"description", text},
                               {"phone", phone},
                               {"age_group", "30-44"}});
  if (status) *status = a.status;
  if (a.status != 201) return "";
  auto j = a.Json();
  if (!j.is_array() || j.empty()) return "";
  return j[0].value("service_request_id", "");
}

ServiceProcess& E2eSuite::StartExtraAnalytics(const std::string& instance,
                                              std::map<std::string, std::string> env) {
  std::string key = "analytics-" + instance;
  int port = http_ports_.count(key) ? http_ports_[key] : FreePort();
  env["ANALYTICS_HTTP_PORT"] = std::to_string(port);
  env["ANALYTICS_GRPC_PORT"] = std::to_string(FreePort());
  return Start(key, "analytics/analytics", port, env);
}

nlohmann::json E2eSuite::Summary() { return HttpGet(analytics_port_, "/v1/summary").Json(); }

nlohmann::json E2eSuite::Request(const std::string& tracking_code) {
  auto j = HttpGet(open311_port_, "/open311/v2/requests/" + tracking_code + ".json?extensions=true").Json();
  if (!j.is_array() || j.empty()) return nlohmann::json();
  // The extension fields (detailed_status, district, channel, ...) read as top-level ones, and
  // what Open311 sends as null (not known yet) reads as "".
  nlohmann::json r = j[0];
  if (r.contains("extended_attributes")) {
    for (auto& [k, v] : r["extended_attributes"].items()) {
      if (!r.contains(k)) r[k] = v;
    }
  }
  for (auto& [k, v] : r.items()) {
    if (v.is_null()) v = "";
  }
  return r;
}

ServiceProcess& E2eSuite::StartCallCenter(std::map<std::string, std::string> env) {
  const std::string key = "callcenter";
  int port = http_ports_.count(key) ? http_ports_[key] : FreePort();
  if (!grpc_ports_.count(key)) grpc_ports_[key] = FreePort();
  env["CALLCENTER_HTTP_PORT"] = std::to_string(port);
  env["CALLCENTER_GRPC_PORT"] = std::to_string(grpc_ports_[key]);
  return Start(key, "channel_callcenter/channel_callcenter", port, std::move(env));
}

std::unique_ptr<v1::CallCenterService::Stub> E2eSuite::CallCenter() {
  return v1::CallCenterService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_ports_.at("callcenter")),
                          grpc::InsecureChannelCredentials()));
}

ServiceProcess& E2eSuite::StartWhatsApp(const std::string& api_base_url,
                                        std::map<std::string, std::string> env) {
  const std::string key = "whatsapp";
  int port = http_ports_.count(key) ? http_ports_[key] : FreePort();
  std::map<std::string, std::string> vars = {{"WHATSAPP_HTTP_PORT", std::to_string(port)},
                                             {"WHATSAPP_APP_SECRET", kWhatsAppAppSecret},
                                             {"WHATSAPP_VERIFY_TOKEN", kWhatsAppVerifyToken},
                                             {"WHATSAPP_ACCESS_TOKEN", kWhatsAppAccessToken},
                                             {"WHATSAPP_API_BASE_URL", api_base_url}};
  for (auto& [k, v] : env) vars[k] = v;
  return Start(key, "channel_whatsapp/channel_whatsapp", port, std::move(vars));
}

ServiceProcess& E2eSuite::StartNotifier(std::map<std::string, std::string> env) {
  const std::string key = "notifier";
  int port = http_ports_.count(key) ? http_ports_[key] : FreePort();
  env["NOTIFIER_HTTP_PORT"] = std::to_string(port);
  if (!env.count("NOTIFIER_SEND_BACKOFF_MS")) env["NOTIFIER_SEND_BACKOFF_MS"] = "50";
  return Start(key, "notifier/notifier", port, std::move(env));
}

}  // namespace teksin::testing
