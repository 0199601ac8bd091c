// teksin_demo: drives the running suite with realistic Mersin cases and prints what analytics
// counted.
//   1. submits --cases requests over Open311 (districts weighted by population, real complaint
//      texts, synthetic phone numbers from a population of repeat callers; a share outside Mersin),
//   2. waits until every accepted case is routed or rejected,
//   3. has each unit's staff claim and resolve a share of its tasks over the gRPC staff API (and
//      reject a few as "not ours"),
//   4. reads the figures back from analytics and checks that they add up.
// Exit status 0 only when every check holds.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "catalogue/catalogue.h"
#include "dataset/csv.h"
#include "dataset/mersin_data.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "teksin/v1/callcenter_service.grpc.pb.h"
#include "teksin/v1/department_service.grpc.pb.h"

namespace {

struct Options {
  std::string open311 = "http://127.0.0.1:8311";
  std::string analytics = "http://127.0.0.1:8105";
  std::string workers_file;
  std::string callcenter;  // host:port of channel_callcenter's gRPC API; empty: Open311 only
  double callcenter_share = 0.4;
  std::string api_key;
  std::string shared_dir = "../shared";
  std::string config_dir = "deploy/config";
  int cases = 1000;
  int threads = 4;
  double resolve_share = 0.6;
  double reject_share = 0.02;
  double outside_share = 0.01;
  uint64_t seed = 185;
  int timeout_s = 180;
};

int Usage() {
  std::cerr << "usage: teksin_demo --workers FILE [--open311 URL] [--analytics URL] [--cases N]\n"
               "       [--callcenter HOST:PORT] [--callcenter-share F]\n"
               "       [--threads N] [--resolve-share F] [--reject-share F] [--outside-share F]\n"
               "       [--api-key K] [--seed N] [--timeout-s N] [--shared-dir D] [--config-dir D]\n";
  return 2;
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (f == "--open311") o->open311 = v;
    else if (f == "--analytics") o->analytics = v;
    else if (f == "--workers") o->workers_file = v;
    else if (f == "--callcenter") o->callcenter = v;
    else if (f == "--callcenter-share") { if (!absl::SimpleAtod(v, &o->callcenter_share)) return false; }
    else if (f == "--api-key") o->api_key = v;
    else if (f == "--shared-dir") o->shared_dir = v;
    else if (f == "--config-dir") o->config_dir = v;
    else if (f == "--cases") { if (!absl::SimpleAtoi(v, &o->cases) || o->cases < 1) return false; }
    else if (f == "--threads") { if (!absl::SimpleAtoi(v, &o->threads) || o->threads < 1) return false; }
    else if (f == "--resolve-share") { if (!absl::SimpleAtod(v, &o->resolve_share)) return false; }
    else if (f == "--reject-share") { if (!absl::SimpleAtod(v, &o->reject_share)) return false; }
    else if (f == "--outside-share") { if (!absl::SimpleAtod(v, &o->outside_share)) return false; }
    else if (f == "--seed") { if (!absl::SimpleAtoi(v, &o->seed)) return false; }
    else if (f == "--timeout-s") { if (!absl::SimpleAtoi(v, &o->timeout_s)) return false; }
    else return false;
  }
  return !o->workers_file.empty();
}

