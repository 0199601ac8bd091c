#include "common/log.h"

#include <chrono>
#include <cstdio>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace teksin::common {
namespace {
std::mutex g_mu;
std::string g_service = "teksin";
LogLevel g_level = LogLevel::kInfo;

const char* Name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}
}  // namespace

void InitLogging(std::string service, std::string_view level) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_service = std::move(service);
  if (level == "debug") g_level = LogLevel::kDebug;
  else if (level == "warn") g_level = LogLevel::kWarn;
  else if (level == "error") g_level = LogLevel::kError;
  else g_level = LogLevel::kInfo;
}

void Log(LogLevel level, std::string_view message,
         std::initializer_list<std::pair<std::string_view, nlohmann::json>> fields) {
  if (level < g_level) return;
  nlohmann::json line;
  line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line["level"] = Name(level);
  line["service"] = g_service;
  line["msg"] = std::string(message);
  for (const auto& [k, v] : fields) line[std::string(k)] = v;
  std::string out = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard<std::mutex> lock(g_mu);
  std::fprintf(stderr, "%s\n", out.c_str());
  std::fflush(stderr);
}

}  // namespace teksin::common
