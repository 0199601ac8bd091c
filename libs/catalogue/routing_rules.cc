#include "catalogue/routing_rules.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "events/topics.h"
#include "nlohmann/json.hpp"

namespace teksin::catalogue {

bool ParseOwnerKind(const std::string& s, v1::OwnerKind* out) {
  static const std::map<std::string, v1::OwnerKind> kMap = {
      {"METROPOLITAN_DEPARTMENT", v1::OWNER_KIND_METROPOLITAN_DEPARTMENT},
      {"DISTRICT_MUNICIPALITY", v1::OWNER_KIND_DISTRICT_MUNICIPALITY},
      {"UTILITY", v1::OWNER_KIND_UTILITY},
      {"EXTERNAL_INSTITUTION", v1::OWNER_KIND_EXTERNAL_INSTITUTION},
      {"COORDINATION_CENTRE", v1::OWNER_KIND_COORDINATION_CENTRE},
  };
  auto it = kMap.find(s);
  if (it == kMap.end()) return false;
  *out = it->second;
  return true;
}

absl::StatusOr<RoutingRules> RoutingRules::LoadFile(const std::string& path,
                                                    const Catalogue& catalogue,
                                                    const std::vector<std::string>& districts) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open routing rules ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = LoadJson(ss.str(), catalogue, districts);
  if (!r.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", r.status().message()));
  return r;
}

absl::StatusOr<RoutingRules> RoutingRules::LoadJson(const std::string& text,
                                                    const Catalogue& catalogue,
                                                    const std::vector<std::string>& districts) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("not valid JSON");
  RoutingRules r;
  std::vector<std::string> errors;
  std::set<std::string> known_districts(districts.begin(), districts.end());
  std::set<std::string> used_owners;
  try {
    r.version_ = doc.at("version").get<std::string>();
    r.default_owner_ = doc.at("default_owner").get<std::string>();
    for (const auto& o : doc.at("owners")) {
      OwnerDef d;
      d.id = o.at("id").get<std::string>();
      d.name = o.at("name").get<std::string>();
      d.district = o.value("district", "");
      std::string where = absl::StrCat("owner \"", d.id, "\": ");
      if (!events::IsValidUnitId(d.id)) {
        errors.push_back(where + "id must be lower-case ASCII [a-z0-9-] (it names a Kafka topic)");
      }
      if (!ParseOwnerKind(o.at("kind").get<std::string>(), &d.kind)) {
        errors.push_back(where + "unknown kind " + o.at("kind").get<std::string>());
      }
      if (d.kind == v1::OWNER_KIND_DISTRICT_MUNICIPALITY && !known_districts.count(d.district)) {
        errors.push_back(where + "district \"" + d.district + "\" is not a known district");
      }
      if (r.owner_index_.count(d.id)) errors.push_back(where + "duplicate id");
      r.owner_index_[d.id] = r.owners_.size();
      r.owners_.push_back(std::move(d));
    }
    if (!r.owner_index_.count(r.default_owner_)) {
      errors.push_back("default_owner \"" + r.default_owner_ + "\" is not among the owners");
    }
    used_owners.insert(r.default_owner_);
    std::set<std::string> rule_ids;
    for (const auto& j : doc.at("rules")) {
      Rule rule;
      rule.id = j.at("id").get<std::string>();
      rule.category = j.at("category").get<std::string>();
      rule.owner = j.at("owner").get<std::string>();
      rule.note = j.value("note", "");
      rule.districts = j.at("districts").get<std::vector<std::string>>();
      std::string where = absl::StrCat("rule \"", rule.id, "\": ");
      if (j.contains("deadline_seconds")) {
        const auto& d = j.at("deadline_seconds");
        if (!d.is_number_integer() || d.get<int64_t>() < 1 || d.get<int64_t>() > 30LL * 86400) {
          errors.push_back(where + "deadline_seconds must be a whole number from 1 to 2592000 (30 days)");
        } else {
          rule.deadline_seconds = d.get<int64_t>();
        }
      }
      if (!rule_ids.insert(rule.id).second) errors.push_back(where + "duplicate rule id");
      if (!catalogue.Find(rule.category)) {
        errors.push_back(where + "category \"" + rule.category + "\" is not in the catalogue");
      }
      if (rule.owner == "@district") {
        for (const auto& o : r.owners_) {
          if (o.kind == v1::OWNER_KIND_DISTRICT_MUNICIPALITY) used_owners.insert(o.id);
        }
      } else if (!r.owner_index_.count(rule.owner)) {
        errors.push_back(where + "owner \"" + rule.owner + "\" is not among the owners");
      } else {
        used_owners.insert(rule.owner);
      }
      if (rule.districts.empty()) errors.push_back(where + "districts is empty (use [\"*\"])");
      size_t index = r.rules_.size();
      for (const auto& d : rule.districts) {
        if (d != "*" && !known_districts.count(d)) {
          errors.push_back(where + "unknown district \"" + d + "\"");
        }
        auto& slot = r.table_[rule.category];
        if (slot.count(d)) {
          errors.push_back(where + "overlaps rule \"" + r.rules_[slot[d]].id + "\" for " +
                           rule.category + " in " + d);
        }
        slot[d] = index;
      }
      r.rules_.push_back(std::move(rule));
    }
  } catch (const nlohmann::json::exception& e) {
    errors.push_back(e.what());
  }
  for (const auto& s : catalogue.services()) {
    if (!r.table_[s.code].count("*")) {
      errors.push_back("category \"" + s.code + "\" has no \"*\" rule");
    }
  }
  for (const auto& d : districts) {
    bool has = false;
    for (const auto& o : r.owners_) has = has || (o.kind == v1::OWNER_KIND_DISTRICT_MUNICIPALITY && o.district == d);
    if (!has) errors.push_back("district \"" + d + "\" has no district municipality owner");
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  return r;
}

Decision RoutingRules::Decide(const std::string& category, const std::string& district) const {
  Decision fallback{*FindOwner(default_owner_), "default"};
  auto cat = table_.find(category);
  if (cat == table_.end()) return fallback;
  auto it = cat->second.find(district);
  if (it == cat->second.end()) it = cat->second.find("*");
  if (it == cat->second.end()) return fallback;
  const Rule& rule = rules_[it->second];
  if (rule.owner == "@district") {
    for (const auto& o : owners_) {
      if (o.kind == v1::OWNER_KIND_DISTRICT_MUNICIPALITY && o.district == district) {
        return {o, rule.id, rule.deadline_seconds};
      }
    }
    return fallback;
  }
  return {*FindOwner(rule.owner), rule.id, rule.deadline_seconds};
}

const OwnerDef* RoutingRules::FindOwner(const std::string& id) const {
  auto it = owner_index_.find(id);
  return it == owner_index_.end() ? nullptr : &owners_[it->second];
}

}  // namespace teksin::catalogue
