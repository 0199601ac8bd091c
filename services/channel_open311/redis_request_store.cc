#include "channel_open311/redis_request_store.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace teksin::channel_open311 {
namespace {
const redis::Script& UpsertScript() {
  // KEYS: hash, listing index, token key prefix, history hash
  // ARGV: at_us, n_fixed, with history 1/0, history field, history value, (k, v) * n_fixed,
  //       (k, v) * rest, id
  static const redis::Script kScript(R"lua(
local n = tonumber(ARGV[2])
-- One read for the fixed fields and the state this script needs, then one write of the fixed
-- fields not set yet (the first writer of each wins).
local names = {'requested_us', 'service_code', 'case_id', '_updated_us'}
for j = 0, n - 1 do names[#names + 1] = ARGV[6 + 2 * j] end
local have = redis.call('HMGET', KEYS[1], unpack(names))
local set, newly = {}, {}
for j = 0, n - 1 do
  if not have[5 + j] then
    local k, v = ARGV[6 + 2 * j], ARGV[7 + 2 * j]
    set[#set + 1] = k
    set[#set + 1] = v
    newly[k] = v
  end
end
if #set > 0 then redis.call('HSET', KEYS[1], unpack(set)) end
local requested = have[1] or newly['requested_us']
local code = have[2] or newly['service_code']
local case_id = have[3] or newly['case_id']
-- The listing indexes (all requests and per service, scored by the time requested) and the
-- token, written by the call that set their fields (the script is atomic, so they exist since).
if requested and (newly['requested_us'] or newly['service_code']) then
  redis.call('ZADD', KEYS[2], requested, ARGV[#ARGV])
  if code then redis.call('ZADD', KEYS[2] .. ':' .. code, requested, ARGV[#ARGV]) end
end
if case_id and newly['case_id'] then redis.call('SET', KEYS[3] .. case_id, ARGV[#ARGV]) end
local cur = tonumber(have[4] or '-1')
if tonumber(ARGV[1]) >= cur then
  local cur_set = {}
  for i = 6 + 2 * n, #ARGV - 2, 2 do
    cur_set[#cur_set + 1] = ARGV[i]
    cur_set[#cur_set + 1] = ARGV[i + 1]
  end
  cur_set[#cur_set + 1] = '_updated_us'
  cur_set[#cur_set + 1] = ARGV[1]
  redis.call('HSET', KEYS[1], unpack(cur_set))
end
if ARGV[3] == '1' then redis.call('HSET', KEYS[4], ARGV[4], ARGV[5]) end
return 1
)lua");
  return kScript;
}

std::string HistoryValue(const HistoryEntry& e) {
  return absl::StrCat(e.at_us, "\t", e.status, "\t", e.note);
}
}  // namespace

absl::Status RedisRequestStore::Upsert(const std::string& id, const RequestView& fixed,
                                       const RequestView& current, int64_t at_us) {
  return Write(id, fixed, current, at_us, nullptr);
}

absl::Status RedisRequestStore::Apply(const std::string& id, const RequestView& fixed,
                                      const RequestView& current, int64_t at_us,
                                      const HistoryEntry& entry) {
  return Write(id, fixed, current, at_us, &entry);
}

void RedisRequestStore::WriteArgs(const std::string& id, const RequestView& fixed,
                                  const RequestView& current, int64_t at_us,
                                  const HistoryEntry* entry, std::vector<std::string>* keys,
                                  std::vector<std::string>* args) const {
  *keys = {Key(id), prefix_ + ":o311:idx", prefix_ + ":o311:tok:", Key(id) + ":history"};
  *args = {std::to_string(at_us), std::to_string(fixed.size()), entry ? "1" : "0",
           entry ? entry->event_id : "", entry ? HistoryValue(*entry) : ""};
  for (const auto& [k, v] : fixed) {
    args->push_back(k);
    args->push_back(v);
  }
  for (const auto& [k, v] : current) {
    args->push_back(k);
    args->push_back(v);
  }
  args->push_back(id);  // last: the member of the listing indexes
}

absl::Status RedisRequestStore::Write(const std::string& id, const RequestView& fixed,
                                      const RequestView& current, int64_t at_us,
                                      const HistoryEntry* entry) {
  std::vector<std::string> keys, args;
  WriteArgs(id, fixed, current, at_us, entry, &keys, &args);
  return redis_.Eval(UpsertScript(), keys, args).status();
}

absl::Status RedisRequestStore::ApplyBatch(const std::vector<ViewWrite>& writes) {
  if (writes.empty()) return absl::OkStatus();
  std::vector<std::vector<std::string>> cmds;
  cmds.reserve(writes.size());
  for (const auto& w : writes) {
    std::vector<std::string> keys, args;
    WriteArgs(w.request_id, w.fixed, w.current, w.at_us, &w.entry, &keys, &args);
    std::vector<std::string> cmd{"EVALSHA", UpsertScript().sha(), std::to_string(keys.size())};
    cmd.insert(cmd.end(), keys.begin(), keys.end());
    cmd.insert(cmd.end(), args.begin(), args.end());
    cmds.push_back(std::move(cmd));
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto replies = redis_.Pipeline(cmds);
    if (!replies.ok()) return replies.status();
    bool missing = false;
    for (const auto& r : *replies) {
      if (r.type != redis::Reply::Type::kError) continue;
      if (r.str.rfind("NOSCRIPT", 0) != 0) {
        return absl::UnavailableError(absl::StrCat("redis request view: ", r.str));
      }
      missing = true;
    }
    if (!missing) return absl::OkStatus();
    // The server does not know the script (restarted, flushed): load it with the first write
    // and send the batch again (writing a view twice changes nothing).
    const auto& w = writes.front();
    if (absl::Status s = Write(w.request_id, w.fixed, w.current, w.at_us, &w.entry); !s.ok()) {
      return s;
    }
  }
  return absl::UnavailableError("redis request view: the script could not be loaded");
}

absl::StatusOr<std::vector<std::optional<RequestView>>> RedisRequestStore::GetMany(
    const std::vector<std::string>& ids) {
  std::vector<std::vector<std::string>> cmds;
  for (const auto& id : ids) cmds.push_back({"HGETALL", Key(id)});
  std::vector<std::optional<RequestView>> out;
  if (cmds.empty()) return out;
  auto replies = redis_.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  for (const auto& r : *replies) {
    if (r.type == redis::Reply::Type::kError) return absl::UnavailableError("redis: " + r.str);
    if (r.elements.empty()) {
      out.push_back(std::nullopt);
      continue;
    }
    RequestView view;
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
      if (r.elements[i].str.rfind("_", 0) == 0) continue;
      view[r.elements[i].str] = r.elements[i + 1].str;
    }
    out.push_back(std::move(view));
  }
  return out;
}

absl::StatusOr<std::optional<RequestView>> RedisRequestStore::Get(const std::string& id) {
  auto many = GetMany({id});
  if (!many.ok()) return many.status();
  return std::move((*many)[0]);
}

absl::Status RedisRequestStore::AddHistory(const std::string& id, const HistoryEntry& e) {
  // One hash field per event id (replays overwrite themselves), the time first for ordering.
  return redis_.Command({"HSET", Key(id) + ":history", e.event_id, HistoryValue(e)}).status();
}

absl::StatusOr<std::vector<HistoryEntry>> RedisRequestStore::History(const std::string& id) {
  auto r = redis_.Command({"HGETALL", Key(id) + ":history"});
  if (!r.ok()) return r.status();
  std::vector<HistoryEntry> out;
  for (size_t i = 0; i + 1 < r->elements.size(); i += 2) {
    HistoryEntry e;
    e.event_id = r->elements[i].str;
    std::vector<std::string> parts = absl::StrSplit(r->elements[i + 1].str, absl::MaxSplits('\t', 2));
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &e.at_us)) continue;
    e.status = parts[1];
    e.note = parts[2];
    out.push_back(std::move(e));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const HistoryEntry& a, const HistoryEntry& b) { return a.at_us < b.at_us; });
  return out;
}

absl::StatusOr<std::optional<std::string>> RedisRequestStore::FindByToken(const std::string& token) {
  auto r = redis_.Command({"GET", prefix_ + ":o311:tok:" + token});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return std::nullopt;
  return r->str;
}

absl::StatusOr<std::vector<RequestView>> RedisRequestStore::Query(const RequestQuery& q) {
  std::vector<RequestView> out;
  if (!q.ids.empty()) {
    auto many = GetMany(q.ids);
    if (!many.ok()) return many.status();
    std::vector<RequestView> found;
    for (auto& v : *many) {
      if (v && Matches(*v, q)) found.push_back(std::move(*v));
    }
    std::stable_sort(found.begin(), found.end(), [](const RequestView& a, const RequestView& b) {
      return RequestedUs(a) > RequestedUs(b);
    });
    for (size_t i = q.offset; i < found.size() && out.size() < q.limit; ++i) out.push_back(found[i]);
    return out;
  }
  // Walk the time index newest first, in pages, filtering status here (one index per service).
  std::string index = prefix_ + ":o311:idx" + (q.service_code.empty() ? "" : ":" + q.service_code);
  std::string max = q.end == absl::InfiniteFuture() ? "+inf" : std::to_string(absl::ToUnixMicros(q.end));
  std::string min = q.start == absl::InfinitePast() ? "-inf" : std::to_string(absl::ToUnixMicros(q.start));
  size_t skipped = 0;
  const size_t kPage = 500;
  for (size_t from = 0; out.size() < q.limit; from += kPage) {
    auto ids = redis_.Command({"ZREVRANGEBYSCORE", index, max, min, "LIMIT", std::to_string(from),
                               std::to_string(kPage)});
    if (!ids.ok()) return ids.status();
    if (ids->elements.empty()) break;
    std::vector<std::string> list;
    for (const auto& e : ids->elements) list.push_back(e.str);
    auto many = GetMany(list);
    if (!many.ok()) return many.status();
    for (auto& v : *many) {
      if (!v || !Matches(*v, q)) continue;
      if (skipped < q.offset) {
        ++skipped;
        continue;
      }
      out.push_back(std::move(*v));
      if (out.size() >= q.limit) break;
    }
    if (ids->elements.size() < kPage) break;
  }
  return out;
}

}  // namespace teksin::channel_open311
