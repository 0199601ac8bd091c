#include "channel_callcenter/redis_case_index.h"

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace teksin::channel_callcenter {
namespace {

// KEYS: case hash, citizen zset, geo:all, geo:cat:<category>
// ARGV: at_us, case_id, tracking_code, citizen_key, category, channel, request_type,
//       has_coordinates, lat, lon, received_us, status, district, neighbourhood, owner_id,
//       owner_name, owner_kind, deadline_us
// The same rules as Merge() in case_index.cc; case status numbers are those of case.proto.
const redis::Script& ApplyScript() {
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

int64_t Int(const std::map<std::string, std::string>& h, const std::string& f) {
  auto it = h.find(f);
  int64_t v = 0;
  if (it != h.end() && !absl::SimpleAtoi(it->second, &v)) v = 0;
  return v;
}

std::string Str(const std::map<std::string, std::string>& h, const std::string& f) {
  auto it = h.find(f);
  return it == h.end() ? "" : it->second;
}

CaseRecord FromHash(const std::map<std::string, std::string>& h) {
  CaseRecord r;
  r.case_id = Str(h, "case_id");
  r.tracking_code = Str(h, "tracking_code");
  r.citizen_key = Str(h, "citizen_key");
  r.category = Str(h, "category");
  r.channel = static_cast<v1::Channel>(Int(h, "channel"));
  r.request_type = static_cast<v1::RequestType>(Int(h, "request_type"));
  r.has_coordinates = h.count("lat") > 0 && absl::SimpleAtod(Str(h, "lat"), &r.lat) &&
                      absl::SimpleAtod(Str(h, "lon"), &r.lon);
  r.received_us = Int(h, "received_us");
  r.status = static_cast<v1::CaseStatus>(Int(h, "status"));
  r.district = Str(h, "district");
  r.neighbourhood = Str(h, "neighbourhood");
  r.owner_id = Str(h, "owner_id");
  r.owner_name = Str(h, "owner_name");
  r.owner_kind = static_cast<v1::OwnerKind>(Int(h, "owner_kind"));
  r.deadline_us = Int(h, "deadline_us");
  r.closed_us = Int(h, "closed_us");
  r.updated_us = Int(h, "updated_us");
  return r;
}

}  // namespace

absl::Status RedisCaseIndex::Apply(const CaseUpdate& u) {
  const CaseRecord& r = u.record;
  if (r.case_id.empty()) return absl::InvalidArgumentError("case update without a case id");
  std::vector<std::string> keys{
      CaseKey(r.case_id), absl::StrCat(prefix_, ":citizen:", r.citizen_key),
      absl::StrCat(prefix_, ":geo:all"), absl::StrCat(prefix_, ":geo:cat:", r.category)};
  std::vector<std::string> args{
      std::to_string(u.at_us),
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
  return redis_.Eval(ApplyScript(), keys, args).status();
}

absl::StatusOr<std::vector<CaseRecord>> RedisCaseIndex::Load(const std::vector<std::string>& ids) {
  std::vector<CaseRecord> out;
  if (ids.empty()) return out;
  std::vector<std::vector<std::string>> cmds;
  for (const auto& id : ids) cmds.push_back({"HGETALL", CaseKey(id)});
  auto replies = redis_.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  for (const auto& reply : *replies) {
    if (reply.type == redis::Reply::Type::kError) {
      return absl::UnavailableError(absl::StrCat("redis HGETALL: ", reply.str));
    }
    std::map<std::string, std::string> h;
    for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
      h[reply.elements[i].str] = reply.elements[i + 1].str;
    }
    if (h.empty()) {
      out.emplace_back();  // keeps positions aligned with ids; dropped by the callers
      continue;
    }
    out.push_back(FromHash(h));
  }
  return out;
}

absl::StatusOr<std::vector<CaseRecord>> RedisCaseIndex::ByCitizen(const std::string& citizen_key,
                                                                  int limit) {
  auto r = redis_.Command({"ZREVRANGE", absl::StrCat(prefix_, ":citizen:", citizen_key), "0",
                           std::to_string(limit - 1)});
  if (!r.ok()) return r.status();
  std::vector<std::string> ids;
  for (const auto& e : r->elements) ids.push_back(e.str);
  auto loaded = Load(ids);
  if (!loaded.ok()) return loaded.status();
  std::vector<CaseRecord> out;
  for (auto& c : *loaded) {
    if (!c.case_id.empty()) out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<std::vector<NearbyCase>> RedisCaseIndex::Nearby(double lat, double lon,
                                                              double radius_m,
                                                              const std::string& category,
                                                              int limit) {
  std::string key = category.empty() ? absl::StrCat(prefix_, ":geo:all")
                                     : absl::StrCat(prefix_, ":geo:cat:", category);
  auto r = redis_.Command({"GEOSEARCH", key, "FROMLONLAT", absl::StrFormat("%.9f", lon),
                           absl::StrFormat("%.9f", lat), "BYRADIUS",
                           absl::StrFormat("%.3f", radius_m), "m", "ASC", "COUNT",
                           std::to_string(limit), "WITHDIST"});
  if (!r.ok()) return r.status();
  std::vector<std::string> ids;
  std::vector<double> dist;
  for (const auto& e : r->elements) {
    if (e.elements.size() < 2) continue;
    double d = 0;
    if (!absl::SimpleAtod(e.elements[1].str, &d)) continue;
    ids.push_back(e.elements[0].str);
    dist.push_back(d);
  }
  auto loaded = Load(ids);
  if (!loaded.ok()) return loaded.status();
  std::vector<NearbyCase> out;
  for (size_t i = 0; i < loaded->size(); ++i) {
    CaseRecord& c = (*loaded)[i];
    if (c.case_id.empty() || !IsGeoIndexedStatus(c.status)) continue;
    out.push_back({std::move(c), dist[i]});
  }
  return out;
}

}  // namespace teksin::channel_callcenter