nlohmann::json Summary(const Options& o) {
  httplib::Client cli(o.analytics);
  cli.set_read_timeout(5, 0);
  auto res = cli.Get("/v1/summary");
  if (!res || res->status != 200) return nlohmann::json();
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

// Left-aligns UTF-8 text in a column of `width` characters (printf counts bytes).
std::string Pad(const std::string& s, size_t width) {
  size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
  return chars >= width ? s : s + std::string(width - chars, ' ');
}

int64_t Num(const nlohmann::json& j, const std::string& k) {
  if (!j.is_object() || !j.contains(k)) return 0;
  const auto& v = j[k];
  if (v.is_string()) {
    int64_t n = 0;
    (void)absl::SimpleAtoi(v.get<std::string>(), &n);  // proto3 JSON prints int64 as strings
    return n;
  }
  return v.is_number() ? v.get<int64_t>() : 0;
}

// Polls analytics until `done` holds, printing progress; false on timeout.
template <typename F>
bool WaitFor(const Options& o, const std::string& what, F done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    nlohmann::json s = Summary(o);
    std::string progress;
    if (done(s, &progress)) {
      std::printf("  %s: %s\n", what.c_str(), progress.c_str());
      return true;
    }
    if (progress != last) {
      std::printf("  waiting for %s: %s\n", what.c_str(), progress.c_str());
      std::fflush(stdout);
      last = progress;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::printf("  timed out after %d s waiting for %s\n", o.timeout_s, what.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) return Usage();
  using namespace teksin;

  auto cat = catalogue::Catalogue::LoadFile(o.config_dir + "/service-catalogue.json");
  if (!cat.ok()) {
    std::cerr << cat.status() << "\n";
    return 1;
  }
  auto data = dataset::MersinData::Load(o.shared_dir, *cat);
  if (!data.ok()) {
    std::cerr << data.status() << "\n";
    return 1;
  }
  // Call-centre operators and desk clerks ask the neighbourhood (mahalle): one drawn by its 2023
  // population within the case's district, so the dashboard can drill down below districts.
  std::map<std::string, std::pair<std::vector<std::string>, std::discrete_distribution<size_t>>> mahalleler;
  if (auto t = dataset::ReadCsvFile(o.shared_dir + "/data/mersin-population/mersin-mahalle-population-2023.csv");
      t.ok()) {
    int ilce = t->Column("ilce"), mahalle = t->Column("mahalle"), pop = t->Column("population_2023");
    std::map<std::string, std::pair<std::vector<std::string>, std::vector<double>>> raw;
    for (const auto& r : t->rows) {
      double n = 0;
      if (ilce < 0 || mahalle < 0 || pop < 0 || static_cast<int>(r.size()) <= pop || !absl::SimpleAtod(r[pop], &n)) continue;
      std::string name = r[mahalle];
      if (name.size() > 5 && name.compare(name.size() - 5, 5, " Mah.") == 0) name.resize(name.size() - 5);
      raw[r[ilce]].first.push_back(name);
      raw[r[ilce]].second.push_back(n);
    }
    for (auto& [d, v] : raw) {
      mahalleler[d] = {v.first, std::discrete_distribution<size_t>(v.second.begin(), v.second.end())};
    }
  }
  std::map<std::string, std::string> workers;  // unit -> host:port
  {
    std::ifstream in(o.workers_file);
    std::string unit, addr;
    while (in >> unit >> addr) workers[unit] = addr;
    if (workers.empty()) {
      std::cerr << "no workers listed in " << o.workers_file << "\n";
      return 1;
    }
  }
  nlohmann::json before = Summary(o);
  if (before.is_null()) {
    std::cerr << "analytics does not answer at " << o.analytics << "/v1/summary\n";
    return 1;
  }
  const int64_t base_contacts = Num(before, "contacts"), base_routed = Num(before, "cases_routed"),
                base_rejected = Num(before, "cases_rejected"),
                base_resolved = Num(before, "cases_resolved"), base_reroutes = Num(before, "reroutes"),
                base_registered = Num(before, "cases_registered"),
                base_on_spot = Num(before, "answered_on_spot"),
                base_linked = Num(before, "repeats") + Num(before, "duplicates");

  // 1. Submit.
  std::printf("1/4 %d contacts: Open311 POST requests.json at %s%s (%d clients)\n", o.cases,
              o.open311.c_str(),
              o.callcenter.empty() ? "" : absl::StrFormat(", %.0f%% through the Alo 185 call centre and walk-in desks at %s",
                                                          o.callcenter_share * 100, o.callcenter).c_str(),
              o.threads);
  std::atomic<int> next{0}, accepted{0}, refused{0}, failed{0}, outside{0};
  // One key per contact of this run: a later run on the same suite sends other contacts under the
  // same indices, and the call centre rightly refuses a key reused for a different contact.
  const int64_t run_id = absl::ToUnixMillis(absl::Now());
  std::atomic<int> cc_cases{0}, cc_on_spot{0}, cc_transferred{0};
  std::mutex print_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(o.seed * 1000 + t);
      httplib::Client cli(o.open311);
      cli.set_read_timeout(30, 0);
      int citizens = std::max(10, o.cases * 4 / 5);
      std::unique_ptr<v1::CallCenterService::Stub> cc;
      if (!o.callcenter.empty()) {
        cc = v1::CallCenterService::NewStub(
            grpc::CreateChannel(o.callcenter, grpc::InsecureChannelCredentials()));
      }
      for (int i = next++; i < o.cases; i = next++) {
        dataset::SyntheticCase c = data->Next(rng, citizens);
        std::uniform_real_distribution<double> unit(0, 1);
        if (cc && unit(rng) < o.callcenter_share) {
          // An operator (or a desk clerk) logs the contact: many are answered on the spot.
          v1::LogContactRequest req;
          req.set_idempotency_key(absl::StrCat("demo-", run_id, "-", i));
          double roll = unit(rng);
          v1::ContactOutcome outcome = roll < 0.35   ? v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT
                                       : roll < 0.40 ? v1::CONTACT_OUTCOME_TRANSFERRED
                                                     : v1::CONTACT_OUTCOME_CASE_REQUESTED;
          req.set_outcome(outcome);
          bool desk = unit(rng) < 0.1;
          req.set_channel(desk ? v1::CHANNEL_WALK_IN : v1::CHANNEL_CALL_CENTER);
          req.set_operator_id(absl::StrCat("operator-", i % 40));
          if (desk) req.set_desk_id(absl::StrCat("desk-", i % 5));
          req.set_caller_phone(c.phone);
          req.set_category(c.category);
          req.set_text(c.text);
          if (auto m = mahalleler.find(c.district); m != mahalleler.end()) {
            auto pick = m->second.second;  // a copy: distributions keep state
            req.mutable_location()->set_neighbourhood(m->second.first[pick(rng)]);
          }
          if (unit(rng) < 0.7) {
            req.mutable_location()->set_has_coordinates(true);
            req.mutable_location()->set_lat(c.lat);
            req.mutable_location()->set_lon(c.lon);
          } else {
            req.mutable_location()->set_district(c.district);
          }
          if (outcome == v1::CONTACT_OUTCOME_TRANSFERRED) req.set_transferred_to("alo-186");
          v1::LogContactResponse resp;
          grpc::Status st;
          for (int attempt = 0; attempt < 5; ++attempt) {
            grpc::ClientContext ctx;
            ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
            st = cc->LogContact(&ctx, req, &resp);
            if (st.error_code() != grpc::UNAVAILABLE && st.error_code() != grpc::RESOURCE_EXHAUSTED) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
          }
          if (st.ok()) {
            ++accepted;
            if (outcome == v1::CONTACT_OUTCOME_CASE_REQUESTED) ++cc_cases;
            else if (outcome == v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT) ++cc_on_spot;
            else ++cc_transferred;
          } else {
            ++failed;
            std::lock_guard<std::mutex> lock(print_mu);
            std::printf("  call centre refused: %s\n", st.error_message().c_str());
          }
          continue;
        }
        bool out_of_city = unit(rng) < o.outside_share;
        httplib::Params p{{"service_code", c.category},
                          {"lat", absl::StrFormat("%.7f", out_of_city ? 37.0017 : c.lat)},
                          {"long", absl::StrFormat("%.7f", out_of_city ? 35.3213 : c.lon)},  // Adana
                          {"description", c.text},
                          {"phone", c.phone},
                          {"age_group", c.age_group}};
        if (c.mobile_app) p.emplace("device_id", absl::StrCat("demo-device-", i % 500));
        if (!o.api_key.empty()) p.emplace("api_key", o.api_key);
        httplib::Result res{nullptr, httplib::Error::Unknown};
        for (int attempt = 0; attempt < 5; ++attempt) {
          res = cli.Post("/open311/v2/requests.json", p);
          if (res && res->status != 503) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
        }
        if (res && res->status == 201) {
          ++accepted;
          if (out_of_city) ++outside;
        } else if (res && res->status >= 400 && res->status < 500) {
          ++refused;
          std::lock_guard<std::mutex> lock(print_mu);
          std::printf("  refused (%d): %s\n", res->status, res->body.c_str());
        } else {
          ++failed;
        }
        int done = accepted + refused + failed;
        if (done % 250 == 0) {
          std::lock_guard<std::mutex> lock(print_mu);
          std::printf("  %d/%d submitted\n", done, o.cases);
          std::fflush(stdout);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::printf("  accepted %d, refused %d, failed %d (of them %d located outside Mersin)\n",
              accepted.load(), refused.load(), failed.load(), outside.load());
  if (!o.callcenter.empty()) {
    std::printf("  call centre and desks: %d cases registered, %d answered on the spot, %d transferred\n",
                cc_cases.load(), cc_on_spot.load(), cc_transferred.load());
  }
  // Contacts that asked for a case: everything but what operators answered or transferred.
  const int case_requests = accepted.load() - cc_on_spot.load() - cc_transferred.load();

  // 2. Every accepted case is registered and routed, or rejected by intake.
  std::printf("2/4 waiting for intake and routing\n");
  bool routed_ok = WaitFor(o, "every case routed or rejected", [&](const nlohmann::json& s, std::string* p) {
    int64_t routed = Num(s, "cases_routed") - base_routed;
    int64_t rejected = Num(s, "cases_rejected") - base_rejected;
    // A repeat or duplicate joins an open case (CaseLinked) instead of opening one.
    int64_t linked = Num(s, "repeats") + Num(s, "duplicates") - base_linked;
    *p = absl::StrCat(routed, " routed + ", rejected, " rejected + ", linked, " linked of ", case_requests);
    return routed + rejected + linked >= case_requests;
  });

  // 3. Staff work their queues.
  std::printf("3/4 staff of %zu units claim and resolve %.0f%% of their tasks (reject %.0f%%)\n",
              workers.size(), o.resolve_share * 100, o.reject_share * 100);
  std::mt19937_64 rng(o.seed);
  int resolved_by_staff = 0, rejected_by_staff = 0, staff_errors = 0;
  auto staff_error = [&](const std::string& unit, const std::string& call, const grpc::Status& st) {
    if (++staff_errors <= 5) {
      std::printf("  %s: %s failed: %s\n", unit.c_str(), call.c_str(), st.error_message().c_str());
    }
  };
  for (const auto& [unit, addr] : workers) {
    auto stub = v1::StaffService::NewStub(grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    // Several units can share a process and its port (workers.txt): every request names its unit.
    v1::ListTasksRequest req;
    req.set_unit_id(unit);
    req.set_limit(1000);
    v1::ListTasksResponse resp;
    grpc::Status st = stub->ListTasks(&ctx, req, &resp);
    if (!st.ok()) {
      std::printf("  %s: ListTasks failed: %s\n", unit.c_str(), st.error_message().c_str());
      ++staff_errors;
      continue;
    }
    std::string staff = absl::StrCat("personel-", unit, "-1");
    for (const auto& task : resp.tasks()) {
      double roll = std::uniform_real_distribution<double>(0, 1)(rng);
      grpc::ClientContext c1;
      v1::Task out;
      if (roll < o.reject_share && unit != "koordinasyon") {
        v1::RejectTaskRequest r;
        r.set_unit_id(unit);
        r.set_task_id(task.task_id());
        r.set_staff_id(staff);
        r.set_reason("Bu konu birimimizin görev alanında değil.");
        grpc::Status rs = stub->RejectTask(&c1, r, &out);
        if (rs.ok()) ++rejected_by_staff;
        else staff_error(unit, "RejectTask", rs);
      } else if (roll < o.reject_share + o.resolve_share) {
        v1::ClaimTaskRequest claim;
        claim.set_unit_id(unit);
        claim.set_task_id(task.task_id());
        claim.set_staff_id(staff);
        grpc::Status cs = stub->ClaimTask(&c1, claim, &out);
        if (!cs.ok()) {
          staff_error(unit, "ClaimTask", cs);
          continue;
        }
        grpc::ClientContext c2;
        v1::ResolveTaskRequest r;
        r.set_unit_id(unit);
        r.set_task_id(task.task_id());
        r.set_staff_id(staff);
        r.set_resolution_code("completed");
        r.set_resolution_text("Ekiplerimiz yerinde çalışma yaptı, sorun giderildi.");
        grpc::Status vs = stub->ResolveTask(&c2, r, &out);
        if (vs.ok()) ++resolved_by_staff;
        else staff_error(unit, "ResolveTask", vs);
      }
    }
  }
  std::printf("  resolved %d, rejected %d, errors %d\n", resolved_by_staff, rejected_by_staff, staff_errors);
  bool resolved_ok = WaitFor(o, "resolutions and reroutes counted", [&](const nlohmann::json& s, std::string* p) {
    int64_t resolved = Num(s, "cases_resolved") - base_resolved;
    int64_t reroutes = Num(s, "reroutes") - base_reroutes;
    *p = absl::StrCat(resolved, "/", resolved_by_staff, " resolved, ", reroutes, "/",
                      rejected_by_staff, " rerouted");
    return resolved >= resolved_by_staff && reroutes >= rejected_by_staff;
  });

  // 4. The figures.
  nlohmann::json s = Summary(o);
  std::printf("4/4 figures from analytics (%s/v1/summary)\n\n", o.analytics.c_str());
  std::printf("  contacts            %8lld  (answered on the spot: %lld)\n",
              static_cast<long long>(Num(s, "contacts")), static_cast<long long>(Num(s, "answered_on_spot")));
  std::printf("  cases registered    %8lld\n", static_cast<long long>(Num(s, "cases_registered")));
  std::printf("  cases rejected      %8lld\n", static_cast<long long>(Num(s, "cases_rejected")));
  std::printf("  cases routed        %8lld  (forwarded outside the municipality: %lld)\n",
              static_cast<long long>(Num(s, "cases_routed")), static_cast<long long>(Num(s, "forwarded")));
  std::printf("  reroutes            %8lld\n", static_cast<long long>(Num(s, "reroutes")));
  std::printf("  cases resolved      %8lld\n\n", static_cast<long long>(Num(s, "cases_resolved")));
  std::printf("  %-22s %8s %8s\n", "routed per owner", "routed", "resolved");
  int64_t owner_routed_sum = 0;
  for (const auto& row : s["by_owner"]) {
    owner_routed_sum += Num(row, "routed");
    std::printf("  %s %8lld %8lld\n", Pad(row["key"].get<std::string>(), 22).c_str(),
                static_cast<long long>(Num(row, "routed")), static_cast<long long>(Num(row, "resolved")));
  }
  std::printf("\n  %-22s %8s %8s %8s\n", "per channel", "contacts", "cases", "resolved");
  for (const auto& row : s["by_channel"]) {
    std::printf("  %s %8lld %8lld %8lld\n", Pad(row["key"].get<std::string>(), 22).c_str(),
                static_cast<long long>(Num(row, "contacts")), static_cast<long long>(Num(row, "cases")),
                static_cast<long long>(Num(row, "resolved")));
  }
  std::printf("\n  %-22s %8s %8s %8s %12s\n", "per district", "cases", "routed", "resolved", "per 10,000");
  int64_t district_cases_sum = 0;
  for (const auto& row : s["by_district"]) {
    std::string d = row["key"].get<std::string>();
    int64_t cases = Num(row, "cases");
    district_cases_sum += cases;
    auto it = data->population().find(d);
    double rate = it == data->population().end() ? 0 : 1e4 * static_cast<double>(cases) / static_cast<double>(it->second);
    std::printf("  %s %8lld %8lld %8lld %12.2f\n", Pad(d, 22).c_str(), static_cast<long long>(cases),
                static_cast<long long>(Num(row, "routed")), static_cast<long long>(Num(row, "resolved")), rate);
  }
  if (s.contains("resolution_overall")) {
    const auto& r = s["resolution_overall"];
    std::printf("\n  resolution time: %lld cases, mean %.1f s, p50 %.1f s, p90 %.1f s\n",
                static_cast<long long>(Num(r, "count")), r.value("mean_seconds", 0.0),
                r.value("p50_seconds", 0.0), r.value("p90_seconds", 0.0));
  }

  // Checks on this run's share of the figures (the suite may have counted earlier runs too).
  int64_t d_contacts = Num(s, "contacts") - base_contacts;
  int64_t d_registered = Num(s, "cases_registered") - base_registered;
  int64_t d_rejected = Num(s, "cases_rejected") - base_rejected;
  int64_t d_linked = Num(s, "repeats") + Num(s, "duplicates") - base_linked;
  int64_t d_routed = Num(s, "cases_routed") - base_routed;
  int64_t d_resolved = Num(s, "cases_resolved") - base_resolved;
  struct Check {
    std::string what;
    bool ok;
  };
  std::vector<Check> checks = {
      {absl::StrCat("every accepted request counted once as a contact (", d_contacts, " = ", accepted.load(), ")"),
       d_contacts == accepted.load()},
      {absl::StrCat("registered + rejected + linked to an open case = contacts asking for a case (",
                    d_registered, " + ", d_rejected, " + ", d_linked, " = ", case_requests, ")"),
       d_registered + d_rejected + d_linked == case_requests},
      {absl::StrCat("contacts answered on the spot counted apart (", Num(s, "answered_on_spot") - base_on_spot,
                    " = ", cc_on_spot.load(), ")"),
       Num(s, "answered_on_spot") - base_on_spot == cc_on_spot.load()},
      {absl::StrCat("every registered case routed once (", d_routed, " = ", d_registered, ")"),
       d_routed == d_registered},
      {absl::StrCat("the cases outside Mersin rejected (", d_rejected, " = ", outside.load(), ")"),
       d_rejected == outside.load()},
      {absl::StrCat("sum of routings per owner = routed + reroutes (", owner_routed_sum, " = ",
                    Num(s, "cases_routed") + Num(s, "reroutes"), ")"),
       owner_routed_sum == Num(s, "cases_routed") + Num(s, "reroutes")},
      {absl::StrCat("sum of cases per district = registered (", district_cases_sum, " = ",
                    Num(s, "cases_registered"), ")"),
       district_cases_sum == Num(s, "cases_registered")},
      {absl::StrCat("every resolution counted once (", d_resolved, " = ", resolved_by_staff, ")"),
       d_resolved == resolved_by_staff},
      {"no request failed and no staff call failed", failed.load() == 0 && refused.load() == 0 && staff_errors == 0},
      {"routing and resolution finished in time", routed_ok && resolved_ok},
  };
  std::printf("\nchecks:\n");
  bool all = true;
  for (const auto& c : checks) {
    std::printf("  [%s] %s\n", c.ok ? "ok" : "FAILED", c.what.c_str());
    all = all && c.ok;
  }
  return all ? 0 : 1;
}
