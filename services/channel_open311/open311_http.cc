#include "channel_open311/open311_http.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "catalogue/catalogue.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/time_util.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace teksin::channel_open311 {
namespace {

using json = nlohmann::ordered_json;

// ---- Formats: one JSON document, rendered as JSON or as the spec's XML ----------------------

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

// Open311 names the items of a list after the list: <services><service>, <attributes><attribute>.
std::string ItemName(const std::string& list) {
  static const std::map<std::string, std::string> kItems = {
      {"services", "service"},     {"service_requests", "request"}, {"attributes", "attribute"},
      {"values", "value"},         {"endpoints", "endpoint"},       {"formats", "format"},
      {"errors", "error"},         {"status_history", "status_change"}};
  auto it = kItems.find(list);
  return it == kItems.end() ? "item" : it->second;
}

void AppendXml(std::string& out, const std::string& name, const json& v) {
  if (v.is_null() || (v.is_string() && v.get<std::string>().empty())) {
    out += "<" + name + "/>";
  } else if (v.is_object()) {
    out += "<" + name + ">";
    for (const auto& [k, child] : v.items()) AppendXml(out, k, child);
    out += "</" + name + ">";
  } else if (v.is_array()) {
    out += "<" + name + ">";
    for (const auto& child : v) AppendXml(out, ItemName(name), child);
    out += "</" + name + ">";
  } else if (v.is_string()) {
    out += "<" + name + ">" + XmlEscape(v.get<std::string>()) + "</" + name + ">";
  } else {
    out += "<" + name + ">" + v.dump() + "</" + name + ">";
  }
}

void Reply(httplib::Response& res, bool xml, int status, const std::string& root, const json& body) {
  res.status = status;
  if (xml) {
    std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";
    AppendXml(out, root, body);
    res.set_content(out, "text/xml; charset=utf-8");
  } else {
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                    "application/json; charset=utf-8");
  }
}

void Error(httplib::Response& res, bool xml, int code, const std::string& description) {
  Reply(res, xml, code, "errors", json::array({{{"code", code}, {"description", description}}}));
}

int HttpCode(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kFailedPrecondition: return 409;
    case absl::StatusCode::kResourceExhausted: return 429;
    default: return 503;
  }
}

void Fail(httplib::Response& res, bool xml, const absl::Status& s) {
  int code = HttpCode(s);
  if (code == 429) {
    auto retry = s.GetPayload("retry-after");
    if (retry) res.set_header("Retry-After", std::string(*retry));
  }
  if (code >= 500) common::LogError("open311 request failed", {{"error", s.ToString()}});
  Error(res, xml, code, std::string(s.message()));
}

bool English(const httplib::Request& req) {
  return req.get_param_value("locale").rfind("en", 0) == 0;
}

// ---- Documents ------------------------------------------------------------------------------

