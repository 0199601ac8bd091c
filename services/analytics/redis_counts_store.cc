#include "analytics/redis_counts_store.h"

#include <algorithm>
#include <deque>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace teksin::analytics {
namespace {

// Lua shared by the three scripts (ADR 0029).
//
// The seen windows: the ids applied are kept in one set per window of `win` seconds of the
// applier's clock, `<ns>:seenw:<window start>`, which expires `ttl` seconds after its window
// ends; `<ns>:seenw` lists the live windows scored by their expiry. An id is seen before if a
// live window holds it, or, for one TTL after an upgrade from the per-event keys, if its
// `<ns>:seen:<id>` key still exists.
//
// The figures: the deltas of a call are summed per (hash, field) in a Lua table and written with
// one HMGET and one HSET per hash (a redis.call costs far more than the Lua arithmetic).
//
// Each case's status is a field of one of kCaseShards hashes, `<ns>:cs:<shard>`, valued
// "<at_us> <status>", read with one HMGET per shard and written with one HSET per shard; a case
// counted by an earlier version (its `<ns>:case:<id>` hash) is moved there when first met while
// `<ns>:caselegacy` exists.
constexpr char kSharedLua[] = R"lua(
local function live_windows(ns, now)
  local reg = ns .. ':seenw'
  redis.call('ZREMRANGEBYSCORE', reg, '-inf', '(' .. now)
  return redis.call('ZRANGE', reg, 0, -1)
end
-- seen[i] is true when ids[i] was applied before.
local function seen_before(ns, now, ids)
  local seen = {}
  if #ids == 0 then return seen end
  for _, w in ipairs(live_windows(ns, now)) do
    local key = ns .. ':seenw:' .. w
    for j = 1, #ids, 500 do
      local hits = redis.call('SMISMEMBER', key, unpack(ids, j, math.min(j + 499, #ids)))
      for x, h in ipairs(hits) do
        if h == 1 then seen[j + x - 1] = true end
      end
    end
  end
  if redis.call('EXISTS', ns .. ':seenlegacy') == 1 then
    for i, id in ipairs(ids) do
      if not seen[i] and redis.call('EXISTS', ns .. ':seen:' .. id) == 1 then seen[i] = true end
    end
  end
  return seen
end
local function remember(ns, now, win, ttl, ids)
  if #ids == 0 then return end
  local start = now - now % win
  local key = ns .. ':seenw:' .. start
  for j = 1, #ids, 500 do redis.call('SADD', key, unpack(ids, j, math.min(j + 499, #ids))) end
  local expires = start + win + ttl
  redis.call('EXPIREAT', key, expires)
  redis.call('ZADD', ns .. ':seenw', expires, start)
end
-- sums.d[h][f] is the summed delta of field f of hash h; sums.order lists the hashes.
local function new_sums()
  return {d = {}, order = {}}
end
local function add(sums, h, f, d)
  local t = sums.d[h]
  if not t then
    t = {}
    sums.d[h] = t
    sums.order[#sums.order + 1] = h
  end
  t[f] = (t[f] or 0) + d
end
-- reg.days and reg.named: the registries of the hashes written (the cubes by day, the others).
local function register(reg, h)
  if string.sub(h, 1, 5) == 'cube:' then
    reg.days[#reg.days + 1] = string.sub(h, 6)
  else
    reg.named[#reg.named + 1] = h
  end
end
local function write_registry(ns, reg)
  local days, named = reg.days, reg.named
  for j = 1, #days, 500 do redis.call('SADD', ns .. ':days', unpack(days, j, math.min(j + 499, #days))) end
  for j = 1, #named, 500 do redis.call('SADD', ns .. ':hashes', unpack(named, j, math.min(j + 499, #named))) end
end
-- Adds deltas to c fields of hash h: the fields are a[from .. from + c - 1], their deltas (integer
-- strings) a[from + c .. from + 2c - 1]. One HMGET and one HSET per 500 fields.
local function write_range(ns, h, a, from, c)
  local key = ns .. ':h:' .. h
  for j = 0, c - 1, 500 do
    local n = math.min(500, c - j)
    local f0, d0 = from + j, from + c + j
    local cur = redis.call('HMGET', key, unpack(a, f0, f0 + n - 1))
    local set = {}
    for x = 1, n do
      set[2 * x - 1] = a[f0 + x - 1]
      if cur[x] then
        set[2 * x] = string.format('%d', tonumber(cur[x]) + tonumber(a[d0 + x - 1]))
      else
        set[2 * x] = a[d0 + x - 1]
      end
    end
    redis.call('HSET', key, unpack(set))
  end
end
local function write_sums(ns, sums, reg)
  for _, h in ipairs(sums.order) do
    local a = {}
    for f in pairs(sums.d[h]) do a[#a + 1] = f end
    local c = #a
    for x = 1, c do a[c + x] = string.format('%d', sums.d[h][a[x]]) end
    write_range(ns, h, a, 1, c)
    register(reg, h)
  end
end
-- The status moves: a[off + 4j .. off + 4j + 3] = shard, case_id, status, at_us for j = 0 .. m-1,
-- in event order. A case's status moves only forward in time; each move takes one from the old
-- status and adds one to the new in sums' 'status' hash.
local function move_statuses(ns, a, off, m, sums)
  if m == 0 then return end
  local last = off + 4 * (m - 1)
  local known, shards, by_shard = {}, {}, {}
  for j = off, last, 4 do
    local id = a[j + 1]
    if not known[id] then
      known[id] = true
      local list = by_shard[a[j]]
      if not list then
        list = {}
        by_shard[a[j]] = list
        shards[#shards + 1] = a[j]
      end
      list[#list + 1] = id
    end
  end
  -- Each case's current time (a number), status, and time as stored (a string).
  local t, s, v = {}, {}, {}
  for _, shard in ipairs(shards) do
    local ids = by_shard[shard]
    for j = 1, #ids, 500 do
      local vals = redis.call('HMGET', ns .. ':cs:' .. shard, unpack(ids, j, math.min(j + 499, #ids)))
      for x = 1, #vals do
        if vals[x] then
          local id = ids[j + x - 1]
          local at, st = string.match(vals[x], '^(%d+) (.*)$')
          t[id], s[id], v[id] = tonumber(at), st, at
        end
      end
    end
  end
  local dirty, moved = {}, {}
  if redis.call('EXISTS', ns .. ':caselegacy') == 1 then
    for j = off, last, 4 do
      local id = a[j + 1]
      if not t[id] and not moved[id] then
        moved[id] = true
        local old = redis.call('HMGET', ns .. ':case:' .. id, 's', 't')
        if old[2] then
          t[id], s[id], v[id] = tonumber(old[2]), old[1], old[2]
          dirty[id] = a[j]
        end
        redis.call('DEL', ns .. ':case:' .. id)
      end
    end
  end
  for j = off, last, 4 do
    local id, at = a[j + 1], tonumber(a[j + 3])
    local cur = t[id]
    if not cur or at >= cur then
      if cur then add(sums, 'status', s[id], -1) end
      add(sums, 'status', a[j + 2], 1)
      t[id], s[id], v[id] = at, a[j + 2], a[j + 3]
      dirty[id] = a[j]
    end
  end
  local sets, order = {}, {}
  for id, shard in pairs(dirty) do
    local set = sets[shard]
    if not set then
      set = {}
      sets[shard] = set
      order[#order + 1] = shard
    end
    set[#set + 1] = id
    set[#set + 1] = v[id] .. ' ' .. s[id]
  end
  for _, shard in ipairs(order) do
    local set = sets[shard]
    for j = 1, #set, 1000 do redis.call('HSET', ns .. ':cs:' .. shard, unpack(set, j, math.min(j + 999, #set))) end
  end
end
)lua";

const redis::Script& ApplyScript() {
  // ARGV: ns, event_id, ttl, window, now, n, (hash, field, delta) * n, shard, case_id, status,
  // at_us (case_id empty: no status).
  static const redis::Script kScript(std::string(kSharedLua) + R"lua(
local ns, now = ARGV[1], tonumber(ARGV[5])
if seen_before(ns, now, {ARGV[2]})[1] then return 0 end
local sums, reg = new_sums(), {days = {}, named = {}}
local n = tonumber(ARGV[6])
local i = 7
for _ = 1, n do
  add(sums, ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]))
  i = i + 3
end
if ARGV[i + 1] ~= '' then move_statuses(ns, ARGV, i, 1, sums) end
write_sums(ns, sums, reg)
write_registry(ns, reg)
remember(ns, now, tonumber(ARGV[4]), tonumber(ARGV[3]), {ARGV[2]})
return 1
)lua");
  return kScript;
}

const redis::Script& ApplyBatchScript() {
  // ARGV: ns, ttl, window, now, count, then per event: event_id, n, (hash, field, delta) * n,
  // shard, case_id, status, at_us. Returns one integer per event: 1 applied, 0 seen before.
  // Same effects as ApplyScript once per event in order; only the writes are merged.
  static const redis::Script kScript(std::string(kSharedLua) + R"lua(
local ns, ttl, win, now, count = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]),
  tonumber(ARGV[5])
-- The ids first (each event's record is 6 + 3n arguments long), then which were seen before.
local ids = {}
local i = 6
for e = 1, count do
  ids[e] = ARGV[i]
  i = i + 6 + 3 * tonumber(ARGV[i + 1])
end
local seen = seen_before(ns, now, ids)
local sums, reg, updates, result, fresh = new_sums(), {days = {}, named = {}}, {}, {}, {}
i = 6
for e = 1, count do
  local n = tonumber(ARGV[i + 1])
  i = i + 2
  if not seen[e] then
    fresh[#fresh + 1] = ids[e]
    result[e] = 1
    for _ = 1, n do
      add(sums, ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]))
      i = i + 3
    end
    if ARGV[i + 1] ~= '' then
      for x = 0, 3 do updates[#updates + 1] = ARGV[i + x] end
    end
  else
    result[e] = 0
    i = i + 3 * n
  end
  i = i + 4
end
move_statuses(ns, updates, 1, #updates / 4, sums)
write_sums(ns, sums, reg)
write_registry(ns, reg)
remember(ns, now, win, ttl, fresh)
return result
)lua");
  return kScript;
}

const redis::Script& ApplyNewBatchScript() {
  // The common case of ApplyBatch, every event new: the increments come summed already.
  // ARGV: ns, ttl, window, now, k, event_id * k, m, (shard, case_id, status, at_us) * m, then
  // per hash to the end: hash, c, field * c, delta * c. If any event id was seen before, the
  // script writes nothing and answers 0 (the caller then sends the batch with every event's
  // increments to ApplyBatchScript); otherwise 1.
  static const redis::Script kScript(std::string(kSharedLua) + R"lua(
local ns, ttl, win, now, k = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]),
  tonumber(ARGV[5])
local ids = {}
for j = 1, k do ids[j] = ARGV[5 + j] end
if next(seen_before(ns, now, ids)) then return 0 end
local i = 6 + k
local m = tonumber(ARGV[i])
local sums, reg = new_sums(), {days = {}, named = {}}
move_statuses(ns, ARGV, i + 1, m, sums)
i = i + 1 + 4 * m
while i <= #ARGV do
  local c = tonumber(ARGV[i + 1])
  write_range(ns, ARGV[i], ARGV, i + 2, c)
  register(reg, ARGV[i])
  i = i + 2 + 2 * c
end
write_sums(ns, sums, reg)
write_registry(ns, reg)
remember(ns, now, win, ttl, ids)
return 1
)lua");
  return kScript;
}

// The status hash a case's status lives in: FNV-1a of its id, fixed so every instance and
// version agrees.
std::string ShardOf(const std::string& case_id) {
  uint32_t h = 2166136261u;
  for (unsigned char c : case_id) {
    h ^= c;
    h *= 16777619u;
  }
  return std::to_string(h % RedisCountsStore::kCaseShards);
}

// An event's increments (hash, field, delta) * n, then its status (shard, case_id, status,
// at_us), as the per-event scripts read them.
void AppendEffects(const Effects& e, std::vector<std::string>& args) {
  for (const auto& i : e.increments) {
    args.push_back(i.hash);
    args.push_back(i.field);
    args.push_back(std::to_string(i.delta));
  }
  if (e.status) {
    args.push_back(ShardOf(e.status->case_id));
    args.push_back(e.status->case_id);
    args.push_back(e.status->status);
    args.push_back(std::to_string(e.status->at_us));
  } else {
    args.insert(args.end(), {"", "", "", "0"});
  }
}

}  // namespace

RedisCountsStore::RedisCountsStore(redis::RedisClient& redis, std::string ns,
                                   int64_t seen_ttl_seconds, std::function<absl::Time()> now)
    : redis_(redis),
      ns_(std::move(ns)),
      seen_ttl_(seen_ttl_seconds),
      window_(std::max<int64_t>(1, seen_ttl_seconds / 2)),
      now_(std::move(now)) {}

std::string RedisCountsStore::Now() const { return std::to_string(absl::ToUnixSeconds(now_())); }

absl::StatusOr<bool> RedisCountsStore::Prepare() {
  // Marks the namespace's layout. If it already held figures of an earlier version, the
  // per-event seen keys are checked too until the last of them expired, and the per-case status
  // hashes are read (and moved) until MoveLegacyCases has moved them all.
  static const redis::Script kScript(R"lua(
local ns = ARGV[1]
if redis.call('SET', ns .. ':layout', 'seen-windows,case-shards', 'NX') and redis.call('EXISTS', ns .. ':hashes') == 1 then
  redis.call('SET', ns .. ':seenlegacy', '1', 'EX', ARGV[2])
  redis.call('SET', ns .. ':caselegacy', '1')
  return 1
end
return 0
)lua");
  auto r = redis_.Eval(kScript, {}, {ns_, std::to_string(seen_ttl_)});
  if (!r.ok()) return r.status();
  return r->integer == 1;
}

absl::StatusOr<int64_t> RedisCountsStore::MoveLegacyCases(
    const std::function<void(int64_t)>& progress) {
  auto flag = redis_.Command({"EXISTS", ns_ + ":caselegacy"});
  if (!flag.ok()) return flag.status();
  if (flag->integer == 0) return 0;
  // ARGV: ns, then (shard, case_id) pairs: each old hash's status goes to its shard unless the
  // shard holds a newer one, and the old hash is deleted.
  static const redis::Script kMove(R"lua(
local ns = ARGV[1]
for i = 2, #ARGV - 1, 2 do
  local key = ns .. ':case:' .. ARGV[i + 1]
  local old = redis.call('HMGET', key, 's', 't')
  if old[2] then
    local shard = ns .. ':cs:' .. ARGV[i]
    local cur = redis.call('HGET', shard, ARGV[i + 1])
    if not cur or tonumber(string.sub(cur, 1, string.find(cur, ' ', 1, true) - 1)) < tonumber(old[2]) then
      redis.call('HSET', shard, ARGV[i + 1], old[2] .. ' ' .. old[1])
    end
  end
  redis.call('DEL', key)
end
return 1
)lua");
  const std::string prefix = ns_ + ":case:";
  std::string cursor = "0";
  int64_t moved = 0;
  do {
    auto page = redis_.Command({"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"});
    if (!page.ok()) return page.status();
    if (page->elements.size() != 2) return absl::InternalError("unexpected SCAN reply");
    cursor = page->elements[0].str;
    std::vector<std::string> args{ns_};
    for (const auto& k : page->elements[1].elements) {
      std::string id = k.str.substr(prefix.size());
      args.push_back(ShardOf(id));
      args.push_back(std::move(id));
    }
    if (args.size() > 1) {
      auto r = redis_.Eval(kMove, {}, args);
      if (!r.ok()) return r.status();
      moved += static_cast<int64_t>(args.size() / 2);
      if (progress) progress(moved);
    }
  } while (cursor != "0");
  auto done = redis_.Command({"DEL", ns_ + ":caselegacy"});
  if (!done.ok()) return done.status();
  return moved;
}

absl::StatusOr<bool> RedisCountsStore::Apply(const std::string& event_id, const Effects& e) {
  std::vector<std::string> args{ns_,   event_id, std::to_string(seen_ttl_), std::to_string(window_),
                                Now(), std::to_string(e.increments.size())};
  AppendEffects(e, args);
  auto r = redis_.Eval(ApplyScript(), {}, args);
  if (!r.ok()) return r.status();
  return r->integer == 1;
}

absl::StatusOr<std::vector<bool>> RedisCountsStore::ApplyBatch(const std::vector<EventEffects>& batch) {
  std::vector<bool> out(batch.size(), false);
  if (batch.empty()) return out;
  // An id repeated in the batch counts once, at its first occurrence.
  std::vector<const EventEffects*> unique;
  std::vector<size_t> index;  // position in `batch` of unique[i]
  {
    absl::flat_hash_set<std::string_view> ids;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (ids.insert(batch[i].event_id).second) {
        unique.push_back(&batch[i]);
        index.push_back(i);
      }
    }
  }
  const std::string now = Now();  // both tries use the same window
  // First try: every event new, the increments summed here (one field each in the script). The
  // arguments point into the batch's strings; `owned` keeps the ones made here.
  {
    std::deque<std::string> owned;
    auto own = [&owned](std::string s) -> std::string_view {
      return owned.emplace_back(std::move(s));
    };
    const std::string ttl = std::to_string(seen_ttl_), window = std::to_string(window_);
    std::vector<std::string_view> args{ns_, ttl, window, now, own(std::to_string(unique.size()))};
    args.reserve(8 * unique.size());
    for (const EventEffects* e : unique) args.push_back(e->event_id);
    size_t m_at = args.size();
    args.emplace_back();
    size_t m = 0;
    absl::flat_hash_map<std::string_view, absl::flat_hash_map<std::string_view, int64_t>> sums;
    std::vector<std::string_view> hashes;  // in first-seen order
    for (const EventEffects* e : unique) {
      if (e->effects.status) {
        const StatusUpdate& st = *e->effects.status;
        args.push_back(own(ShardOf(st.case_id)));
        args.push_back(st.case_id);
        args.push_back(st.status);
        args.push_back(own(std::to_string(st.at_us)));
        ++m;
      }
      for (const auto& inc : e->effects.increments) {
        auto [it, inserted] = sums.try_emplace(inc.hash);
        if (inserted) hashes.push_back(inc.hash);
        it->second[inc.field] += inc.delta;
      }
    }
    args[m_at] = own(std::to_string(m));
    for (std::string_view h : hashes) {
      const auto& fields = sums[h];
      args.push_back(h);
      args.push_back(own(std::to_string(fields.size())));
      for (const auto& [field, delta] : fields) args.push_back(field);
      for (const auto& [field, delta] : fields) args.push_back(own(std::to_string(delta)));
    }
    auto r = redis_.EvalViews(ApplyNewBatchScript(), {}, args);
    if (!r.ok()) return r.status();
    if (r->integer == 1) {
      for (size_t i : index) out[i] = true;
      return out;
    }
  }
  // Some event was applied before (a redelivery): every event's increments go to the script,
  // which counts only the new ones.
  std::vector<std::string> args{ns_, std::to_string(seen_ttl_), std::to_string(window_), now,
                                std::to_string(unique.size())};
  size_t size = args.size();
  for (const EventEffects* b : unique) size += 6 + 3 * b->effects.increments.size();
  args.reserve(size);
  for (const EventEffects* bp : unique) {
    const EventEffects& b = *bp;
    const Effects& e = b.effects;
    args.push_back(b.event_id);
    args.push_back(std::to_string(e.increments.size()));
    AppendEffects(e, args);
  }
  auto r = redis_.Eval(ApplyBatchScript(), {}, args);
  if (!r.ok()) return r.status();
  if (r->elements.size() != unique.size()) {
    return absl::InternalError(absl::StrCat("analytics batch script answered ", r->elements.size(),
                                            " results for ", unique.size(), " events"));
  }
  for (size_t i = 0; i < unique.size(); ++i) out[index[i]] = r->elements[i].integer == 1;
  return out;
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
