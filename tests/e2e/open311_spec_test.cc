// Open311 GeoReport v2 as the spec and real city endpoints shape it: discovery, services and
// definitions, POST with tokens and idempotency, GET requests with the spec's filters and the
// paging/extensions extensions, JSON and XML, errors with the spec's codes, rate limits — and a
// real Open311 client library from PyPI against the running service.
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "e2e/e2e_suite.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace teksin::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The element names directly inside the first <item> of an XML document.
std::set<std::string> ChildElements(const std::string& xml, const std::string& item) {
  std::set<std::string> out;
  auto start = xml.find("<" + item + ">");
  auto end = xml.find("</" + item + ">", start);
  if (start == std::string::npos || end == std::string::npos) return out;
  std::string body = xml.substr(start + item.size() + 2, end - start - item.size() - 2);
  std::regex tag("<([a-z_]+)[ />]");
  int depth = 0;
  for (std::sregex_iterator it(body.begin(), body.end(), tag), e; it != e; ++it) {
    (void)depth;
    out.insert((*it)[1]);
  }
  return out;
}

std::set<std::string> Keys(const nlohmann::json& obj) {
  std::set<std::string> out;
  for (const auto& [k, v] : obj.items()) out.insert(k);
  return out;
}

TEST(Open311Spec, EndpointsFormatsFiltersAndARealClient) {
  E2eSuite suite("o311");
  suite.StartRouting();
  suite.WaitHealthy("routing-1");
  suite.StartWorker("meski");
  suite.StartIntake();
  suite.StartAnalytics();
  suite.StartOpen311();
  for (const char* k : {"worker-meski-1", "intake-1", "analytics-1", "open311"}) suite.WaitHealthy(k);
  const int port = suite.open311_port();
  const std::string base = "/open311/v2";

  // Discovery and services, in both formats.
  auto disc = HttpGet(port, base + "/discovery.json").Json();
  ASSERT_TRUE(disc.is_object());
  EXPECT_EQ(disc["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
  EXPECT_NE(HttpGet(port, base + "/discovery.xml").body.find("<endpoints><endpoint>"), std::string::npos);
  auto services = HttpGet(port, base + "/services.json").Json();
  ASSERT_EQ(services.size(), 49u);
  // The same members as a real city's services.json (Bloomington), with their types.
  auto bloomington = nlohmann::json::parse(
      ReadFile(std::string(TEKSIN_SHARED_DIR) + "/data/open311-samples/open311status_bloomington_services.json"));
  EXPECT_EQ(Keys(services[0]), Keys(bloomington[0]));
  EXPECT_TRUE(services[0]["metadata"].is_boolean());
  auto services_xml = HttpGet(port, base + "/services.xml").body;
  auto sf_services = ReadFile(std::string(TEKSIN_SHARED_DIR) + "/data/open311-samples/open311status_san_francisco_services.xml");
  EXPECT_EQ(ChildElements(services_xml, "service"), ChildElements(sf_services, "service"));
  EXPECT_EQ(HttpGet(port, base + "/services.json?locale=en").Json()[0]["service_name"], "Arterial road defect");
  auto def = HttpGet(port, base + "/services/su-ariza.json").Json();
  EXPECT_EQ(def["service_code"], "su-ariza");
  EXPECT_EQ(def["attributes"][0]["code"], "request_type");
  EXPECT_EQ(def["attributes"][0]["datatype"], "singlevaluelist");
  EXPECT_NE(HttpGet(port, base + "/services/su-ariza.xml").body.find(
                "<service_definition><service_code>su-ariza</service_code><attributes><attribute>"),
            std::string::npos);
  EXPECT_EQ(HttpGet(port, base + "/services/nope.json").status, 404);

  // POST: 201 with the tracking code and a token; the token resolves to the id.
  std::mt19937_64 rng(5);
  auto pt = suite.districts().RandomPointIn("Tarsus", rng);
  ASSERT_TRUE(pt);
  std::vector<std::pair<std::string, std::string>> form = {
      {"api_key", kApiKey}, {"service_code", "su-ariza"}, {"lat", std::to_string(pt->lat)},
      {"long", std::to_string(pt->lon)}, {"description", "Sayaç önünde su kaçağı"},
      {"phone", "0555 444 33 22"}, {"attribute[request_type]", "complaint"}};
  HttpAnswer created = HttpPostForm(port, base + "/requests.json", form);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.Json()[0]["service_request_id"];
  std::string token = created.Json()[0]["token"];
  auto tok = HttpGet(port, base + "/tokens/" + token + ".json").Json();
  ASSERT_TRUE(tok.is_array()) << tok;
  EXPECT_EQ(tok[0]["service_request_id"], id);
  auto bad_attr = form;
  bad_attr.emplace_back("attribute[colour]", "blue");
  EXPECT_EQ(HttpPostForm(port, base + "/requests.json", bad_attr).status, 400);

  // The same POST with the same Idempotency-Key creates nothing new.
  httplib::Client cli("127.0.0.1", port);
  httplib::Headers idem{{"Idempotency-Key", "app-retry-7f3a"}};
  httplib::Params params;
  for (const auto& [k, v] : form) params.emplace(k, v);
  params.emplace("device_id", "phone-1");
  auto first = cli.Post((base + "/requests.json").c_str(), idem, params);
  auto second = cli.Post((base + "/requests.json").c_str(), idem, params);
  ASSERT_TRUE(first && second);
  ASSERT_EQ(first->status, 201);
  ASSERT_EQ(second->status, 201);
  EXPECT_EQ(nlohmann::json::parse(first->body)[0]["service_request_id"],
            nlohmann::json::parse(second->body)[0]["service_request_id"]);
  std::string retried = nlohmann::json::parse(first->body)[0]["service_request_id"];

  // Routed: the request shows its agency; the real city samples' members, JSON and XML.
  ASSERT_TRUE(WaitUntil([&] { return !suite.Request(id).value("agency_responsible", "").empty(); },
                        std::chrono::seconds(60)));
  auto one = HttpGet(port, base + "/requests/" + id + ".json").Json()[0];
  auto bl_requests = nlohmann::json::parse(
      ReadFile(std::string(TEKSIN_SHARED_DIR) + "/data/open311-samples/open311status_bloomington_requests.json"));
  for (const auto& k : Keys(bl_requests[0])) EXPECT_TRUE(one.contains(k)) << "missing member " << k;
  EXPECT_TRUE(one["lat"].is_number());
  EXPECT_EQ(one["status"], "open");
  auto xml = HttpGet(port, base + "/requests/" + id + ".xml").body;
  auto sf_requests = ReadFile(std::string(TEKSIN_SHARED_DIR) + "/data/open311-samples/open311status_san_francisco_requests.xml");
  for (const auto& e : ChildElements(sf_requests, "request")) {
    EXPECT_NE(xml.find("<" + e), std::string::npos) << "missing element " << e;
  }
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request>", 0), 0u) << xml;

  // Extensions: channel, detailed status and the status history.
  auto ext = HttpGet(port, base + "/requests/" + id + ".json?extensions=true").Json()[0];
  EXPECT_EQ(ext["extended_attributes"]["channel"], "web");
  EXPECT_EQ(ext["extended_attributes"]["district"], "Tarsus");
  std::vector<std::string> statuses;
  for (const auto& h : ext["extended_attributes"]["status_history"]) statuses.push_back(h["status"]);
  ASSERT_GE(statuses.size(), 3u) << ext;
  EXPECT_EQ(statuses[0], "received");
  EXPECT_EQ(statuses[1], "registered");
  EXPECT_EQ(statuses[2], "forwarded");  // MESKİ is a separate legal entity
  EXPECT_EQ(HttpGet(port, base + "/requests/" + id + ".json").Json()[0].contains("extended_attributes"), false);

  // GET requests: by id list, by service, by status, by date; paging.
  auto list = HttpGet(port, base + "/requests.json?service_request_id=" + id + "," + retried).Json();
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(HttpGet(port, base + "/requests.json?service_code=su-ariza").Json().size(), 2u);
  EXPECT_EQ(HttpGet(port, base + "/requests.json?service_code=yol-sokak").Json().size(), 0u);
  EXPECT_EQ(HttpGet(port, base + "/requests.json?status=open").Json().size(), 2u);
  EXPECT_EQ(HttpGet(port, base + "/requests.json?status=closed").Json().size(), 0u);
  EXPECT_EQ(HttpGet(port, base + "/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z")
                .Json().size(), 0u);
  EXPECT_EQ(HttpGet(port, base + "/requests.json?page=2&page_size=1").Json().size(), 1u);
  EXPECT_EQ(HttpGet(port, base + "/requests.json?status=pending").status, 400);
  EXPECT_EQ(HttpGet(port, base + "/requests.json?start_date=yesterday").status, 400);
  EXPECT_EQ(HttpGet(port, base + "/requests.json?page_size=5000").status, 400);
  auto err_xml = HttpGet(port, base + "/requests.xml?status=pending").body;
  EXPECT_NE(err_xml.find("<errors><error><code>400</code><description>"), std::string::npos) << err_xml;

  // A citizen over the hourly limit gets 429 with Retry-After and nothing is published.
  auto s0 = suite.Summary();
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 25; ++i) {
    auto flood = form;
    flood[5] = {"phone", "0555 000 00 01"};
    httplib::Params p2;
    for (const auto& [k, v] : flood) p2.emplace(k, v);
    auto r = cli.Post((base + "/requests.json").c_str(), p2);
    ASSERT_TRUE(r);
    if (r->status == 429) {
      ++limited;
      retry_after = r->get_header_value("Retry-After");
    }
  }
  EXPECT_EQ(limited, 5);  // 20 an hour are accepted
  EXPECT_FALSE(retry_after.empty());

  // A real Open311 client library, from PyPI, against the running service.
  std::string venv_python = std::string(TEKSIN_SOURCE_DIR) + "/.teksin/venv/bin/python";
  std::string cmd = absl::StrCat(venv_python, " ", TEKSIN_SOURCE_DIR, "/tests/e2e/open311_client.py http://127.0.0.1:",
                                 port, base, " ", kApiKey, " 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof(buf), p)) out += buf;
  EXPECT_EQ(pclose(p), 0) << out;
  EXPECT_NE(out.find("open311 client checks passed"), std::string::npos) << out;
}

}  // namespace
}  // namespace teksin::testing
