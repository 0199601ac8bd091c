#include "channel_open311/open311_http.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace teksin::channel_open311 {
namespace {

using Row = std::vector<std::pair<std::string, std::string>>;

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

// Open311 bodies are a list of flat records: <root><item>...</item></root> or [ {...} ].
void Reply(httplib::Response& res, bool xml, int status, const std::string& root,
           const std::string& item, const std::vector<Row>& rows) {
  res.status = status;
  if (xml) {
    std::string body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><" + root + ">";
    for (const auto& row : rows) {
      body += "<" + item + ">";
      for (const auto& [k, v] : row) body += "<" + k + ">" + XmlEscape(v) + "</" + k + ">";
      body += "</" + item + ">";
    }
    body += "</" + root + ">";
    res.set_content(body, "text/xml; charset=utf-8");
    return;
  }
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& row : rows) {
    nlohmann::json obj = nlohmann::json::object();
    for (const auto& [k, v] : row) {
      if (v.empty() && (k == "lat" || k == "long" || k == "account_id" || k == "token")) {
        obj[k] = nullptr;
      } else {
        obj[k] = v;
      }
    }
    arr.push_back(obj);
  }
  res.set_content(arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json; charset=utf-8");
}

void Error(httplib::Response& res, bool xml, int code, const std::string& description) {
  Reply(res, xml, code, "errors", "error", {{{"code", std::to_string(code)}, {"description", description}}});
}

int HttpCode(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kResourceExhausted: return 429;
    default: return 503;
  }
}

bool IsXml(const httplib::Request& req) { return req.matches[1] == "xml"; }

}  // namespace

void RegisterOpen311Routes(httplib::Server& server, Open311Service& service) {
  server.Get(R"(/open311/v2/services\.(json|xml))", [&service](const httplib::Request& req,
                                                               httplib::Response& res) {
    bool en = req.get_param_value("locale").rfind("en", 0) == 0;
    std::vector<Row> rows;
    for (const auto& s : service.catalogue().services()) {
      rows.push_back({{"service_code", s.code},
                      {"service_name", en ? s.name_en : s.name_tr},
                      {"description", en ? s.description_en : s.description_tr},
                      {"metadata", "false"},
                      {"type", "realtime"},
                      {"keywords", ""},
                      {"group", s.group}});
    }
    Reply(res, IsXml(req), 200, "services", "service", rows);
  });

  server.Post(R"(/open311/v2/requests\.(json|xml))", [&service](const httplib::Request& req,
                                                                httplib::Response& res) {
    bool xml = IsXml(req);
    Params params;
    std::string type = req.get_header_value("Content-Type");
    if (type.rfind("application/json", 0) == 0) {
      nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) {
        return Error(res, xml, 400, "the body is not a JSON object");
      }
      for (const auto& [k, v] : body.items()) {
        if (v.is_string()) params.emplace(k, v.get<std::string>());
        else if (v.is_number() || v.is_boolean()) params.emplace(k, v.dump());
        else if (!v.is_null()) return Error(res, xml, 400, absl::StrCat("field \"", k, "\" must be a string or number"));
      }
      for (const auto& [k, v] : req.params) params.emplace(k, v);  // api_key in the query
    } else if (type.rfind("application/x-www-form-urlencoded", 0) == 0 || req.body.empty()) {
      for (const auto& [k, v] : req.params) params.emplace(k, v);
    } else {
      return Error(res, xml, 400,
                   "send the request form-encoded (application/x-www-form-urlencoded) or as JSON");
    }
    auto accepted = service.Submit(params);
    if (!accepted.ok()) {
      if (HttpCode(accepted.status()) >= 500) {
        common::LogError("request not accepted", {{"error", accepted.status().ToString()}});
      }
      return Error(res, xml, HttpCode(accepted.status()), std::string(accepted.status().message()));
    }
    Reply(res, xml, 201, "service_requests", "request",
          {{{"service_request_id", accepted->service_request_id},
            {"service_notice", accepted->service_notice},
            {"account_id", ""},
            {"case_id", accepted->case_id}}});
  });

  server.Get(R"(/open311/v2/requests/([^/]+)\.(json|xml))", [&service](const httplib::Request& req,
                                                                       httplib::Response& res) {
    bool xml = req.matches[2] == "xml";
    auto found = service.Find(req.matches[1]);
    if (!found.ok()) return Error(res, xml, HttpCode(found.status()), std::string(found.status().message()));
    if (!found->has_value()) {
      return Error(res, xml, 404, absl::StrCat("no service request ", std::string(req.matches[1])));
    }
    const RequestView& v = **found;
    auto get = [&](const std::string& k) {
      auto it = v.find(k);
      return it == v.end() ? std::string() : it->second;
    };
    Row row;
    for (const char* k : {"service_request_id", "status", "status_notes", "service_name",
                          "service_code", "description", "agency_responsible", "service_notice",
                          "requested_datetime", "updated_datetime", "expected_datetime", "address",
                          "address_id", "zipcode", "lat", "long", "media_url"}) {
      row.emplace_back(k, get(k));
    }
    // Teksin extension fields, additive: the richer status and the district.
    row.emplace_back("detailed_status", get("detailed_status"));
    row.emplace_back("district", get("district"));
    Reply(res, xml, 200, "service_requests", "request", {row});
  });
}

}  // namespace teksin::channel_open311
