#include "intake/redis_link_store.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace teksin::intake {
namespace {

// A Lua function both scripts that index an open case start with: the case's hash, the
// citizen's index (when there is a citizen) and the category's GEO set with its time index (when
// the case has coordinates).
constexpr char kRegisterOpen[] = R"lua(
local function register_open(case_key, citizen_key, geo_key, geot_key, id, code, citizen,
                             category, has_coordinates, lat, lon, at)
  redis.call('HSET', case_key, 'case_id', id, 'tracking_code', code, 'citizen_key', citizen,
    'category', category, 'has_coordinates', has_coordinates, 'lat', lat, 'lon', lon,
    'registered_us', at, 'closed', '0')
  if citizen ~= '' then redis.call('ZADD', citizen_key, at, id) end
  if has_coordinates == '1' then
    redis.call('GEOADD', geo_key, lon, lat, id)
    redis.call('ZADD', geot_key, at, id)
  end
end
)lua";

// KEYS: case hash, citizen zset, geo, geot
// ARGV: case_id, tracking_code, citizen_key, category, has_coordinates, lat, lon, registered_us
const redis::Script& AddScript() {
  static const redis::Script kScript(std::string(kRegisterOpen) + R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
register_open(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5],
  ARGV[6], ARGV[7], ARGV[8])
return 1
)lua");
  return kScript;
}

// KEYS: case hash. ARGV: key prefix, case_id, ttl seconds
const redis::Script& CloseScript() {
  static const redis::Script kScript(R"lua(
local h = redis.call('HMGET', KEYS[1], 'citizen_key', 'category')
redis.call('HSET', KEYS[1], 'case_id', ARGV[2], 'closed', '1')
redis.call('EXPIRE', KEYS[1], ARGV[3])
if h[2] then
  if h[1] and h[1] ~= '' then
    redis.call('ZREM', ARGV[1] .. ':cit:' .. h[1] .. ':' .. h[2], ARGV[2])
  end
  redis.call('ZREM', ARGV[1] .. ':geo:' .. h[2], ARGV[2])
  redis.call('ZREM', ARGV[1] .. ':geot:' .. h[2], ARGV[2])
end
return 1
)lua");
  return kScript;
}

// KEYS: case hash. ARGV: key prefix, case_id, at_us
const redis::Script& ReopenScript() {
  static const redis::Script kScript(R"lua(
local h = redis.call('HMGET', KEYS[1], 'citizen_key', 'category', 'has_coordinates', 'lat', 'lon')
if not h[2] then return 0 end
redis.call('HSET', KEYS[1], 'closed', '0', 'registered_us', ARGV[3])
redis.call('PERSIST', KEYS[1])
if h[1] ~= '' then redis.call('ZADD', ARGV[1] .. ':cit:' .. h[1] .. ':' .. h[2], ARGV[3], ARGV[2]) end
if h[3] == '1' then
  redis.call('GEOADD', ARGV[1] .. ':geo:' .. h[2], h[5], h[4], ARGV[2])
  redis.call('ZADD', ARGV[1] .. ':geot:' .. h[2], ARGV[3], ARGV[2])
end
return 1
)lua");
  return kScript;
}

// KEYS: geo, geot. ARGV: since_us. Drops entries registered before since_us.
const redis::Script& TrimScript() {
  static const redis::Script kScript(R"lua(
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
for _, id in ipairs(old) do redis.call('ZREM', KEYS[1], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
return #old
)lua");
  return kScript;
}

// The whole of LinkStore::DecideAndRecord in one call. Case hashes other than the contact's own
// are named from the prefix inside the script (as Close does: fine on one Redis, not a cluster).
// KEYS: decision, citizen zset, geo, geot, own case hash
// ARGV: key prefix, search_repeat, search_place, own case id, lon, lat, radius m, since_us,
//       ttl seconds, register, then AddScript's ARGV 2..8 (tracking_code, citizen_key, category,
//       has_coordinates, lat, lon, registered_us)
// Returns the recorded decision, encoded as Encode() does.
const redis::Script& DecideScript() {
  static const redis::Script kScript(std::string(kRegisterOpen) + R"lua(
local function open_case(id)
  local h = redis.call('HMGET', ARGV[1] .. ':case:' .. id, 'tracking_code', 'category',
    'registered_us', 'closed')
  if not h[2] or h[4] == '1' then return nil end
  return h
end
local d = redis.call('GET', KEYS[1])
if not d then
  d = 'none			0.000'
  local found = false
  if ARGV[2] == '1' then
    for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, 4)) do
      local h = open_case(id)
      if h then
        if id ~= ARGV[4] then
          d = 'repeat	' .. id .. '	' .. (h[1] or '') .. '	0.000'
          found = true
        end
        break
      end
    end
  end
  if not found and ARGV[3] == '1' then
    local since = tonumber(ARGV[8])
    local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[8])
    for _, id in ipairs(old) do redis.call('ZREM', KEYS[3], id) end
    redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[8])
    local hits = redis.call('GEOSEARCH', KEYS[3], 'FROMLONLAT', ARGV[5], ARGV[6], 'BYRADIUS',
      ARGV[7], 'm', 'ASC', 'COUNT', '50', 'WITHDIST')
    local best, best_at, best_code, best_dist
    for _, e in ipairs(hits) do
      local dist = tonumber(e[2])
      if dist then
        local h = open_case(e[1])
        if h then
          local at = tonumber(h[3]) or 0
          if at >= since and (best == nil or at < best_at) then
            best, best_at, best_code, best_dist = e[1], at, h[1] or '', dist
          end
        end
      end
    end
    if best and best ~= ARGV[4] then
      d = 'duplicate	' .. best .. '	' .. best_code .. '	' .. string.format('%.3f', best_dist)
    end
  end
  redis.call('SET', KEYS[1], d, 'EX', ARGV[9])
