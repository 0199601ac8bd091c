#include "redis/client.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <charconv>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace teksin::redis {
namespace {

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.type = Reply::Type::kString; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.type = Reply::Type::kStatus; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out.type = Reply::Type::kError; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_INTEGER: out.type = Reply::Type::kInteger; out.integer = r->integer; break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default: out.type = Reply::Type::kNil; break;
  }
  return out;
}

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = ms.count() / 1000;
  tv.tv_usec = (ms.count() % 1000) * 1000;
  return tv;
}

}  // namespace

Script::Script(std::string source) : source_(std::move(source)) {
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(), md);
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : md) {
    sha_.push_back(kHex[b >> 4]);
    sha_.push_back(kHex[b & 0xF]);
  }
}

absl::Status ParseRedisUrl(const std::string& url, std::string* host, int* port, int* db) {
  const std::string scheme = "redis://";
  if (url.rfind(scheme, 0) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("redis URL must start with redis://: ", url));
  }
  std::string rest = url.substr(scheme.size());
  *db = 0;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    std::string d = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!d.empty() && !absl::SimpleAtoi(d, db)) {
      return absl::InvalidArgumentError(absl::StrCat("bad redis database number in ", url));
    }
  }
  *port = 6379;
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    if (!absl::SimpleAtoi(rest.substr(colon + 1), port) || *port <= 0 || *port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("bad redis port in ", url));
    }
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return absl::InvalidArgumentError(absl::StrCat("no host in ", url));
  *host = rest;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Create(const RedisConfig& config,
                                                                  metrics::Registry* registry,
                                                                  const std::string& service) {
  std::unique_ptr<RedisClient> c(new RedisClient());
  c->config_ = config;
  absl::Status s = ParseRedisUrl(config.url, &c->host_, &c->port_, &c->db_);
  if (!s.ok()) return s;
  int pool = config.pool_size;
  if (const char* env = std::getenv("TEKSIN_REDIS_POOL_SIZE"); env != nullptr && *env != '\0') {
    if (!absl::SimpleAtoi(env, &pool) || pool < 1 || pool > 64) {
      return absl::InvalidArgumentError(
          absl::StrCat("TEKSIN_REDIS_POOL_SIZE=\"", env, "\" is not a whole number in 1..64"));
    }
  }
  if (pool < 1 || pool > 64) return absl::InvalidArgumentError("redis pool_size must be in 1..64");
  for (int i = 0; i < pool; ++i) c->pool_.push_back(std::make_unique<Conn>());
  static metrics::Registry fallback;
  metrics::Registry& reg = registry ? *registry : fallback;
  c->errors_ = &reg.AddCounter(absl::StrCat("teksin_", service, "_redis_errors_total"),
                               "Redis client errors, by kind", {"kind"});
  c->latency_ = &reg.AddHistogram(absl::StrCat("teksin_", service, "_redis_command_duration_seconds"),
                                  "Redis round-trip time (one command or one pipeline)", {},
                                  metrics::LatencyBuckets());
  return c;
}

RedisClient::~RedisClient() {
  for (auto& c : pool_) Drop(*c);
}

void RedisClient::Drop(Conn& c) {
  if (c.ctx) redisFree(c.ctx);
  c.ctx = nullptr;
}

