#include "department_worker/redis_task_store.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace teksin::department_worker {
namespace {

const redis::Script& PutScript() {
  static const redis::Script kScript(R"lua(
-- KEYS: task hash, queue. ARGV: assigned bytes, assigned_us, score, task_id
if redis.call('HSETNX', KEYS[1], 'assigned', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'assigned_us', ARGV[2])
  local st = redis.call('HGET', KEYS[1], 'status')
  if not st then
    redis.call('HSET', KEYS[1], 'status', '1', 'updated_us', ARGV[2])
    st = '1'
  end
  local rank = tonumber(st)
  if rank == 5 then rank = 4 end
  if rank < 4 then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4]) end
end
return 1
)lua");
  return kScript;
}

const redis::Script& ApplyScript() {
  static const redis::Script kScript(R"lua(
-- KEYS: task hash, queue. ARGV: status, actor, at_us, task_id, resolution_code, resolution_text,
-- reason, seq. A change with seq > 0 applies when it is newer than the task's seq; seq 0 (older
-- producers) when the status moves forward. Nothing changes a resolved or rejected task.
local function rank(s)
  if s == 5 then return 4 end
  if s == 6 then return 3 end
  if s == 7 then return 2 end
  return s
end
local cur = tonumber(redis.call('HGET', KEYS[1], 'status') or '0')
local cur_seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local new = tonumber(ARGV[1])
local seq = tonumber(ARGV[8])
local ok
if cur == 4 or cur == 5 then ok = false
elseif seq > 0 then ok = seq > cur_seq
else ok = rank(new) > rank(cur) end
if not ok then
  return {0, cur, redis.call('HGET', KEYS[1], 'claimed_by') or '',
          redis.call('HGET', KEYS[1], 'closed_by') or '', cur_seq}
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updated_us', ARGV[3], 'last_actor', ARGV[2],
           'reason', ARGV[7])
if seq > cur_seq then
  redis.call('HSET', KEYS[1], 'seq', ARGV[8])
  cur_seq = seq
end
local claimed = redis.call('HGET', KEYS[1], 'claimed_by') or ''
if new == 2 or new == 3 or (new == 7 and claimed == '') then
  redis.call('HSET', KEYS[1], 'claimed_by', ARGV[2])
end
if new == 4 or new == 5 then
  redis.call('ZREM', KEYS[2], ARGV[4])
  redis.call('HSET', KEYS[1], 'closed_by', ARGV[2], 'resolution_code', ARGV[5],
             'resolution_text', ARGV[6])
end
return {1, new, redis.call('HGET', KEYS[1], 'claimed_by') or '',
        redis.call('HGET', KEYS[1], 'closed_by') or '', cur_seq}
)lua");
  return kScript;
}

}  // namespace

RedisTaskStore::RedisTaskStore(redis::RedisClient& redis, const std::string& prefix,
                               const std::string& unit)
    : redis_(redis), base_(absl::StrCat(prefix, ":dw:", unit, ":")) {}

absl::Status RedisTaskStore::PutAssigned(const v1::TaskAssigned& assigned, absl::Time at) {
  std::string bytes;
  assigned.SerializeToString(&bytes);
  auto r = redis_.Eval(PutScript(), {TaskKey(assigned.task_id()), QueueKey()},
                       {bytes, std::to_string(absl::ToUnixMicros(at)),
                        absl::StrCat(QueueScore(assigned)), assigned.task_id()});
  return r.status();
}

absl::StatusOr<ApplyResult> RedisTaskStore::Apply(const StatusChange& c) {
  auto r = redis_.Eval(ApplyScript(), {TaskKey(c.task_id), QueueKey()},
                       {std::to_string(static_cast<int>(c.status)), c.actor,
                        std::to_string(absl::ToUnixMicros(c.at)), c.task_id, c.resolution_code,
                        c.resolution_text, c.reason, std::to_string(c.seq)});
  if (!r.ok()) return r.status();
  if (r->elements.size() != 5) return absl::InternalError("unexpected reply from apply script");
  ApplyResult out;
  out.applied = r->elements[0].integer == 1;
  out.status = static_cast<v1::TaskStatus>(r->elements[1].integer);
  out.claimed_by = r->elements[2].str;
  out.closed_by = r->elements[3].str;
  out.seq = r->elements[4].integer;
  return out;
}