end
if ARGV[10] == '1' and string.sub(d, 1, 5) == 'none	' and redis.call('EXISTS', KEYS[5]) == 0 then
  register_open(KEYS[5], KEYS[2], KEYS[3], KEYS[4], ARGV[4], ARGV[11], ARGV[12], ARGV[13],
    ARGV[14], ARGV[15], ARGV[16], ARGV[17])
end
return d
)lua");
  return kScript;
}

std::string Encode(const LinkDecision& d) {
  const char* kind = d.kind == LinkKind::kRepeat      ? "repeat"
                     : d.kind == LinkKind::kDuplicate ? "duplicate"
                                                      : "none";
  return absl::StrCat(kind, "\t", d.case_id, "\t", d.tracking_code, "\t",
                      absl::StrFormat("%.3f", d.distance_m));
}

absl::StatusOr<LinkDecision> Decode(const std::string& s) {
  std::vector<std::string> f = absl::StrSplit(s, '\t');
  LinkDecision d;
  if (f.size() != 4 || !absl::SimpleAtod(f[3], &d.distance_m)) {
    return absl::DataLossError(absl::StrCat("unreadable link decision \"", s, "\""));
  }
  if (f[0] == "repeat") {
    d.kind = LinkKind::kRepeat;
  } else if (f[0] == "duplicate") {
    d.kind = LinkKind::kDuplicate;
  } else if (f[0] != "none") {
    return absl::DataLossError(absl::StrCat("unknown link kind \"", f[0], "\""));
  }
  d.case_id = f[1];
  d.tracking_code = f[2];
  return d;
}

absl::Status ErrorReply(const redis::Reply& r, const char* what) {
  if (r.type == redis::Reply::Type::kError) {
    return absl::UnavailableError(absl::StrCat("redis ", what, ": ", r.str));
  }
  return absl::OkStatus();
}

// An open case's fields as the add and the decide scripts both read them (ARGV, in this order).
void AppendOpenArgs(const OpenCase& o, std::vector<std::string>* args) {
  args->insert(args->end(), {o.tracking_code, o.citizen_key, o.category,
                             o.has_coordinates ? "1" : "0", absl::StrFormat("%.9f", o.lat),
                             absl::StrFormat("%.9f", o.lon), std::to_string(o.registered_us)});
}

}  // namespace

absl::StatusOr<std::optional<LinkDecision>> RedisLinkStore::GetDecision(
    const std::string& contact) {
  auto r = redis_.Command({"GET", absl::StrCat(prefix_, ":decision:", contact)});
  if (!r.ok()) return r.status();
  if (auto s = ErrorReply(*r, "GET"); !s.ok()) return s;
  if (r->is_nil()) return std::nullopt;
  auto d = Decode(r->str);
  if (!d.ok()) return d.status();
  return *d;
}

