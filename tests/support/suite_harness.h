// Test support: the infra the ctest fixture started, service binaries run as child processes,
// and waiting on conditions (never on wall-clock sleeps alone).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "metrics/registry.h"
#include "nlohmann/json.hpp"
#include "redis/client.h"

namespace teksin::testing {

struct Infra {
  std::string kafka_brokers;
  std::string redis_url;
};

// Reads build/test-infra/infra.env written by tests/support/infra_up.sh (the "infra" fixture).
Infra LoadInfra();

// A client of the fixture's Redis (its metrics go to `registry`, which may be null).
absl::StatusOr<std::unique_ptr<redis::RedisClient>> ConnectRedis(const Infra& infra,
                                                               metrics::Registry* registry,
                                                               const std::string& name = "test");

// A fresh topic and Redis key prefix, so tests sharing one broker never see each other's events.
std::string UniquePrefix(const std::string& test);

int FreePort();

// One service binary as a child process with its own environment; stdout/stderr go to a log.
class ServiceProcess {
 public:
  ServiceProcess(std::string name, std::string binary, std::map<std::string, std::string> env,
                 std::string log_path);
  ~ServiceProcess();
  void Start();
  // SIGTERM and wait (graceful); returns the exit status.
  int Stop(std::chrono::seconds timeout = std::chrono::seconds(30));
  // SIGKILL: a crash, nothing flushed or committed.
  void Kill();
  bool Running();
  const std::string& name() const { return name_; }
  const std::string& log_path() const { return log_path_; }
  std::string LogTail(size_t bytes = 4000) const;

 private:
  std::string name_, binary_, log_path_;
  std::map<std::string, std::string> env_;
  pid_t pid_ = -1;
};

// Polls `cond` every 100 ms until it holds or `timeout` passes; returns whether it held.
bool WaitUntil(const std::function<bool()>& cond, std::chrono::seconds timeout);

// HTTP helpers over cpp-httplib. status is 0 when there was no answer.
struct HttpAnswer {
  int status = 0;
  std::string body;
  nlohmann::json Json() const;
};
HttpAnswer HttpGet(int port, const std::string& path);
HttpAnswer HttpPostForm(int port, const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& form);
HttpAnswer HttpPost(int port, const std::string& path, const std::string& body,
                    const std::string& content_type);

// proto3 JSON prints int64 as strings: a number from either form.
int64_t JsonInt(const nlohmann::json& j, const std::string& key);

// Runs `promtool check metrics` on the text; returns its output and sets ok.
std::string PromtoolCheck(const std::string& metrics_text, bool* ok);

}  // namespace teksin::testing
