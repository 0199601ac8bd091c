#include "analytics/redis_counts_store.h"

#include <algorithm>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
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

const redis::Script& ApplyBatchScript() {
  // ARGV: ns, ttl, count, then per event: event_id, n, (hash, field, delta) * n, case_id, status,
  // at_us. Returns one integer per event: 1 applied, 0 seen before (or earlier in the batch).
  // Same effects as ApplyScript once per event: only the writes are merged — one HINCRBY per
  // distinct (hash, field) with the sum of its deltas, one SADD per distinct registry member.
  static const redis::Script kScript(R"lua(
local ns, ttl, count = ARGV[1], ARGV[2], tonumber(ARGV[3])
local sums, hashes = {}, {}
local function add(h, f, d)
  local t = sums[h]
  if not t then
    t = {}
    sums[h] = t
    hashes[#hashes + 1] = h
  end
  t[f] = (t[f] or 0) + d
end
local result = {}
local i = 4
for e = 1, count do
  local n = tonumber(ARGV[i + 1])
  local new = redis.call('SET', ns .. ':seen:' .. ARGV[i], '1', 'NX', 'EX', ttl)
  i = i + 2
  if new then
    result[e] = 1
    for _ = 1, n do
      add(ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]))
      i = i + 3
    end
    local case_id = ARGV[i]
    if case_id ~= '' then
      local status, at = ARGV[i + 1], tonumber(ARGV[i + 2])
      local key = ns .. ':case:' .. case_id
      local cur = redis.call('HMGET', key, 's', 't')
      if not cur[2] or at >= tonumber(cur[2]) then
        if cur[1] then add('status', cur[1], -1) end
        add('status', status, 1)
        redis.call('HSET', key, 's', status, 't', ARGV[i + 2])
      end
    end
  else
    result[e] = 0
    i = i + 3 * n
  end
  i = i + 3
end
local days, named = {}, {}
for _, h in ipairs(hashes) do
  if string.sub(h, 1, 5) == 'cube:' then
    days[#days + 1] = string.sub(h, 6)
  else
    named[#named + 1] = h
  end
  local key = ns .. ':h:' .. h
  for f, d in pairs(sums[h]) do redis.call('HINCRBY', key, f, d) end
end
for j = 1, #days, 500 do redis.call('SADD', ns .. ':days', unpack(days, j, math.min(j + 499, #days))) end
for j = 1, #named, 500 do redis.call('SADD', ns .. ':hashes', unpack(named, j, math.min(j + 499, #named))) end
return result
)lua");
  return kScript;
}

const redis::Script& ApplyNewBatchScript() {
  // The common case of ApplyBatch, every event new: the increments come summed already.
  // ARGV: ns, ttl, k, event_id * k, m, (case_id, status, at_us) * m, d, day * d, h, hash * h,
  // then (hash, field, delta) triples to the end. If any event id was seen before, the script
  // takes back the seen keys it set, so that it leaves nothing written, and answers 0 (the caller
  // then sends the batch with every event's increments to ApplyBatchScript); otherwise 1.
  static const redis::Script kScript(R"lua(
local ns, ttl, k = ARGV[1], ARGV[2], tonumber(ARGV[3])
for i = 4, 3 + k do
  if not redis.call('SET', ns .. ':seen:' .. ARGV[i], '1', 'NX', 'EX', ttl) then
    -- Seen before: take back the keys this call set, so that it leaves nothing behind.
    for j = 4, i - 1 do redis.call('DEL', ns .. ':seen:' .. ARGV[j]) end
    return 0
  end
end
local i = 4 + k
local m = tonumber(ARGV[i])
i = i + 1
local status_delta, statuses = {}, {}
local function add(s, d)
  if not status_delta[s] then
    status_delta[s] = 0
    statuses[#statuses + 1] = s
  end
  status_delta[s] = status_delta[s] + d
end
for _ = 1, m do
  local key = ns .. ':case:' .. ARGV[i]
  local status, at = ARGV[i + 1], tonumber(ARGV[i + 2])
  local cur = redis.call('HMGET', key, 's', 't')
  if not cur[2] or at >= tonumber(cur[2]) then
    if cur[1] then add(cur[1], -1) end
    add(status, 1)
    redis.call('HSET', key, 's', status, 't', ARGV[i + 2])
  end
  i = i + 3
end
if #statuses > 0 then
  redis.call('SADD', ns .. ':hashes', 'status')
  for _, s in ipairs(statuses) do redis.call('HINCRBY', ns .. ':h:status', s, status_delta[s]) end
end
local d = tonumber(ARGV[i])
for j = i + 1, i + d, 500 do redis.call('SADD', ns .. ':days', unpack(ARGV, j, math.min(j + 499, i + d))) end
i = i + d + 1
local h = tonumber(ARGV[i])
for j = i + 1, i + h, 500 do redis.call('SADD', ns .. ':hashes', unpack(ARGV, j, math.min(j + 499, i + h))) end
i = i + h + 1
while i + 2 <= #ARGV do
  redis.call('HINCRBY', ns .. ':h:' .. ARGV[i], ARGV[i + 1], ARGV[i + 2])
  i = i + 3
end
return 1
)lua");
  return kScript;
}

// An event's increments (hash, field, delta) * n, then its status (case_id, status, at_us), as
// both scripts read them.
void AppendEffects(const Effects& e, std::vector<std::string>& args) {
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
}

}  // namespace

RedisCountsStore::RedisCountsStore(redis::RedisClient& redis, std::string ns,
                                   int64_t seen_ttl_seconds)
    : redis_(redis), ns_(std::move(ns)), seen_ttl_(seen_ttl_seconds) {}

absl::StatusOr<bool> RedisCountsStore::Apply(const std::string& event_id, const Effects& e) {
  std::vector<std::string> args{ns_, event_id, std::to_string(seen_ttl_),
                                std::to_string(e.increments.size())};
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
  // First try: every event new, the increments summed here (one HINCRBY per distinct field).
  {
    std::vector<std::string> args{ns_, std::to_string(seen_ttl_), std::to_string(unique.size())};
    for (const EventEffects* e : unique) args.push_back(e->event_id);
    size_t m_at = args.size();
    args.emplace_back();
    size_t m = 0;
    absl::flat_hash_map<std::string_view, absl::flat_hash_map<std::string_view, int64_t>> sums;
    std::vector<std::string_view> hashes;  // in first-seen order
    for (const EventEffects* e : unique) {
      if (e->effects.status) {
        const StatusUpdate& st = *e->effects.status;
        args.push_back(st.case_id);
        args.push_back(st.status);
        args.push_back(std::to_string(st.at_us));
        ++m;
      }
      for (const auto& inc : e->effects.increments) {
        auto [it, inserted] = sums.try_emplace(inc.hash);
        if (inserted) hashes.push_back(inc.hash);
        it->second[inc.field] += inc.delta;
      }
    }
    args[m_at] = std::to_string(m);
    std::vector<std::string> days, named;
    for (std::string_view h : hashes) {
      if (h.rfind(kCubePrefix, 0) == 0) days.emplace_back(h.substr(sizeof(kCubePrefix) - 1));
      else named.emplace_back(h);
    }
    args.push_back(std::to_string(days.size()));
    args.insert(args.end(), days.begin(), days.end());
    args.push_back(std::to_string(named.size()));
    args.insert(args.end(), named.begin(), named.end());
    for (std::string_view h : hashes) {
      for (const auto& [field, delta] : sums[h]) {
        args.emplace_back(h);
        args.emplace_back(field);
        args.push_back(std::to_string(delta));
      }
    }
    auto r = redis_.Eval(ApplyNewBatchScript(), {}, args);
    if (!r.ok()) return r.status();
    if (r->integer == 1) {
      for (size_t i : index) out[i] = true;
      return out;
    }
  }
  // Some event was applied before (a redelivery): every event's increments go to the script,
  // which counts only the new ones.
  std::vector<std::string> args{ns_, std::to_string(seen_ttl_), std::to_string(unique.size())};
  size_t size = args.size();
  for (const EventEffects* b : unique) size += 5 + 3 * b->effects.increments.size();
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
