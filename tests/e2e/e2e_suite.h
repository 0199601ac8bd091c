// A whole suite for one test: its own topic and key prefix on the shared broker and Redis,
// each service a child process on free ports.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "catalogue/catalogue.h"
#include "catalogue/routing_rules.h"
#include "geo/district_locator.h"
#include "support/suite_harness.h"
#include "teksin/v1/callcenter_service.grpc.pb.h"
#include "teksin/v1/department_service.grpc.pb.h"

namespace teksin::testing {

inline constexpr char kApiKey[] = "e2e-test-key";
// The WhatsApp channel's Meta app secret, webhook verify token and Cloud API token in e2e tests.
inline constexpr char kWhatsAppAppSecret[] = "e2e-whatsapp-app-secret";
inline constexpr char kWhatsAppVerifyToken[] = "e2e-whatsapp-verify-token";
inline constexpr char kWhatsAppAccessToken[] = "e2e-whatsapp-access-token";
// The contact vault's key (AES-256, hex) every service of an e2e suite shares.
inline constexpr char kContactVaultKey[] =
    "e2e0c0ffee0123456789abcdef0123456789abcdef0123456789abcdef012345";

class E2eSuite {
 public:
  explicit E2eSuite(const std::string& name);
  ~E2eSuite();

  // Starts a service; `instance` tells two instances of one service apart.
  ServiceProcess& StartOpen311();
  // `env` adds or overrides variables (e.g. INTAKE_CLASSIFIER_MODEL, INTAKE_GRPC_PORT).
  ServiceProcess& StartIntake(const std::string& instance = "1",
                              std::map<std::string, std::string> env = {});
  ServiceProcess& StartRouting(const std::string& instance = "1");
  ServiceProcess& StartAnalytics(const std::string& instance = "1");
  // Another analytics on its own port (http_port("analytics-<instance>")), e.g. a replay into a
  // fresh namespace and consumer group.
  ServiceProcess& StartExtraAnalytics(const std::string& instance, std::map<std::string, std::string> env);
  ServiceProcess& StartWorker(const std::string& unit, const std::string& instance = "1");
  // One department_worker hosting several units (DEPARTMENT_WORKER_UNITS), key
  // "workers-<instance>"; Staff(unit, instance) and http_port("worker-<unit>-<instance>") reach
  // it for each of them (requests must then name the unit).
  ServiceProcess& StartWorkers(const std::vector<std::string>& units,
                               const std::string& instance = "1");
  // Waits until /healthz answers 200.
  void WaitHealthy(const std::string& key);

  int open311_port() const { return open311_port_; }
  int analytics_port() const { return analytics_port_; }
  int http_port(const std::string& key) const { return http_ports_.at(key); }
  std::unique_ptr<v1::StaffService::Stub> Staff(const std::string& unit, const std::string& instance = "1");
  ServiceProcess& process(const std::string& key) { return *processes_.at(key); }

  // POSTs one case (form-encoded); returns the tracking code, or "" with the status in *status.
  std::string Submit(const std::string& service_code, double lat, double lon,
                     const std::string& text, const std::string& phone, int* status = nullptr);
  nlohmann::json Summary();
  nlohmann::json Request(const std::string& tracking_code);

  // The WhatsApp channel (key "whatsapp"): replies go to `api_base_url` (a recorder in the
  // test); `env` adds or overrides variables. Its port: http_port("whatsapp").
  ServiceProcess& StartWhatsApp(const std::string& api_base_url,
                                std::map<std::string, std::string> env = {});

  const catalogue::Catalogue& catalogue() const { return *catalogue_; }
  const catalogue::RoutingRules& rules() const { return *rules_; }
  const geo::DistrictLocator& districts() const { return *districts_; }
  const std::string& prefix() const { return prefix_; }
  const Infra& infra() const { return infra_; }

  // The call centre channel ("callcenter"): HTTP for /metrics and /healthz, gRPC for consoles.
  ServiceProcess& StartCallCenter(std::map<std::string, std::string> env = {});
  std::unique_ptr<v1::CallCenterService::Stub> CallCenter();

  // The notifier ("notifier"): `env` names its senders (NOTIFIER_WHATSAPP_API_BASE_URL,
  // NOTIFIER_SMS_GATEWAY_URL, ... pointed at local recorders) and adds or overrides variables.
  ServiceProcess& StartNotifier(std::map<std::string, std::string> env = {});

 private:
  ServiceProcess& Start(const std::string& key, const std::string& binary, int http_port,
                        std::map<std::string, std::string> env);
  std::map<std::string, std::string> CommonEnv() const;

  std::string name_, prefix_, dir_;
  Infra infra_;
  int open311_port_ = 0, analytics_port_ = 0;
  std::map<std::string, int> http_ports_, grpc_ports_;
  std::map<std::string, std::unique_ptr<ServiceProcess>> processes_;
  std::unique_ptr<catalogue::Catalogue> catalogue_;
  std::unique_ptr<catalogue::RoutingRules> rules_;
  std::unique_ptr<geo::DistrictLocator> districts_;
};

}  // namespace teksin::testing
