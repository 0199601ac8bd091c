// Structured logs: one JSON object a line on stderr. Callers pass ids and codes, never personal
// data (phone numbers, names, e-mail addresses, free text a citizen wrote).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "nlohmann/json.hpp"

namespace teksin::common {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void InitLogging(std::string service, std::string_view level);
void Log(LogLevel level, std::string_view message,
         std::initializer_list<std::pair<std::string_view, nlohmann::json>> fields = {});

inline void LogInfo(std::string_view m,
                    std::initializer_list<std::pair<std::string_view, nlohmann::json>> f = {}) {
  Log(LogLevel::kInfo, m, f);
}
inline void LogWarn(std::string_view m,
                    std::initializer_list<std::pair<std::string_view, nlohmann::json>> f = {}) {
  Log(LogLevel::kWarn, m, f);
}
inline void LogError(std::string_view m,
                     std::initializer_list<std::pair<std::string_view, nlohmann::json>> f = {}) {
  Log(LogLevel::kError, m, f);
}
inline void LogDebug(std::string_view m,
                     std::initializer_list<std::pair<std::string_view, nlohmann::json>> f = {}) {
  Log(LogLevel::kDebug, m, f);
}

}  // namespace teksin::common
