// Reloads the routing rules without a restart. Every poll (ROUTING_RULES_POLL_INTERVAL) reads the
// rules file; when its content changed, the new rules are validated in full (the same checks as at
// start) and, only if valid, replace the old ones. A file that does not validate leaves the old
// rules in force, logs every problem once, and counts a failure. Metrics:
//   teksin_routing_rules_info{version}            1 for the rules in force
//   teksin_routing_rules_reloads_total{result}    ok | error
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "catalogue/routing_rules.h"
#include "metrics/registry.h"
#include "routing/routing_service.h"

namespace teksin::routing {

class RulesReloader {
 public:
  using Loader = std::function<absl::StatusOr<catalogue::RoutingRules>(const std::string& text)>;
  // Called with valid new rules before they take effect (e.g. to create new owners' topics); an
  // error keeps the old rules, and the next poll tries again.
  using Prepare = std::function<absl::Status(const catalogue::RoutingRules&)>;

  RulesReloader(std::string path, Loader load, Prepare prepare, RoutingService& service,
                metrics::Registry& registry);

  enum class Result { kUnchanged, kReloaded, kRejected, kUnreadable };
  // Reads the file and applies it if it changed since the last check.
  Result CheckOnce();

 private:
  void SetVersion(const std::string& version);

  std::string path_;
  Loader load_;
  Prepare prepare_;
  RoutingService& service_;
  std::string last_text_;   // the content last looked at (applied or rejected)
  bool last_unreadable_ = false;
  std::string version_;
  metrics::Family<metrics::Gauge>& info_;
  metrics::Family<metrics::Counter>& reloads_;
};

}  // namespace teksin::routing
