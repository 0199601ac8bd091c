#include "routing/rules_reloader.h"

#include <fstream>
#include <sstream>

#include "common/log.h"

namespace teksin::routing {

RulesReloader::RulesReloader(std::string path, Loader load, Prepare prepare,
                             RoutingService& service, metrics::Registry& registry)
    : path_(std::move(path)), load_(std::move(load)), prepare_(std::move(prepare)),
      service_(service),
      info_(registry.AddGauge("teksin_routing_rules_info",
                              "1 for the version of the routing rules in force", {"version"})),
      reloads_(registry.AddCounter("teksin_routing_rules_reloads_total",
                                   "Changed rules files seen: ok (in force) or error (rejected, old "
                                   "rules kept)",
                                   {"result"})) {
  auto current = service_.rules();
  std::ifstream in(path_);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    last_text_ = ss.str();  // what the service started with
  }
  reloads_.With({"ok"});
  reloads_.With({"error"});
  SetVersion(current->version());
}

void RulesReloader::SetVersion(const std::string& version) {
  if (!version_.empty() && version_ != version) info_.Remove({version_});
  version_ = version;
  info_.With({version_}).Set(1);
}

RulesReloader::Result RulesReloader::CheckOnce() {
  std::ifstream in(path_);
  if (!in) {
    if (!last_unreadable_) {
      common::LogError("routing rules file cannot be read, the rules in force stay",
                       {{"file", path_}, {"rules_version", version_}});
      reloads_.With({"error"}).Inc();
    }
    last_unreadable_ = true;
    return Result::kUnreadable;
  }
  last_unreadable_ = false;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text == last_text_) return Result::kUnchanged;
  auto rules = load_(text);
  absl::Status prepared = rules.ok() ? prepare_(*rules) : rules.status();
  if (!prepared.ok()) {
    if (rules.ok()) {
      // Valid rules that could not be prepared (Kafka down): try again at the next poll.
      common::LogWarn("new routing rules not applied yet", {{"file", path_}, {"error", prepared.ToString()}});
      return Result::kRejected;
    }
    last_text_ = text;  // logged once, until the file changes again
    reloads_.With({"error"}).Inc();
    common::LogError("routing rules rejected, the rules in force stay",
                     {{"file", path_}, {"rules_version", version_},
                      {"error", std::string(rules.status().message())}});
    return Result::kRejected;
  }
  last_text_ = text;
  auto ptr = std::make_shared<const catalogue::RoutingRules>(std::move(*rules));
  const std::string old = version_;
  service_.ReplaceRules(ptr);
  SetVersion(ptr->version());
  reloads_.With({"ok"}).Inc();
  common::LogInfo("routing rules reloaded",
                  {{"file", path_}, {"rules_version", ptr->version()}, {"previous_version", old},
                   {"rules", ptr->rules().size()}, {"owners", ptr->owners().size()}});
  return Result::kReloaded;
}

}  // namespace teksin::routing
