#include "common/env.h"

#include <cstdlib>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"

namespace teksin::common {

EnvReader::EnvReader() : lookup_([](const char* n) { return std::getenv(n); }) {}

EnvReader::EnvReader(std::map<std::string, std::string> values)
    : values_(std::move(values)), use_values_(true) {}

const char* EnvReader::Get(const std::string& name) const {
  if (use_values_) {
    auto it = values_.find(name);
    return (it == values_.end() || it->second.empty()) ? nullptr : it->second.c_str();
  }
  const char* v = lookup_(name.c_str());
  return (v != nullptr && *v != '\0') ? v : nullptr;
}

std::string EnvReader::String(const std::string& name, const std::string& fallback) {
  const char* v = Get(name);
  return v ? std::string(v) : fallback;
}

std::string EnvReader::Required(const std::string& name) {
  const char* v = Get(name);
  if (!v) {
    errors_.push_back(absl::StrCat(name, " is required but not set"));
    return "";
  }
  return v;
}

int64_t EnvReader::Int(const std::string& name, int64_t fallback, int64_t min, int64_t max) {
  const char* v = Get(name);
  if (!v) return fallback;
  int64_t out = 0;
  if (!absl::SimpleAtoi(v, &out)) {
    errors_.push_back(absl::StrCat(name, "=\"", v, "\" is not a whole number"));
    return fallback;
  }
  if (out < min || out > max) {
    errors_.push_back(absl::StrCat(name, "=", out, " is outside [", min, ", ", max, "]"));
    return fallback;
  }
  return out;
}

double EnvReader::Double(const std::string& name, double fallback, double min, double max) {
  const char* v = Get(name);
  if (!v) return fallback;
  double out = 0;
  if (!absl::SimpleAtod(v, &out)) {
    errors_.push_back(absl::StrCat(name, "=\"", v, "\" is not a number"));
    return fallback;
  }
  if (out < min || out > max) {
    errors_.push_back(absl::StrCat(name, "=", out, " is outside [", min, ", ", max, "]"));
    return fallback;
  }
  return out;
}

bool EnvReader::Bool(const std::string& name, bool fallback) {
  const char* v = Get(name);
  if (!v) return fallback;
  std::string s = absl::AsciiStrToLower(v);
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s == "0" || s == "false" || s == "no" || s == "off") return false;
  errors_.push_back(absl::StrCat(name, "=\"", v, "\" is not a boolean (true/false)"));
  return fallback;
}

std::vector<std::string> EnvReader::List(const std::string& name, const std::string& fallback) {
  std::string raw = String(name, fallback);
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(raw, ',', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return out;
}

void EnvReader::Reject(const std::string& name, const std::string& why) {
  errors_.push_back(absl::StrCat(name, " ", why));
}

absl::Status EnvReader::Finish() const {
  if (errors_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("configuration error: ", absl::StrJoin(errors_, "; ")));
}

CommonConfig ReadCommonConfig(EnvReader& env) {
  CommonConfig c;
  c.kafka_brokers = env.String("TEKSIN_KAFKA_BROKERS", "127.0.0.1:9092");
  c.redis_url = env.String("TEKSIN_REDIS_URL", "redis://127.0.0.1:6379");
  c.topic_prefix = env.String("TEKSIN_TOPIC_PREFIX", "teksin");
  c.topic_partitions = static_cast<int>(env.Int("TEKSIN_TOPIC_PARTITIONS", 6, 1, 1024));
  c.http_host = env.String("TEKSIN_HTTP_HOST", "127.0.0.1");
  c.log_level = env.String("TEKSIN_LOG_LEVEL", "info");
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error") {
    env.Reject("TEKSIN_LOG_LEVEL", "must be debug, info, warn or error");
  }
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  c.instance_id = env.String("TEKSIN_INSTANCE_ID", absl::StrCat(host, "-", getpid()));
  c.config_dir = env.String("TEKSIN_CONFIG_DIR", "deploy/config");
  c.shared_dir = env.String("TEKSIN_SHARED_DIR", "../shared");
  return c;
}

}  // namespace teksin::common