json NullIfEmpty(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json NumberOrNull(const std::string& s) {
  double d = 0;
  return absl::SimpleAtod(s, &d) ? json(d) : json(nullptr);
}

struct TypeName {
  v1::RequestType type;
  const char* key;
  const char* tr;
  const char* en;
};
constexpr TypeName kTypes[] = {
    {v1::REQUEST_TYPE_REQUEST, "request", "Talep", "Request"},
    {v1::REQUEST_TYPE_COMPLAINT, "complaint", "Şikâyet", "Complaint"},
    {v1::REQUEST_TYPE_SUGGESTION, "suggestion", "Öneri", "Suggestion"},
    {v1::REQUEST_TYPE_WISH, "wish", "Dilek", "Wish"},
    {v1::REQUEST_TYPE_TIP, "tip", "İhbar", "Tip"},
    {v1::REQUEST_TYPE_INFORMATION, "information", "Bilgi", "Information"},
    {v1::REQUEST_TYPE_THANKS, "thanks", "Teşekkür", "Thanks"},
};

json ServiceJson(const catalogue::ServiceDef& s, bool en) {
  return {{"service_code", s.code},
          {"service_name", en ? s.name_en : s.name_tr},
          {"description", en ? s.description_en : s.description_tr},
          {"metadata", true},  // every service defines the request_type and age_group attributes
          {"type", "realtime"},
          {"keywords", absl::StrJoin(s.keywords_tr, ",")},
          {"group", s.group}};
}

json DefinitionJson(const catalogue::ServiceDef& s, bool en) {
  json types = json::array();
  for (const auto& t : kTypes) {
    for (auto rt : s.request_types) {
      if (rt == t.type) types.push_back({{"key", t.key}, {"name", en ? t.en : t.tr}});
    }
  }
  json ages = json::array();
  for (const char* a : {"0-17", "18-29", "30-44", "45-64", "65+"}) ages.push_back({{"key", a}, {"name", a}});
  return {
      {"service_code", s.code},
      {"attributes",
       json::array(
           {{{"variable", true},
             {"code", "request_type"},
             {"datatype", "singlevaluelist"},
             {"required", false},
             {"datatype_description", en ? "What kind of application this is" : "Başvurunun türü"},
             {"order", 1},
             {"description", en ? "Request type" : "Başvuru türü"},
             {"values", types}},
            {{"variable", true},
             {"code", "age_group"},
             {"datatype", "singlevaluelist"},
             {"required", false},
             {"datatype_description",
              en ? "Optional, for the municipality's statistics" : "İsteğe bağlı, istatistik için"},
             {"order", 2},
             {"description", en ? "Age group" : "Yaş grubu"},
             {"values", ages}}})}};
}

json RequestJson(const RequestView& v, bool extensions, const std::vector<HistoryEntry>* history) {
  auto get = [&](const std::string& k) {
    auto it = v.find(k);
    return it == v.end() ? std::string() : it->second;
  };
  json r = {{"service_request_id", get("service_request_id")},
            {"status", get("status").empty() ? "open" : get("status")},
            {"status_notes", NullIfEmpty(get("status_notes"))},
            {"service_name", get("service_name")},
            {"service_code", get("service_code")},
            {"description", get("description")},
            {"agency_responsible", NullIfEmpty(get("agency_responsible"))},
            {"service_notice", NullIfEmpty(get("service_notice"))},
            {"requested_datetime", get("requested_datetime")},
            {"updated_datetime", NullIfEmpty(get("updated_datetime"))},
            {"expected_datetime", NullIfEmpty(get("expected_datetime"))},
            {"address", NullIfEmpty(get("address"))},
            {"address_id", NullIfEmpty(get("address_id"))},
            {"zipcode", nullptr},
            {"lat", NumberOrNull(get("lat"))},
            {"long", NumberOrNull(get("long"))},
            {"media_url", NullIfEmpty(get("media_url"))}};
  if (extensions) {
    json ext = {{"channel", get("channel")},
                {"detailed_status", get("detailed_status")},
                {"district", NullIfEmpty(get("district"))},
                {"duplicate_of", NullIfEmpty(get("duplicate_of"))},
                {"repeat_of", NullIfEmpty(get("repeat_of"))},
                {"citizen_note", NullIfEmpty(get("citizen_note"))},
                {"satisfaction", NumberOrNull(get("satisfaction"))},
                {"parent_request_id", NullIfEmpty(get("parent"))}};
    if (history) {
      json h = json::array();
      for (const auto& e : *history) {
        h.push_back({{"status", e.status},
                     {"datetime", common::FormatIso8601Local(absl::FromUnixMicros(e.at_us))},
                     {"note", NullIfEmpty(e.note)}});
      }
      ext["status_history"] = h;
    }
    r["extended_attributes"] = ext;
  }
  return r;
}

// W3C / ISO 8601 date-times, as the spec asks for start_date and end_date.
bool ParseW3c(const std::string& s, absl::Time* out) {
  std::string err;
  for (const char* f : {"%Y-%m-%dT%H:%M:%E*S%Ez", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%E*SZ",
                        "%Y-%m-%d"}) {
    if (absl::ParseTime(f, s, absl::FixedTimeZone(3 * 3600), out, &err)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<Params> ParseRequestBody(const std::string& content_type, const std::string& body) {
  Params params;
  if (content_type.rfind("application/json", 0) == 0) {
    json doc = json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return absl::InvalidArgumentError("the body is not a JSON object");
    }
    for (const auto& [k, v] : doc.items()) {
      if (v.is_string()) {
        params.emplace(k, v.get<std::string>());
      } else if (v.is_number() || v.is_boolean()) {
        params.emplace(k, v.dump());
      } else if (k == "attribute" && v.is_object()) {
        for (const auto& [ak, av] : v.items()) {
          if (!av.is_string() && !av.is_number()) {
            return absl::InvalidArgumentError(absl::StrCat("attribute \"", ak, "\" must be a string"));
          }
          params.emplace("attribute[" + ak + "]", av.is_string() ? av.get<std::string>() : av.dump());
        }
      } else if (!v.is_null()) {
        return absl::InvalidArgumentError(absl::StrCat("field \"", k, "\" must be a string or number"));
      }
    }
    return params;
  }
  if (content_type.rfind("application/x-www-form-urlencoded", 0) == 0 || body.empty()) {
    httplib::Params form;
    httplib::detail::parse_query_text(body, form);
    for (auto& [k, v] : form) params.emplace(k, v);
    return params;
  }
  return absl::InvalidArgumentError(
      "send the request form-encoded (application/x-www-form-urlencoded) or as JSON");
}

void RegisterOpen311Routes(httplib::Server& server, Open311Service& service) {
  const std::string base = "/open311/v2";

  server.Get(base + R"(/discovery\.(json|xml))", [&service, base](const httplib::Request& req,
                                                                  httplib::Response& res) {
    std::string host = req.get_header_value("Host");
    json doc = {{"changeset", service.catalogue().version()},
                {"contact", "Teksin Mersin — Alo 185"},
                {"key_service", "api_key is issued to app and web clients by the municipality"},
                {"endpoints",
                 json::array({{{"specification", "http://wiki.open311.org/GeoReport_v2"},
                               {"url", absl::StrCat("http://", host, base)},
                               {"changeset", service.catalogue().version()},
                               {"type", "production"},
                               {"formats", json::array({"text/xml", "application/json"})}}})}};
    Reply(res, req.matches[1] == "xml", 200, "discovery", doc);
  });

  server.Get(base + R"(/services\.(json|xml))", [&service](const httplib::Request& req,
                                                           httplib::Response& res) {
    json list = json::array();
    for (const auto& s : service.catalogue().services()) list.push_back(ServiceJson(s, English(req)));
    Reply(res, req.matches[1] == "xml", 200, "services", list);
  });

  server.Get(base + R"(/services/([^/]+)\.(json|xml))", [&service](const httplib::Request& req,
                                                                   httplib::Response& res) {
    bool xml = req.matches[2] == "xml";
    const auto* s = service.catalogue().Find(req.matches[1]);
    if (!s) return Error(res, xml, 404, absl::StrCat("no service with code ", std::string(req.matches[1])));
    Reply(res, xml, 200, "service_definition", DefinitionJson(*s, English(req)));
  });

  server.Post(base + R"(/requests\.(json|xml))", [&service](const httplib::Request& req,
                                                            httplib::Response& res) {
    bool xml = req.matches[1] == "xml";
    auto parsed = ParseRequestBody(req.get_header_value("Content-Type"), req.body);
    if (!parsed.ok()) return Error(res, xml, 400, std::string(parsed.status().message()));
    Params params = std::move(*parsed);
    for (const auto& [k, v] : req.params) {
      if (params.find(k) == params.end()) params.emplace(k, v);  // api_key in the query
    }
    // Attribute values must be among the definition's keys.
    auto code = params.find("service_code");
    for (const auto& [k, v] : params) {
      if (k.rfind("attribute[", 0) != 0) continue;
      std::string name = k.substr(10, k.size() - 11);
      if (name == "request_type" || name == "age_group") {
        params.emplace(name, v);
      } else if (code != params.end()) {
        return Error(res, xml, 400, absl::StrCat("service ", code->second, " has no attribute ", name));
      }
    }
    std::string idem = req.get_header_value("Idempotency-Key");
    if (!idem.empty()) params.emplace("idempotency_key", idem);
    auto accepted = service.Submit(params);
    if (!accepted.ok()) return Fail(res, xml, accepted.status());
    Reply(res, xml, 201, "service_requests",
          json::array({{{"service_request_id", accepted->service_request_id},
                        {"token", accepted->case_id},
                        {"service_notice", accepted->service_notice},
                        {"account_id", nullptr}}}));
  });

  // Teksin extension: the citizen confirms, rates or reopens a resolved request.
  server.Post(base + R"(/requests/([^/]+)/feedback\.(json|xml))", [&service](const httplib::Request& req,
                                                                        httplib::Response& res) {
    bool xml = req.matches[2] == "xml";
    auto parsed = ParseRequestBody(req.get_header_value("Content-Type"), req.body);
    if (!parsed.ok()) return Error(res, xml, 400, std::string(parsed.status().message()));
    Params params = std::move(*parsed);
    for (const auto& [k, v] : req.params) {
      if (params.find(k) == params.end()) params.emplace(k, v);
    }
    auto accepted = service.Feedback(req.matches[1], params);
    if (!accepted.ok()) return Fail(res, xml, accepted.status());
    json item = {{"service_request_id", accepted->service_request_id},
                 {"action", accepted->action},
                 {"rating", accepted->rating > 0 ? json(accepted->rating) : json(nullptr)},
                 {"status", "accepted"}};
    Reply(res, xml, 202, "service_requests", json::array({item}));
  });

  server.Get(base + R"(/requests\.(json|xml))", [&service](const httplib::Request& req,
                                                           httplib::Response& res) {
    bool xml = req.matches[1] == "xml";
    RequestQuery q;
    std::string ids = req.get_param_value("service_request_id");
    for (absl::string_view id : absl::StrSplit(ids, ',', absl::SkipWhitespace())) {
      std::string normalized;
      if (!common::NormalizeTrackingCode(std::string(absl::StripAsciiWhitespace(id)), &normalized)) {
        return Error(res, xml, 400, absl::StrCat("\"", std::string(id), "\" is not a service_request_id"));
      }
      q.ids.push_back(normalized);
    }
    q.service_code = req.get_param_value("service_code");
    q.status = req.get_param_value("status");
    if (!q.status.empty() && q.status != "open" && q.status != "closed") {
      return Error(res, xml, 400, "status must be open or closed");
    }
    std::string start = req.get_param_value("start_date"), end = req.get_param_value("end_date");
    absl::Time now = absl::Now();
    if (!end.empty() && !ParseW3c(end, &q.end)) return Error(res, xml, 400, "end_date is not a W3C date-time");
    if (!start.empty() && !ParseW3c(start, &q.start)) {
      return Error(res, xml, 400, "start_date is not a W3C date-time");
    }
    // The spec: a list of ids overrides every other argument.
    if (!q.ids.empty()) {
      q.service_code.clear();
      q.status.clear();
      q.start = absl::InfinitePast();
      q.end = absl::InfiniteFuture();
    }
    // The spec's defaults: the last 90 days, at most 1,000 requests.
    if (q.ids.empty() && start.empty()) {
      q.start = (end.empty() ? now : q.end) - absl::Hours(24 * 90);
    }
    if (q.start > q.end) return Error(res, xml, 400, "start_date is after end_date");
    // Extension: page (1-based) and page_size (at most 1,000).
    std::string page = req.get_param_value("page"), size = req.get_param_value("page_size");
    int page_n = 1, size_n = 1000;
    if ((!page.empty() && (!absl::SimpleAtoi(page, &page_n) || page_n < 1)) ||
        (!size.empty() && (!absl::SimpleAtoi(size, &size_n) || size_n < 1 || size_n > 1000))) {
      return Error(res, xml, 400, "page must be 1 or more and page_size 1 to 1000");
    }
    q.limit = static_cast<size_t>(size_n);
    q.offset = static_cast<size_t>(page_n - 1) * q.limit;
    bool ext = req.get_param_value("extensions") == "true";
    auto found = service.Query(q);
    if (!found.ok()) return Fail(res, xml, found.status());
    json list = json::array();
    for (const auto& v : *found) list.push_back(RequestJson(v, ext, nullptr));
    Reply(res, xml, 200, "service_requests", list);
  });

  server.Get(base + R"(/requests/([^/]+)\.(json|xml))", [&service](const httplib::Request& req,
                                                                   httplib::Response& res) {
    bool xml = req.matches[2] == "xml";
    auto found = service.Find(req.matches[1]);
    if (!found.ok()) return Fail(res, xml, found.status());
    if (!found->has_value()) {
      return Error(res, xml, 404, absl::StrCat("no service request ", std::string(req.matches[1])));
    }
    bool ext = req.get_param_value("extensions") == "true";
    std::vector<HistoryEntry> history;
    if (ext) {
      auto h = service.History((**found).at("service_request_id"));
      if (!h.ok()) return Fail(res, xml, h.status());
      history = std::move(*h);
    }
    Reply(res, xml, 200, "service_requests", json::array({RequestJson(**found, ext, &history)}));
  });

  server.Get(base + R"(/tokens/([^/]+)\.(json|xml))", [&service](const httplib::Request& req,
                                                                 httplib::Response& res) {
    bool xml = req.matches[2] == "xml";
    std::string token = req.matches[1];
    auto id = service.FindByToken(token);
    if (!id.ok()) return Fail(res, xml, id.status());
    if (!id->has_value()) return Error(res, xml, 404, absl::StrCat("no request for token ", token));
    Reply(res, xml, 200, "service_requests",
          json::array({{{"service_request_id", **id}, {"token", token}}}));
  });
}

}  // namespace teksin::channel_open311