absl::StatusOr<LinkDecision> RedisLinkStore::PutDecision(const std::string& contact,
                                                         const LinkDecision& decision,
                                                         absl::Duration ttl) {
  const std::string key = absl::StrCat(prefix_, ":decision:", contact);
  const int64_t seconds = std::max<int64_t>(1, absl::ToInt64Seconds(ttl));
  auto r = redis_.Command({"SET", key, Encode(decision), "NX", "EX", std::to_string(seconds)});
  if (!r.ok()) return r.status();
  if (auto s = ErrorReply(*r, "SET"); !s.ok()) return s;
  if (!r->is_nil()) return decision;
  auto stored = GetDecision(contact);  // another delivery decided first
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return absl::UnavailableError("link decision vanished; retry");
  return **stored;
}

absl::StatusOr<std::optional<OpenCase>> RedisLinkStore::Load(const std::string& case_id) {
  auto r = redis_.Command({"HMGET", absl::StrCat(prefix_, ":case:", case_id), "tracking_code",
                           "citizen_key", "category", "has_coordinates", "lat", "lon",
                           "registered_us", "closed"});
  if (!r.ok()) return r.status();
  if (auto s = ErrorReply(*r, "HMGET"); !s.ok()) return s;
  if (r->elements.size() != 8 || r->elements[2].is_nil() || r->elements[7].str == "1") {
    return std::nullopt;
  }
  OpenCase c;
  c.case_id = case_id;
  c.tracking_code = r->elements[0].str;
  c.citizen_key = r->elements[1].str;
  c.category = r->elements[2].str;
  c.has_coordinates = r->elements[3].str == "1";
  if (!absl::SimpleAtod(r->elements[4].str, &c.lat)) c.lat = 0;
  if (!absl::SimpleAtod(r->elements[5].str, &c.lon)) c.lon = 0;
  if (!absl::SimpleAtoi(r->elements[6].str, &c.registered_us)) c.registered_us = 0;
  return c;
}

