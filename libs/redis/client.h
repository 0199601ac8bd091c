// RedisClient: hiredis (synchronous) with connect and command timeouts, one reconnect on a
// broken connection, pipelining and Lua scripts. Thread-safe: a small pool of connections, each
// used by one call at a time; a call takes a free one and waits only when all are busy. One call
// (a command, a pipeline, a script) always runs on one connection.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
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
  // Connections opened lazily, at most this many. The environment variable TEKSIN_REDIS_POOL_SIZE
  // (1..64) overrides it.
  int pool_size = 4;
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
  // Eval with arguments that point into the caller's strings (no copies; for big batches).
  absl::StatusOr<Reply> EvalViews(const Script& script, const std::vector<std::string>& keys,
                                  const std::vector<std::string_view>& args);
  absl::Status Ping();

 private:
  struct Conn {
    std::mutex mu;
    redisContext* ctx = nullptr;
  };
  RedisClient() = default;
  absl::Status EnsureConnected(Conn& c);
  using CommandViews = std::vector<std::vector<std::string_view>>;
  absl::StatusOr<std::vector<Reply>> PipelineViews(const CommandViews& cmds);
  absl::StatusOr<std::vector<Reply>> PipelineLocked(Conn& c, const CommandViews& cmds);
  void Drop(Conn& c);

  RedisConfig config_;
  std::string host_;
  int port_ = 6379;
  int db_ = 0;
  std::vector<std::unique_ptr<Conn>> pool_;
  std::atomic<size_t> next_{0};
  metrics::Family<metrics::Counter>* errors_ = nullptr;
  metrics::Family<metrics::Histogram>* latency_ = nullptr;
};

absl::Status ParseRedisUrl(const std::string& url, std::string* host, int* port, int* db);

}  // namespace teksin::redis
