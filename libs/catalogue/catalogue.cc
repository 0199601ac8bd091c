#include "catalogue/catalogue.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "events/topics.h"
#include "nlohmann/json.hpp"

namespace teksin::catalogue {

bool ParseRequestType(const std::string& raw, v1::RequestType* out) {
  std::string s = absl::AsciiStrToLower(raw);
  static const std::map<std::string, v1::RequestType> kMap = {
      {"request", v1::REQUEST_TYPE_REQUEST},         {"talep", v1::REQUEST_TYPE_REQUEST},
      {"complaint", v1::REQUEST_TYPE_COMPLAINT},     {"sikayet", v1::REQUEST_TYPE_COMPLAINT},
      {"suggestion", v1::REQUEST_TYPE_SUGGESTION},   {"oneri", v1::REQUEST_TYPE_SUGGESTION},
      {"wish", v1::REQUEST_TYPE_WISH},               {"dilek", v1::REQUEST_TYPE_WISH},
      {"tip", v1::REQUEST_TYPE_TIP},                 {"ihbar", v1::REQUEST_TYPE_TIP},
      {"information", v1::REQUEST_TYPE_INFORMATION}, {"bilgi", v1::REQUEST_TYPE_INFORMATION},
      {"thanks", v1::REQUEST_TYPE_THANKS},           {"tesekkur", v1::REQUEST_TYPE_THANKS},
  };
  auto it = kMap.find(s);
  if (it == kMap.end()) return false;
  *out = it->second;
  return true;
}

const char* RequestTypeName(v1::RequestType t) {
  switch (t) {
    case v1::REQUEST_TYPE_REQUEST: return "request";
    case v1::REQUEST_TYPE_COMPLAINT: return "complaint";
    case v1::REQUEST_TYPE_SUGGESTION: return "suggestion";
    case v1::REQUEST_TYPE_WISH: return "wish";
    case v1::REQUEST_TYPE_TIP: return "tip";
    case v1::REQUEST_TYPE_INFORMATION: return "information";
    case v1::REQUEST_TYPE_THANKS: return "thanks";
    default: return "unspecified";
  }
}

const char* ChannelName(v1::Channel c) {
  switch (c) {
    case v1::CHANNEL_CALL_CENTER: return "call_center";
    case v1::CHANNEL_WHATSAPP: return "whatsapp";
    case v1::CHANNEL_MOBILE_APP: return "mobile_app";
    case v1::CHANNEL_WEB: return "web";
    case v1::CHANNEL_WALK_IN: return "walk_in";
    default: return "unspecified";
  }
}

const char* AgeGroupName(v1::AgeGroup a) {
  switch (a) {
    case v1::AGE_GROUP_UNDER_18: return "0-17";
    case v1::AGE_GROUP_18_29: return "18-29";
    case v1::AGE_GROUP_30_44: return "30-44";
    case v1::AGE_GROUP_45_64: return "45-64";
    case v1::AGE_GROUP_65_PLUS: return "65+";
    default: return "unknown";
  }
}

const char* OwnerKindName(v1::OwnerKind k) {
  switch (k) {
    case v1::OWNER_KIND_METROPOLITAN_DEPARTMENT: return "METROPOLITAN_DEPARTMENT";
    case v1::OWNER_KIND_DISTRICT_MUNICIPALITY: return "DISTRICT_MUNICIPALITY";
    case v1::OWNER_KIND_UTILITY: return "UTILITY";
    case v1::OWNER_KIND_EXTERNAL_INSTITUTION: return "EXTERNAL_INSTITUTION";
    case v1::OWNER_KIND_COORDINATION_CENTRE: return "COORDINATION_CENTRE";
    default: return "UNSPECIFIED";
  }
}

const char* CaseStatusName(v1::CaseStatus s) {
  switch (s) {
    case v1::CASE_STATUS_RECEIVED: return "received";
    case v1::CASE_STATUS_REGISTERED: return "registered";
    case v1::CASE_STATUS_ROUTED: return "routed";
    case v1::CASE_STATUS_FORWARDED: return "forwarded";
    case v1::CASE_STATUS_IN_PROGRESS: return "in_progress";
    case v1::CASE_STATUS_WAITING_FOR_CITIZEN: return "waiting_for_citizen";
    case v1::CASE_STATUS_RESOLVED: return "resolved";
    case v1::CASE_STATUS_REJECTED: return "rejected";
    case v1::CASE_STATUS_REOPENED: return "reopened";
    case v1::CASE_STATUS_CLOSED: return "closed";
    default: return "unspecified";
  }
}

absl::StatusOr<Catalogue> Catalogue::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open catalogue ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = LoadJson(ss.str());
  if (!c.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", c.status().message()));
  return c;
}

absl::StatusOr<Catalogue> Catalogue::LoadJson(const std::string& text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("not valid JSON");
  Catalogue c;
  std::vector<std::string> errors;
  try {
    c.version_ = doc.at("version").get<std::string>();
    for (const auto& s : doc.at("services")) {
      ServiceDef d;
      d.code = s.at("code").get<std::string>();
      std::string where = absl::StrCat("service \"", d.code, "\": ");
      if (!events::IsValidUnitId(d.code)) errors.push_back(where + "code must be [a-z0-9-]+");
      if (c.index_.count(d.code)) errors.push_back(where + "duplicate code");
      d.name_tr = s.at("name_tr").get<std::string>();
      d.name_en = s.value("name_en", d.name_tr);
      d.description_tr = s.value("description_tr", d.name_tr);
      d.description_en = s.value("description_en", d.name_en);
      d.group = s.value("group", "");
      for (const auto& t : s.value("request_types", nlohmann::json::array())) {
        v1::RequestType rt;
        if (!ParseRequestType(t.get<std::string>(), &rt)) {
          errors.push_back(where + "unknown request type " + t.get<std::string>());
        } else {
          d.request_types.push_back(rt);
        }
      }
      d.priority = s.value("priority", 3);
      if (d.priority < 1 || d.priority > 5) errors.push_back(where + "priority must be 1..5");
      const auto& t = s.at("target");
      std::string kind = t.at("kind").get<std::string>();
      d.target.value = t.at("value").get<int>();
      if (kind == "hours") d.target.kind = calendar::Target::Kind::kHours;
      else if (kind == "working_days") d.target.kind = calendar::Target::Kind::kWorkingDays;
      else if (kind == "calendar_days") d.target.kind = calendar::Target::Kind::kCalendarDays;
      else errors.push_back(where + "target.kind must be hours|working_days|calendar_days");
      if (d.target.value <= 0) errors.push_back(where + "target.value must be positive");
      std::string basis = s.value("legal_basis", "");
      if (basis == "3071") d.legal_basis = calendar::LegalBasis::kLaw3071;
      else if (basis == "4982") d.legal_basis = calendar::LegalBasis::kLaw4982;
      else if (!basis.empty()) errors.push_back(where + "legal_basis must be 3071, 4982 or empty");
      d.dataset_label = s.value("dataset_label", "");
      d.keywords_tr = s.value("keywords_tr", std::vector<std::string>{});
      d.emergency = s.value("emergency", false);
      c.index_[d.code] = c.services_.size();
      c.services_.push_back(std::move(d));
    }
  } catch (const nlohmann::json::exception& e) {
    errors.push_back(e.what());
  }
  if (c.services_.empty() && errors.empty()) errors.push_back("no services");
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  return c;
}

const ServiceDef* Catalogue::Find(const std::string& code) const {
  auto it = index_.find(code);
  return it == index_.end() ? nullptr : &services_[it->second];
}

}  // namespace teksin::catalogue
