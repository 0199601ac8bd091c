// bench_callcenter_index: what the call-centre case index costs Redis per event, the script
// before ADR 0026 (one call per event) against RedisCaseIndex (one call per event, and one per
// batch as the projection sends them). Each mode applies the same generated updates
// (case_updates.h: out of order, redelivered, late coordinates) into its own key prefix of one
// redis-server and reports, from INFO commandstats and INFO cpu, the commands Redis ran and the
// CPU it used per event, and the events per second this one client reached.
//
//   bench_callcenter_index --redis redis://127.0.0.1:6390 --cases 6000 --batch 500
//
// Run it against a redis-server of its own (e.g. `redis-server --port 6390 --save ''
// --appendonly yes --appendfsync everysec --dir <tmp>`, as deploy/redis/redis.sh configures the
// suite's): CONFIG RESETSTAT clears the server's command statistics between modes. It writes keys
// under "bench-cc-<mode>-<time>:cc:" and deletes nothing. Not a test: it asserts nothing and its
// rates depend on the machine.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench_callcenter_index/case_updates.h"
#include "bench_callcenter_index/legacy_case_index.h"
#include "channel_callcenter/redis_case_index.h"
#include "metrics/registry.h"
#include "redis/client.h"

namespace {

using teksin::channel_callcenter::CaseUpdate;
using teksin::channel_callcenter::RedisCaseIndex;

struct ServerStats {
  std::map<std::string, std::pair<int64_t, int64_t>> commands;  // name -> (calls, usec)
  double cpu_s = 0;                                              // user + sys since start
};

ServerStats ReadStats(teksin::redis::RedisClient& redis) {
  ServerStats out;
  auto cs = redis.Command({"INFO", "commandstats"});
  auto cpu = redis.Command({"INFO", "cpu"});
  if (!cs.ok() || !cpu.ok()) {
    std::cerr << "INFO failed\n";
    std::exit(1);
  }
  // cmdstat_hset:calls=12,usec=34,usec_per_call=2.83,...
  for (absl::string_view line : absl::StrSplit(cs->str, "\r\n")) {
    if (!absl::ConsumePrefix(&line, "cmdstat_")) continue;
    std::vector<std::string> parts = absl::StrSplit(line, absl::ByAnyChar(":,="));
    int64_t calls = 0, usec = 0;
    for (size_t i = 1; i + 1 < parts.size(); i += 2) {
      if (parts[i] == "calls") (void)absl::SimpleAtoi(parts[i + 1], &calls);
      if (parts[i] == "usec") (void)absl::SimpleAtoi(parts[i + 1], &usec);
    }
    out.commands[parts[0]] = {calls, usec};
  }
  for (absl::string_view line : absl::StrSplit(cpu->str, "\r\n")) {
    std::vector<std::string> kv = absl::StrSplit(line, ':');
    double v = 0;
    if (kv.size() == 2 && (kv[0] == "used_cpu_user" || kv[0] == "used_cpu_sys") &&
        absl::SimpleAtod(kv[1], &v)) {
      out.cpu_s += v;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url = "redis://127.0.0.1:6379";
  int cases = 6000;
  size_t batch = 500;
  std::vector<std::string> modes{"legacy", "single", "batch"};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--redis") {
      url = value;
    } else if (flag == "--cases") {
      cases = std::atoi(value.c_str());
    } else if (flag == "--batch") {
      batch = static_cast<size_t>(std::atoi(value.c_str()));
    } else if (flag == "--modes") {
      modes = absl::StrSplit(value, ',');
    } else {
      std::cerr << "usage: bench_callcenter_index [--redis URL] [--cases N] [--batch N] "
                   "[--modes legacy,single,batch]\n";
      return 2;
    }
  }
  if (cases < 1 || batch < 1) {
    std::cerr << "--cases and --batch must be at least 1\n";
    return 2;
  }
  teksin::metrics::Registry registry;
  teksin::redis::RedisConfig rc;
  rc.url = url;
  auto redis = teksin::redis::RedisClient::Create(rc, &registry, "bench");
  if (!redis.ok() || !(*redis)->Ping().ok()) {
    std::cerr << "cannot reach redis at " << url << "\n";
    return 1;
  }
  const std::vector<CaseUpdate> updates = teksin::bench_callcenter::GenerateCaseUpdates(cases, 1);
  std::printf("%zu updates of %d cases, batches of up to %zu\n", updates.size(), cases, batch);
  std::printf("%-7s %10s %9s %8s %9s %9s %10s  %s\n", "mode", "events/s", "calls/ev", "cmds/ev",
              "usec/ev", "cpu us/ev", "scripts", "commands per event");
  const auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
  for (const auto& mode : modes) {
    const std::string prefix = absl::StrCat("bench-cc-", mode, "-", stamp);
    RedisCaseIndex index(**redis, prefix);
    // Load the scripts first, so the run counts no script loading.
    CaseUpdate warm = updates.front();
    warm.record.case_id = "warm-up";
    if (mode == "legacy") {
      (void)teksin::bench_callcenter::LegacyApply(**redis, prefix + ":cc", warm);
    } else {
      (void)index.Apply(warm);
    }
    if (!(*redis)->Command({"CONFIG", "RESETSTAT"}).ok()) {
      std::cerr << "CONFIG RESETSTAT failed\n";
      return 1;
    }
    const ServerStats before = ReadStats(**redis);
    const auto start = std::chrono::steady_clock::now();
    absl::Status status;
    if (mode == "legacy") {
      for (const auto& u : updates) {
        status = teksin::bench_callcenter::LegacyApply(**redis, prefix + ":cc", u);
        if (!status.ok()) break;
      }
    } else if (mode == "single") {
      for (const auto& u : updates) {
        status = index.Apply(u);
        if (!status.ok()) break;
      }
    } else if (mode == "batch") {
      for (size_t i = 0; i < updates.size() && status.ok(); i += batch) {
        std::vector<CaseUpdate> part(
            updates.begin() + static_cast<std::ptrdiff_t>(i),
            updates.begin() + static_cast<std::ptrdiff_t>(std::min(updates.size(), i + batch)));
        status = index.ApplyBatch(part);
      }
    } else {
      std::cerr << "unknown mode " << mode << "\n";
      return 2;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!status.ok()) {
      std::cerr << mode << ": " << status << "\n";
      return 1;
    }
    const ServerStats after = ReadStats(**redis);
    const double n = static_cast<double>(updates.size());
    int64_t script_calls = 0, script_usec = 0, inner_calls = 0;
    std::string inner;
    for (const auto& [name, cu] : after.commands) {
      if (name == "evalsha" || name == "eval") {
        script_calls += cu.first;
        script_usec += cu.second;
      } else if (name != "info" && name != "config|resetstat") {
        inner_calls += cu.first;
        absl::StrAppend(&inner, name, " ", absl::StrFormat("%.2f", cu.first / n), "  ");
      }
    }
    // The script's usec include the commands it ran.
    std::printf("%-7s %10.0f %9.4f %8.2f %9.2f %9.2f %10lld  %s\n", mode.c_str(), n / seconds,
                script_calls / n, inner_calls / n, script_usec / n,
                (after.cpu_s - before.cpu_s) * 1e6 / n, static_cast<long long>(script_calls),
                inner.c_str());
  }
  return 0;
}
