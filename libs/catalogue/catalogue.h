// The request catalogue (deploy/config/service-catalogue.json): what citizens can ask for, as
// Open311 services, with each category's priority and target.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "calendar/working_calendar.h"
#include "teksin/v1/case.pb.h"

namespace teksin::catalogue {

struct ServiceDef {
  std::string code;
  std::string name_tr, name_en, description_tr, description_en, group;
  std::vector<v1::RequestType> request_types;
  int priority = 3;  // 1..5
  calendar::Target target;
  calendar::LegalBasis legal_basis = calendar::LegalBasis::kNone;
  std::string dataset_label;
  std::vector<std::string> keywords_tr;
  bool emergency = false;
};

class Catalogue {
 public:
  static absl::StatusOr<Catalogue> LoadFile(const std::string& path);
  static absl::StatusOr<Catalogue> LoadJson(const std::string& text);

  const ServiceDef* Find(const std::string& code) const;
  const std::vector<ServiceDef>& services() const { return services_; }
  const std::string& version() const { return version_; }

 private:
  std::string version_;
  std::vector<ServiceDef> services_;
  std::map<std::string, size_t> index_;
};

// "COMPLAINT" -> REQUEST_TYPE_COMPLAINT; also the Turkish words (sikayet, talep, ...).
bool ParseRequestType(const std::string& s, v1::RequestType* out);
const char* RequestTypeName(v1::RequestType t);  // "complaint"
const char* ChannelName(v1::Channel c);          // "mobile_app"
const char* AgeGroupName(v1::AgeGroup a);        // "30-44"
const char* OwnerKindName(v1::OwnerKind k);      // "METROPOLITAN_DEPARTMENT"
const char* CaseStatusName(v1::CaseStatus s);    // "routed"

}  // namespace teksin::catalogue
