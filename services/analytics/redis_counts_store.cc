#include "analytics/redis_counts_store.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace teksin::analytics {
namespace {

const redis::Script& ApplyScript() {
  // ARGV: ns, event_id, ttl, n, (hash, field, delta) * n, case_id, status, at_us
  static const redis::Script kScript(R"lua(
local ns = ARGV[1]
if not redis.call('SET', ns .. ':seen:' .. ARGV[2], '1', 'NX', 'EX', ARGV[3]) then
  return 0
end
local n = tonumber(ARGV[4])
local i = 5
for _ = 1, n do
  local h = ns .. ':h:' .. ARGV[i]
  if string.sub(ARGV[i], 1, 5) == 'cube:' then
    redis.call('SADD', ns .. ':days', string.sub(ARGV[i], 6))
  else
    redis.call('SADD', ns .. ':hashes', ARGV[i])
  end
  redis.call('HINCRBY', h, ARGV[i + 1], ARGV[i + 2])
  i = i + 3
end
local case_id = ARGV[i]
if case_id ~= '' then
  local status, at = ARGV[i + 1], tonumber(ARGV[i + 2])
  local key = ns .. ':case:' .. case_id
  local cur = redis.call('HMGET', key, 's', 't')
  if not cur[2] or at >= tonumber(cur[2]) then
    redis.call('SADD', ns .. ':hashes', 'status')
    if cur[1] then redis.call('HINCRBY', ns .. ':h:status', cur[1], -1) end
    redis.call('HINCRBY', ns .. ':h:status', status, 1)
    redis.call('HSET', key, 's', status, 't', ARGV[i + 2])
  end
end
return 1
)lua");
  return kScript;
}

}  // namespace

RedisCountsStore::RedisCountsStore(redis::RedisClient& redis, std::string ns,
                                   int64_t seen_ttl_seconds)
    : redis_(redis), ns_(std::move(ns)), seen_ttl_(seen_ttl_seconds) {}

absl::StatusOr<bool> RedisCountsStore::Apply(const std::string& event_id, const Effects& e) {
  std::vector<std::string> args{ns_, event_id, std::to_string(seen_ttl_),
                                std::to_string(e.increments.size())};
  for (const auto& i : e.increments) {
    args.push_back(i.hash);
    args.push_back(i.field);
    args.push_back(std::to_string(i.delta));
  }
  if (e.status) {
    args.push_back(e.status->case_id);
    args.push_back(e.status->status);
    args.push_back(std::to_string(e.status->at_us));
  } else {
    args.insert(args.end(), {"", "", "0"});
  }
  auto r = redis_.Eval(ApplyScript(), {}, args);
  if (!r.ok()) return r.status();
  return r->integer == 1;
}

absl::StatusOr<Figures> RedisCountsStore::Read() {
  auto names = redis_.Command({"SMEMBERS", ns_ + ":hashes"});
  if (!names.ok()) return names.status();
  std::vector<std::vector<std::string>> cmds;
  std::vector<std::string> hashes;
  for (const auto& e : names->elements) {
    hashes.push_back(e.str);
    cmds.push_back({"HGETALL", ns_ + ":h:" + e.str});
  }
  Figures out;
  if (cmds.empty()) return out;
  auto replies = redis_.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  for (size_t h = 0; h < hashes.size(); ++h) {
    const auto& r = (*replies)[h];
    auto& dst = out[hashes[h]];
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
      int64_t v = 0;
      (void)absl::SimpleAtoi(r.elements[i + 1].str, &v);
      dst[r.elements[i].str] = v;
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> RedisCountsStore::Days() {
  auto r = redis_.Command({"SMEMBERS", ns_ + ":days"});
  if (!r.ok()) return r.status();
  std::vector<std::string> out;
  for (const auto& e : r->elements) out.push_back(e.str);
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::map<std::string, DayCube>> RedisCountsStore::ReadDays(
    const std::vector<std::string>& days) {
  std::map<std::string, DayCube> out;
  if (days.empty()) return out;
  std::vector<std::vector<std::string>> cmds;
  for (const auto& d : days) cmds.push_back({"HGETALL", absl::StrCat(ns_, ":h:", kCubePrefix, d)});
  auto replies = redis_.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  for (size_t d = 0; d < days.size(); ++d) {
    const auto& r = (*replies)[d];
    auto& dst = out[days[d]];
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
      int64_t v = 0;
      (void)absl::SimpleAtoi(r.elements[i + 1].str, &v);
      dst[r.elements[i].str] = v;
    }
  }
  return out;
}

}  // namespace teksin::analytics