absl::StatusOr<std::vector<std::optional<StoredTask>>> RedisTaskStore::GetMany(
    const std::vector<std::string>& ids) {
  std::vector<std::vector<std::string>> cmds;
  for (const auto& id : ids) {
    cmds.push_back({"HMGET", TaskKey(id), "assigned", "status", "claimed_by", "assigned_us",
                    "updated_us", "closed_by", "seq", "last_actor", "reason", "resolution_code",
                    "resolution_text"});
  }
  auto replies = redis_.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  std::vector<std::optional<StoredTask>> out;
  for (const auto& r : *replies) {
    if (r.type == redis::Reply::Type::kError) return absl::UnavailableError("redis: " + r.str);
    if (r.type != redis::Reply::Type::kArray || r.elements.size() != 11 || r.elements[0].is_nil()) {
      out.push_back(std::nullopt);
      continue;
    }
    StoredTask t;
    if (!t.assigned.ParseFromString(r.elements[0].str)) {
      return absl::DataLossError("stored task does not parse");
    }
    int status = 0;
    int64_t assigned_us = 0, updated_us = 0;
    (void)absl::SimpleAtoi(r.elements[1].str, &status);
    (void)absl::SimpleAtoi(r.elements[3].str, &assigned_us);
    (void)absl::SimpleAtoi(r.elements[4].str, &updated_us);
    t.status = static_cast<v1::TaskStatus>(status);
    t.claimed_by = r.elements[2].str;
    t.closed_by = r.elements[5].str;
    (void)absl::SimpleAtoi(r.elements[6].str, &t.seq);
    t.last_actor = r.elements[7].str;
    t.reason = r.elements[8].str;
    t.resolution_code = r.elements[9].str;
    t.resolution_text = r.elements[10].str;
    t.assigned_at = absl::FromUnixMicros(assigned_us);
    t.updated_at = absl::FromUnixMicros(updated_us);
    out.push_back(std::move(t));
  }
  return out;
}

absl::StatusOr<std::optional<StoredTask>> RedisTaskStore::Get(const std::string& task_id) {
  auto many = GetMany({task_id});
  if (!many.ok()) return many.status();
  return std::move((*many)[0]);
}

absl::StatusOr<std::vector<StoredTask>> RedisTaskStore::ListOpen(size_t limit) {
  auto ids = redis_.Command({"ZRANGE", QueueKey(), "0", std::to_string(static_cast<int64_t>(limit) - 1)});
  if (!ids.ok()) return ids.status();
  std::vector<std::string> list;
  for (const auto& e : ids->elements) list.push_back(e.str);
  auto many = GetMany(list);
  if (!many.ok()) return many.status();
  std::vector<StoredTask> out;
  for (auto& t : *many) {
    if (t && StatusRank(t->status) < 4) out.push_back(std::move(*t));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> RedisTaskStore::ListOpenIds(size_t limit) {
  if (limit == 0) return std::vector<std::string>{};
  auto ids = redis_.Command({"ZRANGE", QueueKey(), "0", std::to_string(static_cast<int64_t>(limit) - 1)});
  if (!ids.ok()) return ids.status();
  if (ids->type == redis::Reply::Type::kError) return absl::UnavailableError("redis: " + ids->str);
  std::vector<std::string> list;
  list.reserve(ids->elements.size());
  for (const auto& e : ids->elements) list.push_back(e.str);
  return list;
}

absl::StatusOr<std::vector<StoredTask>> RedisTaskStore::GetOpen(const std::vector<std::string>& ids) {
  std::vector<StoredTask> out;
  if (ids.empty()) return out;
  auto many = GetMany(ids);
  if (!many.ok()) return many.status();
  for (auto& t : *many) {
    if (t && StatusRank(t->status) < 4) out.push_back(std::move(*t));
  }
  return out;
}

absl::StatusOr<int64_t> RedisTaskStore::CountOpen() {
  auto r = redis_.Command({"ZCARD", QueueKey()});
  if (!r.ok()) return r.status();
  return r->integer;
}

absl::Status RedisTaskStore::AddHistory(const std::string& task_id, const v1::TaskHistoryEntry& e) {
  std::string bytes;
  e.SerializeToString(&bytes);
  return redis_.Command({"HSETNX", HistoryKey(task_id), e.event_id(), bytes}).status();
}

absl::StatusOr<std::vector<v1::TaskHistoryEntry>> RedisTaskStore::History(const std::string& task_id) {
  auto r = redis_.Command({"HVALS", HistoryKey(task_id)});
  if (!r.ok()) return r.status();
  if (r->type == redis::Reply::Type::kError) return absl::UnavailableError("redis: " + r->str);
  std::vector<v1::TaskHistoryEntry> out;
  for (const auto& e : r->elements) {
    v1::TaskHistoryEntry h;
    if (!h.ParseFromString(e.str)) return absl::DataLossError("stored history entry does not parse");
    out.push_back(std::move(h));
  }
  SortHistory(out);
  return out;
}

absl::StatusOr<bool> RedisTaskStore::TryClaimAlert(const std::string& task_id,
                                                   v1::DeadlineAlertKind kind, absl::Duration lease) {
  auto r = redis_.Command({"SET", AlertKey(task_id, kind), "leased", "NX", "PX",
                           std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(lease)))});
  if (!r.ok()) return r.status();
  if (r->type == redis::Reply::Type::kError) return absl::UnavailableError("redis: " + r->str);
  return !r->is_nil();
}

absl::Status RedisTaskStore::MarkAlertSent(const std::string& task_id, v1::DeadlineAlertKind kind) {
  // Kept 400 days: longer than any deadline (30 days at most) plus any grace.
  return redis_.Command({"SET", AlertKey(task_id, kind), "sent", "EX", std::to_string(400 * 86400)})
      .status();
}

absl::Status RedisTaskStore::ReleaseAlert(const std::string& task_id, v1::DeadlineAlertKind kind) {
  return redis_.Command({"DEL", AlertKey(task_id, kind)}).status();
}

}  // namespace teksin::department_worker
