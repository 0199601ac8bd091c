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
// are those of case.proto). Each update reads its case once (one HMGET of the fields the rules
// look at) and writes it once (one HSET of the fields it sets), or not at all when it changes
// nothing. The citizen and GEO sets end as if each update had been followed by the writes of the
// script before ADR 0026 (ZADD to the update's citizen key with the stored received time; GEOADD
// or ZREM on geo:all and on geo:cat:<the update's category>), but a set is written only when the
// case's place in it changes:
//   geo:all      holds the case exactly when its stored state is geo-indexed (every version of
//                this script keeps it so), so it is written when that changes;
//   _z = "<score> <citizen key>"  the hash's record of its last ZADD; skipped when the same;
//   _g = "<0|1><category>"        its last GEO write to a category set; skipped when the same.
// A case not in the index yet was in no set, so its first ZREM is skipped too. The hidden fields
// are written by the HSET that follows the set writes: a script that fails in between has not
// written them, and the redelivered batch writes the sets again. Plain locals and one table per
// update: Lua work, not the commands, is most of what this script costs (ADR 0026).
const redis::Script& ApplyScript() {
  static const redis::Script kScript(R"lua(
local ns, n = ARGV[1], tonumber(ARGV[2])
local function geo(st, lat)
  if not lat or not (st == 2 or st == 3 or st == 4 or st == 5 or st == 6 or st == 9) then
    return false
  end
  lat = tonumber(lat)
  return lat >= -85.05112878 and lat <= 85.05112878
end
for a = 2, 2 + 18 * (n - 1), 18 do
  local at_s, case_id, ck, cat = ARGV[a + 1], ARGV[a + 2], ARGV[a + 4], ARGV[a + 5]
  local key = ns .. ':case:' .. case_id
  local h = redis.call('HMGET', key, 'case_id', 'tracking_code', 'citizen_key', 'category',
                       'channel', 'request_type', 'lat', 'lon', 'received_us', 'status',
                       'updated_us', 'closed_us', '_z', '_g')
  local w, i = {}, 0
  local fresh = not h[1]
  if fresh then w[1], w[2], i = 'case_id', case_id, 2 end
  local x = ARGV[a + 3]
  if not h[2] and x ~= '' then w[i + 1], w[i + 2], i = 'tracking_code', x, i + 2 end
  if not h[3] and ck ~= '' then w[i + 1], w[i + 2], i = 'citizen_key', ck, i + 2 end
  if not h[4] and cat ~= '' then w[i + 1], w[i + 2], i = 'category', cat, i + 2 end
  x = ARGV[a + 6]
  if not h[5] and x ~= '0' then w[i + 1], w[i + 2], i = 'channel', x, i + 2 end
  x = ARGV[a + 7]
  if not h[6] and x ~= '0' then w[i + 1], w[i + 2], i = 'request_type', x, i + 2 end
  local lat, lon = h[7], h[8]
  if not lat and ARGV[a + 8] == '1' then
    lat, lon = ARGV[a + 9], ARGV[a + 10]
    w[i + 1], w[i + 2], w[i + 3], w[i + 4], i = 'lat', lat, 'lon', lon, i + 4
  end
  local received = h[9]
  x = ARGV[a + 11]
  if not received and x ~= '0' then
    received = x
    w[i + 1], w[i + 2], i = 'received_us', x, i + 2
  end
  local was = tonumber(h[10] or '0')
  local st, status = was, tonumber(ARGV[a + 12])
  local at = tonumber(at_s)
  if was == 0 or (status ~= 1 and at >= tonumber(h[11] or '0')) then
    if status ~= 0 then
      st = status
      w[i + 1], w[i + 2], i = 'status', ARGV[a + 12], i + 2
    end
    x = ARGV[a + 13]
    if x ~= '' then w[i + 1], w[i + 2], i = 'district', x, i + 2 end
    x = ARGV[a + 14]
    if x ~= '' then w[i + 1], w[i + 2], i = 'neighbourhood', x, i + 2 end
    x = ARGV[a + 15]
    if x ~= '' then
      w[i + 1], w[i + 2], w[i + 3], w[i + 4], w[i + 5], w[i + 6], i =
          'owner_id', x, 'owner_name', ARGV[a + 16], 'owner_kind', ARGV[a + 17], i + 6
    end
    x = ARGV[a + 18]
    if x ~= '0' then w[i + 1], w[i + 2], i = 'deadline_us', x, i + 2 end
    if st == 0 or st == 7 or st == 8 or st == 10 then
      local closed = tonumber(h[12] or '0')
      if closed == 0 or closed > at then w[i + 1], w[i + 2], i = 'closed_us', at_s, i + 2 end
    elseif h[12] ~= '0' then
      w[i + 1], w[i + 2], i = 'closed_us', '0', i + 2
    end
    w[i + 1], w[i + 2], i = 'updated_us', at_s, i + 2
  end
  if ck ~= '' then
    local z = (received or '0') .. ' ' .. ck
    if h[13] ~= z then
      redis.call('ZADD', ns .. ':citizen:' .. ck, received or '0', case_id)
      w[i + 1], w[i + 2], i = '_z', z, i + 2
    end
  end
  local was_geo, is_geo = geo(was, h[7]), geo(st, lat)
  if is_geo ~= was_geo then
    if is_geo then
      redis.call('GEOADD', ns .. ':geo:all', lon, lat, case_id)
    else
      redis.call('ZREM', ns .. ':geo:all', case_id)
    end
  end
  if cat ~= '' then
    local g = (is_geo and '1' or '0') .. cat
    if h[14] ~= g then
      if is_geo then
        redis.call('GEOADD', ns .. ':geo:cat:' .. cat, lon, lat, case_id)
      elseif not fresh then
        redis.call('ZREM', ns .. ':geo:cat:' .. cat, case_id)
      end
      w[i + 1], w[i + 2], i = '_g', g, i + 2
    end
  end
  if i > 0 then redis.call('HSET', key, unpack(w)) end
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
  auto args = Args(updates);
  if (!args.ok()) return args.status();
  return redis_.Eval(ApplyScript(), {}, *args).status();
}

absl::StatusOr<std::vector<std::string>> RedisCaseIndex::ApplyCommand(
    const std::vector<CaseUpdate>& updates) const {
  auto args = Args(updates);
  if (!args.ok()) return args.status();
  std::vector<std::string> cmd{"EVALSHA", ApplyScript().sha(), "0"};
  cmd.insert(cmd.end(), std::make_move_iterator(args->begin()),
             std::make_move_iterator(args->end()));
  return cmd;
}

absl::StatusOr<std::vector<std::string>> RedisCaseIndex::Args(
    const std::vector<CaseUpdate>& updates) const {
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
  return args;
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
