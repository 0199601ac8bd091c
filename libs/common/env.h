// Configuration from environment variables, parsed once into a typed struct with clear errors.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace teksin::common {

// Reads variables and collects every problem, so that a misconfigured service reports all of
// them at once instead of one per restart.
class EnvReader {
 public:
  using Lookup = std::function<const char*(const char*)>;
  EnvReader();
  explicit EnvReader(std::map<std::string, std::string> values);  // for tests

  std::string String(const std::string& name, const std::string& fallback);
  std::string Required(const std::string& name);
  int64_t Int(const std::string& name, int64_t fallback, int64_t min, int64_t max);
  bool Bool(const std::string& name, bool fallback);
  double Double(const std::string& name, double fallback, double min, double max);
  std::vector<std::string> List(const std::string& name, const std::string& fallback);

  // Records a problem found while validating a value read earlier.
  void Reject(const std::string& name, const std::string& why);
  // OK, or InvalidArgument naming every bad or missing variable.
  absl::Status Finish() const;

 private:
  const char* Get(const std::string& name) const;
  Lookup lookup_;
  std::map<std::string, std::string> values_;
  bool use_values_ = false;
  std::vector<std::string> errors_;
};

// The settings every service shares (TEKSIN_*).
struct CommonConfig {
  std::string kafka_brokers;       // TEKSIN_KAFKA_BROKERS
  std::string redis_url;           // TEKSIN_REDIS_URL
  std::string topic_prefix;        // TEKSIN_TOPIC_PREFIX
  int topic_partitions = 6;        // TEKSIN_TOPIC_PARTITIONS
  std::string http_host;           // TEKSIN_HTTP_HOST
  std::string log_level;           // TEKSIN_LOG_LEVEL
  std::string instance_id;         // TEKSIN_INSTANCE_ID
  std::string config_dir;          // TEKSIN_CONFIG_DIR
  std::string shared_dir;          // TEKSIN_SHARED_DIR
};

CommonConfig ReadCommonConfig(EnvReader& env);

}  // namespace teksin::common
