// RedisClient: hiredis (synchronous) with connect and command timeouts, one reconnect on a
// broken connection, pipelining and Lua scripts. Thread-safe: calls are serialised per client.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "metrics/registry.h"

struct redisContext;

namespace teksin::redis {

struct Reply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus, kError };
  Type type = Type::kNil;
  std::string str;
  long long integer = 0;
  std::vector<Reply> elements;

  bool is_nil() const { return type == Type::kNil; }
};

struct RedisConfig {
  std::string url = "redis://127.0.0.1:6379";  // redis://host:port[/db]
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{2000};
};

// A Lua script, sent once and then called by its SHA-1.
class Script {
 public:
  explicit Script(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha() const { return sha_; }

 private:
  std::string source_, sha_;
};

class RedisClient {
 public:
  // Connects lazily on first use if the server is not up yet; Connect fails only on a bad URL.
  static absl::StatusOr<std::unique_ptr<RedisClient>> Create(const RedisConfig& config,
                                                             metrics::Registry* registry,
                                                             const std::string& service);
  ~RedisClient();

  absl::StatusOr<Reply> Command(const std::vector<std::string>& args);
  // Sends all commands, then reads all replies: one round trip.
  absl::StatusOr<std::vector<Reply>> Pipeline(const std::vector<std::vector<std::string>>& cmds);
  absl::StatusOr<Reply> Eval(const Script& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& args);
  absl::Status Ping();

 private:
  RedisClient() = default;
  absl::Status EnsureConnected();
  absl::StatusOr<std::vector<Reply>> PipelineLocked(
      const std::vector<std::vector<std::string>>& cmds);
  void Drop();

  RedisConfig config_;
  std::string host_;
  int port_ = 6379;
  int db_ = 0;
  std::mutex mu_;
  redisContext* ctx_ = nullptr;
  metrics::Family<metrics::Counter>* errors_ = nullptr;
  metrics::Family<metrics::Histogram>* latency_ = nullptr;
};

absl::Status ParseRedisUrl(const std::string& url, std::string* host, int* port, int* db);

}  // namespace teksin::redis
