// Routing rules as data (deploy/config/routing-rules.json): category x district -> owner.
// Validated at load; a rule naming a district wins over the category's "*" rule; "@district"
// means the district municipality of the case's district.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "catalogue/catalogue.h"
#include "teksin/v1/case.pb.h"

namespace teksin::catalogue {

struct OwnerDef {
  std::string id, name, district;
  v1::OwnerKind kind = v1::OWNER_KIND_UNSPECIFIED;
};

struct Rule {
  std::string id, category, owner, note;
  std::vector<std::string> districts;  // {"*"} for every district
  // Optional ("deadline_seconds"): a deadline in calendar seconds from receipt that replaces the
  // catalogue's target. The shipped rules do not use it; the e2e tests' rules do, to have a
  // deadline pass within seconds. 0: the catalogue's target.
  int64_t deadline_seconds = 0;
};

struct Decision {
  OwnerDef owner;
  std::string rule_id;
  int64_t deadline_seconds = 0;  // the rule's override, 0 if none
};

class RoutingRules {
 public:
  // Every problem is reported at once, each naming the rule or owner at fault.
  static absl::StatusOr<RoutingRules> LoadFile(const std::string& path, const Catalogue& catalogue,
                                               const std::vector<std::string>& districts);
  static absl::StatusOr<RoutingRules> LoadJson(const std::string& text, const Catalogue& catalogue,
                                               const std::vector<std::string>& districts);

  // Always answers: an unknown category or a district without its municipality falls to the
  // default owner (the coordination centre) with rule id "default".
  Decision Decide(const std::string& category, const std::string& district) const;
  const OwnerDef* FindOwner(const std::string& id) const;
  const std::vector<OwnerDef>& owners() const { return owners_; }
  const std::vector<Rule>& rules() const { return rules_; }
  const std::string& version() const { return version_; }
  const std::string& default_owner() const { return default_owner_; }

 private:
  std::string version_, default_owner_;
  std::vector<OwnerDef> owners_;
  std::vector<Rule> rules_;
  std::map<std::string, size_t> owner_index_;
  // category -> district ("*" for the fallback) -> rule index
  std::map<std::string, std::map<std::string, size_t>> table_;
};

bool ParseOwnerKind(const std::string& s, v1::OwnerKind* out);

}  // namespace teksin::catalogue
