// The call-centre case index's write path as it was before ADR 0026: one Lua script per event,
// reading and writing each field with its own command (HSETNX, HEXISTS, HGET, HSET) and writing
// the citizen and GEO sets on every event. Kept only as the reference the equivalence test
// (tests/integration/callcenter_index_redis_test.cc) and bench_callcenter_index compare the
// batched script with; the service does not use it.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "channel_callcenter/case_index.h"
#include "redis/client.h"

namespace teksin::bench_callcenter {

// KEYS: case hash, citizen zset, geo:all, geo:cat:<category>
// ARGV: at_us, case_id, tracking_code, citizen_key, category, channel, request_type,
//       has_coordinates, lat, lon, received_us, status, district, neighbourhood, owner_id,
//       owner_name, owner_kind, deadline_us
inline const redis::Script& LegacyApplyScript() {
  static const redis::Script kScript(R"lua(
local k = KEYS[1]
local function keep(f, v)
  if v ~= '' and v ~= '0' then redis.call('HSETNX', k, f, v) end
end
keep('case_id', ARGV[2])
keep('tracking_code', ARGV[3])
keep('citizen_key', ARGV[4])
keep('category', ARGV[5])
keep('channel', ARGV[6])
keep('request_type', ARGV[7])
if ARGV[8] == '1' and redis.call('HEXISTS', k, 'lat') == 0 then
  redis.call('HSET', k, 'lat', ARGV[9], 'lon', ARGV[10])
end
keep('received_us', ARGV[11])

local at = tonumber(ARGV[1])
local status = tonumber(ARGV[12])
local cur_status = tonumber(redis.call('HGET', k, 'status') or '0')
local cur_at = tonumber(redis.call('HGET', k, 'updated_us') or '0')
local first = cur_status == 0
local apply = true
if status == 1 and not first then apply = false end
if not first and at < cur_at then apply = false end
if apply then
  if status ~= 0 then redis.call('HSET', k, 'status', ARGV[12]) end
  if ARGV[13] ~= '' then redis.call('HSET', k, 'district', ARGV[13]) end
  if ARGV[14] ~= '' then redis.call('HSET', k, 'neighbourhood', ARGV[14]) end
  if ARGV[15] ~= '' then
    redis.call('HSET', k, 'owner_id', ARGV[15], 'owner_name', ARGV[16], 'owner_kind', ARGV[17])
  end
  if ARGV[18] ~= '0' then redis.call('HSET', k, 'deadline_us', ARGV[18]) end
  local st = tonumber(redis.call('HGET', k, 'status') or '0')
  if st == 0 or st == 7 or st == 8 or st == 10 then
    local c = tonumber(redis.call('HGET', k, 'closed_us') or '0')
    if c == 0 or c > at then redis.call('HSET', k, 'closed_us', ARGV[1]) end
  else
    redis.call('HSET', k, 'closed_us', '0')
  end
  redis.call('HSET', k, 'updated_us', ARGV[1])
end

local h = redis.call('HMGET', k, 'case_id', 'received_us', 'status', 'lat', 'lon')
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[2], h[2] or '0', h[1])  -- the string: Lua numbers print with 14 digits
end
local st = tonumber(h[3] or '0')
local geo = h[4] and (st == 2 or st == 3 or st == 4 or st == 5 or st == 6 or st == 9)
if geo then
  local lat = tonumber(h[4])
  geo = lat >= -85.05112878 and lat <= 85.05112878
end
if geo then
  redis.call('GEOADD', KEYS[3], h[5], h[4], h[1])
  if ARGV[5] ~= '' then redis.call('GEOADD', KEYS[4], h[5], h[4], h[1]) end
else
  redis.call('ZREM', KEYS[3], h[1])
  if ARGV[5] ~= '' then redis.call('ZREM', KEYS[4], h[1]) end
end
return 1
)lua");
  return kScript;
}

// One update through the old script; prefix is the index's ("<topic prefix>:cc").
inline absl::Status LegacyApply(redis::RedisClient& redis, const std::string& prefix,
                                const channel_callcenter::CaseUpdate& u) {
  const channel_callcenter::CaseRecord& r = u.record;
  std::vector<std::string> keys{absl::StrCat(prefix, ":case:", r.case_id),
                                absl::StrCat(prefix, ":citizen:", r.citizen_key),
                                absl::StrCat(prefix, ":geo:all"),
                                absl::StrCat(prefix, ":geo:cat:", r.category)};
  std::vector<std::string> args{std::to_string(u.at_us),
                                r.case_id,
                                r.tracking_code,
                                r.citizen_key,
                                r.category,
                                std::to_string(static_cast<int>(r.channel)),
                                std::to_string(static_cast<int>(r.request_type)),
                                r.has_coordinates ? "1" : "0",
                                absl::StrFormat("%.9f", r.lat),
                                absl::StrFormat("%.9f", r.lon),
                                std::to_string(r.received_us),
                                std::to_string(static_cast<int>(r.status)),
                                r.district,
                                r.neighbourhood,
                                r.owner_id,
                                r.owner_name,
                                std::to_string(static_cast<int>(r.owner_kind)),
                                std::to_string(r.deadline_us)};
  return redis.Eval(LegacyApplyScript(), keys, args).status();
}

}  // namespace teksin::bench_callcenter