absl::StatusOr<std::optional<OpenCase>> RedisLinkStore::OpenOfCitizen(
    const std::string& citizen_key, const std::string& category) {
  auto r = redis_.Command(
      {"ZRANGE", absl::StrCat(prefix_, ":cit:", citizen_key, ":", category), "0", "4"});
  if (!r.ok()) return r.status();
  if (auto s = ErrorReply(*r, "ZRANGE"); !s.ok()) return s;
  for (const auto& e : r->elements) {
    auto c = Load(e.str);
    if (!c.ok()) return c.status();
    if (c->has_value()) return *c;
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<NearbyOpen>> RedisLinkStore::FirstOpenNear(
    const std::string& category, double lat, double lon, double radius_m, int64_t since_us) {
  const std::string geo = absl::StrCat(prefix_, ":geo:", category);
  const std::string geot = absl::StrCat(prefix_, ":geot:", category);
  auto trimmed = redis_.Eval(TrimScript(), {geo, geot}, {std::to_string(since_us)});
  if (!trimmed.ok()) return trimmed.status();
  if (auto s = ErrorReply(*trimmed, "trim"); !s.ok()) return s;
  auto r = redis_.Command({"GEOSEARCH", geo, "FROMLONLAT", absl::StrFormat("%.9f", lon),
                           absl::StrFormat("%.9f", lat), "BYRADIUS",
                           absl::StrFormat("%.3f", radius_m), "m", "ASC", "COUNT", "50",
                           "WITHDIST"});
  if (!r.ok()) return r.status();
  if (auto s = ErrorReply(*r, "GEOSEARCH"); !s.ok()) return s;
  std::optional<NearbyOpen> best;
  for (const auto& e : r->elements) {
    if (e.elements.size() < 2) continue;
    double d = 0;
    if (!absl::SimpleAtod(e.elements[1].str, &d)) continue;
    auto c = Load(e.elements[0].str);
    if (!c.ok()) return c.status();
    if (!c->has_value() || (*c)->registered_us < since_us) continue;
    if (!best || (*c)->registered_us < best->open.registered_us) best = NearbyOpen{**c, d};
  }
  return best;
}

absl::Status RedisLinkStore::AddOpen(const OpenCase& o) {
  std::vector<std::string> keys{absl::StrCat(prefix_, ":case:", o.case_id),
                                absl::StrCat(prefix_, ":cit:", o.citizen_key, ":", o.category),
                                absl::StrCat(prefix_, ":geo:", o.category),
                                absl::StrCat(prefix_, ":geot:", o.category)};
  std::vector<std::string> args{o.case_id};
  AppendOpenArgs(o, &args);
  auto r = redis_.Eval(AddScript(), keys, args);
  if (!r.ok()) return r.status();
  return ErrorReply(*r, "add open case");
}

bool RedisLinkStore::DecideArgs(const DecideRequest& r, std::vector<std::string>* keys,
                                std::vector<std::string>* args) const {
  if (r.register_open &&
      (r.register_open->case_id != r.case_id || r.register_open->category != r.category ||
       r.register_open->citizen_key != r.citizen_key)) {
    return false;  // the script indexes the open case under the request's keys
  }
  *keys = {absl::StrCat(prefix_, ":decision:", r.contact),
           absl::StrCat(prefix_, ":cit:", r.citizen_key, ":", r.category),
           absl::StrCat(prefix_, ":geo:", r.category), absl::StrCat(prefix_, ":geot:", r.category),
           absl::StrCat(prefix_, ":case:", r.case_id)};
  const OpenCase o = r.register_open.value_or(OpenCase{});
  *args = {prefix_,
           r.search_repeat && !r.citizen_key.empty() ? "1" : "0",
           r.search_place ? "1" : "0",
           r.case_id,
           absl::StrFormat("%.9f", r.lon),
           absl::StrFormat("%.9f", r.lat),
           absl::StrFormat("%.3f", r.radius_m),
           std::to_string(r.since_us),
           std::to_string(std::max<int64_t>(1, absl::ToInt64Seconds(r.ttl))),
           r.register_open ? "1" : "0"};
  AppendOpenArgs(o, args);
  return true;
}

absl::StatusOr<LinkDecision> RedisLinkStore::DecideAndRecord(const DecideRequest& r) {
  std::vector<std::string> keys, args;
  if (!DecideArgs(r, &keys, &args)) return LinkStore::DecideAndRecord(r);
  auto reply = redis_.Eval(DecideScript(), keys, args);
  if (!reply.ok()) return reply.status();
  if (auto s = ErrorReply(*reply, "decide"); !s.ok()) return s;
  if (reply->type != redis::Reply::Type::kString) {
    return absl::InternalError("redis decide: the script returned no decision");
  }
  return Decode(reply->str);
}

absl::StatusOr<std::vector<LinkDecision>> RedisLinkStore::DecideAndRecordMany(
    const std::vector<DecideRequest>& requests) {
  std::vector<std::vector<std::string>> cmds;
  cmds.reserve(requests.size());
  for (const auto& r : requests) {
    std::vector<std::string> keys, args;
    if (!DecideArgs(r, &keys, &args)) return LinkStore::DecideAndRecordMany(requests);
    std::vector<std::string> cmd{"EVALSHA", DecideScript().sha(), std::to_string(keys.size())};
    cmd.insert(cmd.end(), keys.begin(), keys.end());
    cmd.insert(cmd.end(), args.begin(), args.end());
    cmds.push_back(std::move(cmd));
  }
  std::vector<LinkDecision> out;
  if (cmds.empty()) return out;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto replies = redis_.Pipeline(cmds);
    if (!replies.ok()) return replies.status();
    bool missing = false;
    for (const auto& reply : *replies) {
      if (reply.type == redis::Reply::Type::kError && reply.str.rfind("NOSCRIPT", 0) == 0) {
        missing = true;
      } else if (auto s = ErrorReply(reply, "decide"); !s.ok()) {
        return s;
      }
    }
    if (missing) {
      // The server does not know the script (restarted, flushed): load it by deciding the first
      // request once more (its recorded answer comes back), then send the batch again.
      auto first = DecideAndRecord(requests.front());
      if (!first.ok()) return first.status();
      continue;
    }
    out.reserve(replies->size());
    for (const auto& reply : *replies) {
      if (reply.type != redis::Reply::Type::kString) {
        return absl::InternalError("redis decide: the script returned no decision");
      }
      auto d = Decode(reply.str);
      if (!d.ok()) return d.status();
      out.push_back(std::move(*d));
    }
    return out;
  }
  return absl::UnavailableError("redis decide: the script could not be loaded");
}

absl::Status RedisLinkStore::Close(const std::string& case_id) {
  auto r = redis_.Eval(CloseScript(), {absl::StrCat(prefix_, ":case:", case_id)},
                       {prefix_, case_id,
                        std::to_string(std::max<int64_t>(1, absl::ToInt64Seconds(closed_ttl_)))});
  if (!r.ok()) return r.status();
  return ErrorReply(*r, "close case");
}

absl::Status RedisLinkStore::Reopen(const std::string& case_id, int64_t at_us) {
  auto r = redis_.Eval(ReopenScript(), {absl::StrCat(prefix_, ":case:", case_id)},
                       {prefix_, case_id, std::to_string(at_us)});
  if (!r.ok()) return r.status();
  return ErrorReply(*r, "reopen case");
}

}  // namespace teksin::intake
