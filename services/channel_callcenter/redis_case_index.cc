#include "channel_callcenter/redis_case_index.h"

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace teksin::channel_callcenter {
namespace {

// ARGV: prefix ("<topic prefix>:cc"), n, then per update (kArgsPerUpdate each): at_us, case_id,
//       tracking_code, citizen_key, category, channel, request_type, has_coordinates, lat, lon,
//       received_us, status, district, neighbourhood, owner_id, owner_name, owner_kind,
//       deadline_us
// Applies the updates in order with the rules of Merge() in case_index.cc (case status numbers
// are those of case.proto). Each case is read once (one HMGET of every field the rules look at)
// and written once (one HSET of the fields that changed), however many of the batch's updates it
// has. The citizen and GEO sets end as if each update had been followed by the writes of the
// script before ADR 0026 (ZADD to the update's citizen key with the stored received time; GEOADD
// or ZREM on geo:all and on geo:cat:<the update's category>), but a write is sent only when it
// changes something:
//   geo:all      holds the case exactly when the stored state is geo-indexed (every script since
//                the index exists keeps it so), so it is written when that changes;
//   _z = "<score> <citizen key>"  the last ZADD for the case; skipped when the same again;
//   _g = "<0|1><category>"        the last GEO write for a category set; skipped when the same.
// A case seen for the first time was in no set, so its first ZREMs are skipped too. The hidden
// fields are written by the HSET that follows the set writes, so a script that fails half-way
// leaves them behind and the redelivered batch writes the sets again.
const redis::Script& ApplyScript() {
  static const redis::Script kScript(R"lua(
local ns, n = ARGV[1], tonumber(ARGV[2])
local F = {'case_id', 'tracking_code', 'citizen_key', 'category', 'channel', 'request_type',
           'lat', 'lon', 'received_us', 'status', 'district', 'neighbourhood', 'owner_id',
           'owner_name', 'owner_kind', 'deadline_us', 'closed_us', 'updated_us', '_z', '_g'}
local cases, order = {}, {}
local function load(key)
  local c = cases[key]
  if c then return c end
  local h = redis.call('HMGET', key, unpack(F))
  c = {key = key, v = {}, dirty = {}, fresh = not h[1]}
  for i, f in ipairs(F) do c.v[f] = h[i] end
  cases[key] = c
  order[#order + 1] = c
  return c
end
local function set(c, f, x)
  if c.v[f] ~= x then
    c.v[f] = x
    c.dirty[f] = true
  end
end
local function geo(v)
  if not v.lat then return false end
  local st = tonumber(v.status or '0')
  if not (st == 2 or st == 3 or st == 4 or st == 5 or st == 6 or st == 9) then return false end
  local lat = tonumber(v.lat)
  return lat >= -85.05112878 and lat <= 85.05112878
end

for e = 0, n - 1 do
  local a = 2 + e * 18
  local at_s, case_id, ck, cat = ARGV[a + 1], ARGV[a + 2], ARGV[a + 4], ARGV[a + 5]
  local c = load(ns .. ':case:' .. case_id)
  local v = c.v
  local was_geo = geo(v)
  -- Kept from the first update that carries them (strings unless empty, numbers unless 0).
  local function keep(f, x, zero)
    if not v[f] and x ~= '' and x ~= zero then set(c, f, x) end
  end
  keep('case_id', case_id)
  keep('tracking_code', ARGV[a + 3])
  keep('citizen_key', ck)
  keep('category', cat)
  keep('channel', ARGV[a + 6], '0')
  keep('request_type', ARGV[a + 7], '0')
  if ARGV[a + 8] == '1' and not v.lat then
    set(c, 'lat', ARGV[a + 9])
    set(c, 'lon', ARGV[a + 10])
  end
  keep('received_us', ARGV[a + 11], '0')

  -- Current fields: only forward in time; "received" never replaces a later status.
  local at, status = tonumber(at_s), tonumber(ARGV[a + 12])
  local first = tonumber(v.status or '0') == 0
  if (first or status ~= 1) and (first or at >= tonumber(v.updated_us or '0')) then
    if status ~= 0 then set(c, 'status', ARGV[a + 12]) end
    if ARGV[a + 13] ~= '' then set(c, 'district', ARGV[a + 13]) end
    if ARGV[a + 14] ~= '' then set(c, 'neighbourhood', ARGV[a + 14]) end
    if ARGV[a + 15] ~= '' then
      set(c, 'owner_id', ARGV[a + 15])
      set(c, 'owner_name', ARGV[a + 16])
      set(c, 'owner_kind', ARGV[a + 17])
    end
    if ARGV[a + 18] ~= '0' then set(c, 'deadline_us', ARGV[a + 18]) end
    local st = tonumber(v.status or '0')
    if st == 0 or st == 7 or st == 8 or st == 10 then
      local closed = tonumber(v.closed_us or '0')
      if closed == 0 or closed > at then set(c, 'closed_us', at_s) end  -- the first closing
    else
      set(c, 'closed_us', '0')
    end
    set(c, 'updated_us', at_s)
  end

  -- The caller's history, by received time.
  if ck ~= '' then
    local z = (v.received_us or '0') .. ' ' .. ck
    if v._z ~= z then
      redis.call('ZADD', ns .. ':citizen:' .. ck, v.received_us or '0', v.case_id)
      set(c, '_z', z)
    end
  end
  -- Registered open cases with coordinates, all and by category.
  local is_geo = geo(v)
  if is_geo ~= was_geo then
    if is_geo then
      redis.call('GEOADD', ns .. ':geo:all', v.lon, v.lat, v.case_id)
    else
      redis.call('ZREM', ns .. ':geo:all', v.case_id)
    end
  end
  if cat ~= '' then
    local g = (is_geo and '1' or '0') .. cat
    if v._g ~= g then
      if is_geo then
        redis.call('GEOADD', ns .. ':geo:cat:' .. cat, v.lon, v.lat, v.case_id)
      elseif not (c.fresh and not v._g) then
        redis.call('ZREM', ns .. ':geo:cat:' .. cat, v.case_id)
      end
      set(c, '_g', g)
    end
  end
end

for _, c in ipairs(order) do
  local w = {}
  for _, f in ipairs(F) do
    if c.dirty[f] then
      w[#w + 1] = f
      w[#w + 1] = c.v[f]
    end
  end
  if #w > 0 then redis.call('HSET', c.key, unpack(w)) end
end
return n
)lua");
  return kScript;
}

constexpr size_t kArgsPerUpdate = 18;

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

absl::Status RedisCaseIndex::Apply(const CaseUpdate& update) {
  return ApplyBatch(std::vector<CaseUpdate>{update});
}

absl::Status RedisCaseIndex::ApplyBatch(const std::vector<CaseUpdate>& updates) {
  if (updates.empty()) return absl::OkStatus();
  std::vector<std::string> args;
  args.reserve(2 + kArgsPerUpdate * updates.size());
  args.push_back(prefix_);
  args.push_back(std::to_string(updates.size()));
  for (const auto& u : updates) {
    const CaseRecord& r = u.record;
    if (r.case_id.empty()) return absl::InvalidArgumentError("case update without a case id");
    args.push_back(std::to_string(u.at_us));
    args.push_back(r.case_id);
    args.push_back(r.tracking_code);
    args.push_back(r.citizen_key);
    args.push_back(r.category);
    args.push_back(std::to_string(static_cast<int>(r.channel)));
    args.push_back(std::to_string(static_cast<int>(r.request_type)));
    args.push_back(r.has_coordinates ? "1" : "0");
    args.push_back(absl::StrFormat("%.9f", r.lat));
    args.push_back(absl::StrFormat("%.9f", r.lon));
    args.push_back(std::to_string(r.received_us));
    args.push_back(std::to_string(static_cast<int>(r.status)));
    args.push_back(r.district);
    args.push_back(r.neighbourhood);
    args.push_back(r.owner_id);
    args.push_back(r.owner_name);
    args.push_back(std::to_string(static_cast<int>(r.owner_kind)));
    args.push_back(std::to_string(r.deadline_us));
  }
  return redis_.Eval(ApplyScript(), {}, args).status();
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

absl::StatusOr<std::optional<CaseRecord>> RedisCaseIndex::Get(const std::string& case_id) {
  auto loaded = Load({case_id});
  if (!loaded.ok()) return loaded.status();
  if (loaded->front().case_id.empty()) return std::nullopt;
  return std::move(loaded->front());
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