absl::Status RedisClient::EnsureConnected(Conn& c) {
  if (c.ctx) return absl::OkStatus();
  redisContext* ctx = redisConnectWithTimeout(host_.c_str(), port_, ToTimeval(config_.connect_timeout));
  if (ctx == nullptr || ctx->err) {
    std::string why = ctx ? ctx->errstr : "out of memory";
    if (ctx) redisFree(ctx);
    errors_->With({"connect"}).Inc();
    return absl::UnavailableError(absl::StrCat("redis ", host_, ":", port_, ": ", why));
  }
  redisSetTimeout(ctx, ToTimeval(config_.command_timeout));
  c.ctx = ctx;
  if (db_ != 0) {
    auto r = PipelineLocked(c, {{"SELECT", std::to_string(db_)}});
    if (!r.ok()) return r.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Reply>> RedisClient::PipelineLocked(Conn& c, const CommandViews& cmds) {
  // The whole pipeline in RESP, written here in one buffer (hiredis' own formatting goes through
  // a printf-like call per argument, which showed in the profiles of big batches).
  std::string resp;
  size_t size = 0;
  for (const auto& cmd : cmds) {
    size += 16;
    for (const auto& a : cmd) size += a.size() + 24;
  }
  resp.reserve(size);
  char digits[24];
  auto append_header = [&](char kind, size_t n) {
    resp.push_back(kind);
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), n);
    resp.append(digits, end);
    resp.append("\r\n");
  };
  for (const auto& cmd : cmds) {
    append_header('*', cmd.size());
    for (const auto& a : cmd) {
      append_header('$', a.size());
      resp.append(a);
      resp.append("\r\n");
    }
  }
  if (redisAppendFormattedCommand(c.ctx, resp.data(), resp.size()) != REDIS_OK) {
    return absl::InternalError("redis: cannot append command");
  }
  std::vector<Reply> out;
  out.reserve(cmds.size());
  for (size_t i = 0; i < cmds.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c.ctx, &raw) != REDIS_OK || raw == nullptr) {
      std::string why = c.ctx->errstr[0] ? c.ctx->errstr : "connection lost";
      Drop(c);
      return absl::UnavailableError(absl::StrCat("redis: ", why));
    }
    out.push_back(Convert(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  return out;
}

absl::StatusOr<std::vector<Reply>> RedisClient::Pipeline(
    const std::vector<std::vector<std::string>>& cmds) {
  CommandViews views;
  views.reserve(cmds.size());
  for (const auto& cmd : cmds) views.emplace_back(cmd.begin(), cmd.end());
  return PipelineViews(views);
}

absl::StatusOr<std::vector<Reply>> RedisClient::PipelineViews(const CommandViews& cmds) {
  auto start = std::chrono::steady_clock::now();
  // A free connection if there is one, else wait for one (round robin).
  const size_t n = pool_.size();
  const size_t first = next_.fetch_add(1, std::memory_order_relaxed);
  Conn* conn = nullptr;
  std::unique_lock<std::mutex> lock;
  for (size_t i = 0; i < n && conn == nullptr; ++i) {
    Conn& c = *pool_[(first + i) % n];
    std::unique_lock<std::mutex> l(c.mu, std::try_to_lock);
    if (l.owns_lock()) {
      lock = std::move(l);
      conn = &c;
    }
  }
  if (conn == nullptr) {
    conn = pool_[first % n].get();
    lock = std::unique_lock<std::mutex>(conn->mu);
  }
  absl::StatusOr<std::vector<Reply>> result;
  // One reconnect: a server restart or an idle connection closed by the server is not an error
  // the caller should see. A command may then run twice; callers keep their writes idempotent.
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::Status s = EnsureConnected(*conn);
    if (!s.ok()) {
      result = s;
      continue;
    }
    result = PipelineLocked(*conn, cmds);
    if (result.ok() || result.status().code() != absl::StatusCode::kUnavailable) break;
    errors_->With({"io"}).Inc();
  }
  latency_->With({}).Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return result;
}

absl::StatusOr<Reply> RedisClient::Command(const std::vector<std::string>& args) {
  auto r = Pipeline({args});
  if (!r.ok()) return r.status();
  Reply reply = std::move((*r)[0]);
  if (reply.type == Reply::Type::kError) {
    errors_->With({"reply"}).Inc();
    // A server loading its data, busy with a script, read-only after a failover or out of memory
    // will answer later: transient. Anything else is a wrong command: permanent.
    for (const char* transient : {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "OOM",
                                  "CLUSTERDOWN"}) {
      if (reply.str.rfind(transient, 0) == 0) {
        return absl::UnavailableError(absl::StrCat("redis ", args[0], ": ", reply.str));
      }
    }
    return absl::FailedPreconditionError(absl::StrCat("redis ", args[0], ": ", reply.str));
  }
  return reply;
}

absl::StatusOr<Reply> RedisClient::Eval(const Script& script, const std::vector<std::string>& keys,
                                        const std::vector<std::string>& args) {
  return EvalViews(script, keys, std::vector<std::string_view>(args.begin(), args.end()));
}

absl::StatusOr<Reply> RedisClient::EvalViews(const Script& script,
                                             const std::vector<std::string>& keys,
                                             const std::vector<std::string_view>& args) {
  const std::string nkeys = std::to_string(keys.size());
  auto build = [&](const std::string& verb, const std::string& body) {
    std::vector<std::string_view> cmd{verb, body, nkeys};
    cmd.reserve(3 + keys.size() + args.size());
    cmd.insert(cmd.end(), keys.begin(), keys.end());
    cmd.insert(cmd.end(), args.begin(), args.end());
    return CommandViews{std::move(cmd)};
  };
  const std::string evalsha = "EVALSHA", eval = "EVAL";
  auto r = PipelineViews(build(evalsha, script.sha()));
  if (!r.ok()) return r.status();
  Reply reply = std::move((*r)[0]);
  if (reply.type == Reply::Type::kError && reply.str.rfind("NOSCRIPT", 0) == 0) {
    auto again = PipelineViews(build(eval, script.source()));
    if (!again.ok()) return again.status();
    reply = std::move((*again)[0]);
  }
  if (reply.type == Reply::Type::kError) {
    errors_->With({"script"}).Inc();
    return absl::InternalError(absl::StrCat("redis script: ", reply.str));
  }
  return reply;
}

absl::Status RedisClient::Ping() {
  auto r = Command({"PING"});
  if (!r.ok()) return r.status();
  return absl::OkStatus();
}

}  // namespace teksin::redis
