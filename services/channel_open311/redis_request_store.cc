#include "channel_open311/redis_request_store.h"

#include <algorithm>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace teksin::channel_open311 {
namespace {
const redis::Script& ApplyBatchScript() {
  // ARGV: view key prefix, listing index, token key prefix, then one block per request as
  // ViewBatchArgs writes it. Per request: one HMGET of five fields, then one HSET of the view: the
  // key fields and the other fixed fields not set yet (the first writer of each wins), the current
  // fields of the writes as new as the one applied last, and the history entries. For the whole
  // batch, one ZADD per listing index and one MSET of the tokens, written by the call that set
  // their fields (the script is atomic, so they exist since). Views written before ADR 0028
  // (no _fk) keep their layout: fixed fields one by one, history in "<view>:history".
  static const redis::Script kScript(R"lua(
local function split(s)
  local out, p = {}, 1
  while p <= #s do
    local c = string.find(s, ':', p, true)
    local len = tonumber(string.sub(s, p, c - 1))
    out[#out + 1] = string.sub(s, c + 1, c + len)
    p = c + 1 + len
  end
  return out
end
local function hset(key, t)
  for j = 1, #t, 1000 do redis.call('HSET', key, unpack(t, j, math.min(j + 999, #t))) end
end
local slot = {requested_us = 3, service_code = 4, case_id = 5}
local req, idx, tok = ARGV[1], ARGV[2], ARGV[3]
local listed, by_code, codes, tokens = {}, {}, {}, {}
local i, n = 4, #ARGV
while i <= n do
  local id, names, values, nk = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local key = req .. id
  local have = redis.call('HMGET', key, '_updated_us', '_fk', 'requested_us', 'service_code', 'case_id')
  -- _fk: the names of the view's other fixed fields, kept packed in _fv; none: a new view, or
  -- one written before ADR 0028 (legacy).
  local marker, legacy = have[2], false
  if not marker then
    if have[1] or redis.call('EXISTS', key) == 1 then legacy = true else marker = '' end
  end
  local set, newly = {}, {}
  local f = i + 4
  for j = f, f + 2 * nk - 2, 2 do
    local k = ARGV[j]
    if not have[slot[k]] then
      set[#set + 1] = k
      set[#set + 1] = ARGV[j + 1]
      newly[k] = ARGV[j + 1]
    end
  end
  i = f + 2 * nk
  if not have[2] and not legacy then
    set[#set + 1] = '_fk'
    set[#set + 1] = names
    set[#set + 1] = '_fv'
    set[#set + 1] = values
  elseif names ~= '' and marker ~= names then
    local nl, vl = split(names), split(values)
    if legacy then
      local got = redis.call('HMGET', key, unpack(nl))
      for j = 1, #nl do
        if not got[j] then
          set[#set + 1] = nl[j]
          set[#set + 1] = vl[j]
        end
      end
    else
      local present = {}
      for _, k in ipairs(split(marker)) do present[k] = true end
      local fk, fv = marker, nil
      for j = 1, #nl do
        if not present[nl[j]] then
          fv = fv or redis.call('HGET', key, '_fv') or ''
          fk = fk .. #nl[j] .. ':' .. nl[j]
          fv = fv .. #vl[j] .. ':' .. vl[j]
        end
      end
      if fv then
        set[#set + 1] = '_fk'
        set[#set + 1] = fk
        set[#set + 1] = '_fv'
        set[#set + 1] = fv
      end
    end
  end
  local requested = have[3] or newly['requested_us']
  local code = have[4] or newly['service_code']
  local case_id = have[5] or newly['case_id']
  if requested and (newly['requested_us'] or newly['service_code']) then
    listed[#listed + 1] = requested
    listed[#listed + 1] = id
    if code then
      local l = by_code[code]
      if not l then
        l = {}
        by_code[code] = l
        codes[#codes + 1] = code
      end
      l[#l + 1] = requested
      l[#l + 1] = id
    end
  end
  if case_id and newly['case_id'] then
    tokens[#tokens + 1] = tok .. case_id
    tokens[#tokens + 1] = id
  end
  -- The current fields: the writes come with non-decreasing at_us, so those as new as the one
  -- applied last are the tail of the list.
  local cur = tonumber(have[1] or '-1')
  local nc = tonumber(ARGV[i])
  i = i + 1
  local last
  for _ = 1, nc do
    local nf = tonumber(ARGV[i + 1])
    if tonumber(ARGV[i]) >= cur then
      for j = i + 2, i + 2 * nf, 2 do
        set[#set + 1] = ARGV[j]
        set[#set + 1] = ARGV[j + 1]
      end
      last = ARGV[i]
    end
    i = i + 2 + 2 * nf
  end
  if last then
    set[#set + 1] = '_updated_us'
    set[#set + 1] = last
  end
  -- The history entries, "_h:<event id>" in the view (a legacy view: "<event id>" in its own hash).
  local nh = tonumber(ARGV[i])
  i = i + 1
  if legacy then
    local h = {}
    for j = i, i + 2 * nh - 1, 2 do
      h[#h + 1] = string.sub(ARGV[j], 4)
      h[#h + 1] = ARGV[j + 1]
    end
    hset(key .. ':history', h)
  else
    for j = i, i + 2 * nh - 1 do set[#set + 1] = ARGV[j] end
  end
  i = i + 2 * nh
  hset(key, set)
end
for j = 1, #listed, 1000 do redis.call('ZADD', idx, unpack(listed, j, math.min(j + 999, #listed))) end
for _, code in ipairs(codes) do
  local l = by_code[code]
  for j = 1, #l, 1000 do redis.call('ZADD', idx .. ':' .. code, unpack(l, j, math.min(j + 999, #l))) end
end
for j = 1, #tokens, 1000 do redis.call('MSET', unpack(tokens, j, math.min(j + 999, #tokens))) end
return 1
)lua");
  return kScript;
}

// The fixed fields the script keeps one by one: it reads them for the listing indexes and the
// token, and the listing filters by service.
bool IsKeyField(std::string_view name) {
  return name == "requested_us" || name == "service_code" || name == "case_id";
}

// "<length>:<bytes>", the script's encoding of a list in one argument.
void AppendItem(std::string_view item, std::string& out) {
  out += std::to_string(item.size());
  out += ':';
  out.append(item.data(), item.size());
}

// The items of such a list; a malformed tail is left out.
std::vector<std::string_view> ParseItems(std::string_view s) {
  std::vector<std::string_view> out;
  size_t p = 0;
  while (p < s.size()) {
    size_t colon = s.find(':', p);
    size_t len = 0;
    if (colon == std::string_view::npos ||
        !absl::SimpleAtoi(absl::string_view(s.data() + p, colon - p), &len) ||
        len > s.size() - colon - 1) {
      break;
    }
    out.push_back(s.substr(colon + 1, len));
    p = colon + 1 + len;
  }
  return out;
}

std::string HistoryValue(const HistoryEntry& e) {
  return absl::StrCat(e.at_us, "\t", e.status, "\t", e.note);
}
}  // namespace

std::vector<std::string> ViewBatchArgs(const std::string& prefix,
                                       const std::vector<const ViewWrite*>& writes, bool history) {
  ViewBatch batch;
  AppendViewBatchArgs(prefix, writes, history, batch);
  return std::vector<std::string>(batch.args.begin(), batch.args.end());
}

std::string_view ViewBatch::Number(int64_t n) {
  static const auto* const kSmall = [] {
    auto* t = new std::vector<std::string>;
    for (int i = 0; i < 64; ++i) t->push_back(std::to_string(i));
    return t;
  }();
  if (n >= 0 && n < 64) return (*kSmall)[static_cast<size_t>(n)];
  return Own(std::to_string(n));
}

void AppendViewBatchArgs(const std::string& prefix, const std::vector<const ViewWrite*>& writes,
                         bool history, ViewBatch& out) {
  std::vector<std::string_view>& args = out.args;
  args.reserve(args.size() + 3 + writes.size() * 30);
  args.push_back(out.Own(prefix + ":o311:req:"));
  args.push_back(out.Own(prefix + ":o311:idx"));
  args.push_back(out.Own(prefix + ":o311:tok:"));
  // The writes of each request in batch order; the requests in the order of their first write.
  absl::flat_hash_map<std::string_view, size_t> group_of;
  std::vector<std::vector<const ViewWrite*>> groups;
  group_of.reserve(writes.size());
  groups.reserve(writes.size());
  for (const ViewWrite* w : writes) {
    auto [it, inserted] = group_of.try_emplace(w->request_id, groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(w);
  }
  using Field = std::pair<std::string_view, std::string_view>;
  std::vector<Field> fixed, kept;
  std::vector<const ViewWrite*> newer;
  std::vector<std::pair<size_t, size_t>> blocks;  // per write in `newer`: its range in `kept`
  std::vector<std::string_view> later;            // fields a later write in `newer` sets
  for (const auto& group : groups) {
    args.push_back(group.front()->request_id);
    // Fixed fields: the first writer of each wins (Redis keeps a value it already has).
    fixed.clear();
    for (const ViewWrite* w : group) {
      for (const auto& [k, v] : w->fixed) {
        bool seen = false;
        for (const Field& f : fixed) seen = seen || f.first == k;
        if (!seen) fixed.emplace_back(k, v);
      }
    }
    // The key fields one by one; the others packed: their names, each as "<length>:<name>" in
    // byte order (the script compares them with the view's _fk), and their values likewise.
    std::sort(fixed.begin(), fixed.end());
    std::string names;
    size_t size = 0;
    for (const auto& [k, v] : fixed) size += k.size() + 4;
    names.reserve(size);
    for (const auto& [k, v] : fixed) {
      if (!IsKeyField(k)) AppendItem(k, names);
    }
    args.push_back(out.Own(std::move(names)));
    std::string values;
    size = 0;
    for (const auto& [k, v] : fixed) size += v.size() + 6;
    values.reserve(size);
    size_t key_fields = 0;
    for (const auto& [k, v] : fixed) {
      if (!IsKeyField(k)) AppendItem(v, values);
      else ++key_fields;
    }
    args.push_back(out.Own(std::move(values)));
    args.push_back(out.Number(static_cast<int64_t>(key_fields)));
    for (const auto& [k, v] : fixed) {
      if (!IsKeyField(k)) continue;
      args.push_back(k);
      args.push_back(v);
    }
    // Current fields: one by one, a write is applied when it is as new as the newest applied
    // before it, i.e. as every earlier write of the batch and the stored _updated_us; the script
    // checks the latter. A field a later such write sets again is left out of the earlier one.
    newer.clear();
    for (const ViewWrite* w : group) {
      if (newer.empty() || w->at_us >= newer.back()->at_us) newer.push_back(w);
    }
    kept.clear();
    later.clear();
    blocks.assign(newer.size(), {0, 0});
    for (size_t c = newer.size(); c-- > 0;) {
      blocks[c].first = kept.size();
      for (const auto& [k, v] : newer[c]->current) {
        if (std::find(later.begin(), later.end(), k) == later.end()) kept.emplace_back(k, v);
      }
      blocks[c].second = kept.size();
      for (size_t j = blocks[c].first; j < blocks[c].second; ++j) later.push_back(kept[j].first);
    }
    // A write left with no field changes nothing but _updated_us, which the last one sets.
    size_t count = 0;
    for (size_t c = 0; c < newer.size(); ++c) {
      if (blocks[c].first != blocks[c].second || c + 1 == newer.size()) ++count;
    }
    args.push_back(out.Number(static_cast<int64_t>(count)));
    for (size_t c = 0; c < newer.size(); ++c) {
      const auto [from, to] = blocks[c];
      if (from == to && c + 1 != newer.size()) continue;
      args.push_back(out.Number(newer[c]->at_us));
      args.push_back(out.Number(static_cast<int64_t>(to - from)));
      for (size_t j = from; j < to; ++j) {
        args.push_back(kept[j].first);
        args.push_back(kept[j].second);
      }
    }
    // History: every write's entry (keyed by event id, so a repeated one overwrites itself).
    args.push_back(out.Number(history ? static_cast<int64_t>(group.size()) : 0));
    if (history) {
      for (const ViewWrite* w : group) {
        args.push_back(out.Own(absl::StrCat("_h:", w->entry.event_id)));
        args.push_back(out.Own(HistoryValue(w->entry)));
      }
    }
  }
}

absl::Status RedisRequestStore::Upsert(const std::string& id, const RequestView& fixed,
                                       const RequestView& current, int64_t at_us) {
  ViewWrite w{id, fixed, current, at_us, {}};
  return Write({&w}, /*history=*/false);
}

absl::Status RedisRequestStore::Apply(const std::string& id, const RequestView& fixed,
                                      const RequestView& current, int64_t at_us,
                                      const HistoryEntry& entry) {
  ViewWrite w{id, fixed, current, at_us, entry};
  return Write({&w}, /*history=*/true);
}

absl::Status RedisRequestStore::ApplyBatch(const std::vector<ViewWrite>& writes) {
  if (writes.empty()) return absl::OkStatus();
  std::vector<const ViewWrite*> all;
  all.reserve(writes.size());
  for (const ViewWrite& w : writes) all.push_back(&w);
  return Write(all, /*history=*/true);
}

absl::Status RedisRequestStore::Write(const std::vector<const ViewWrite*>& writes, bool history) {
  // One script call for the whole batch, its arguments pointing into the writes (no copies); the
  // client loads the script when the server does not know it (NOSCRIPT: restarted, SCRIPT FLUSH)
  // and calls it again.
  ViewBatch batch;
  AppendViewBatchArgs(prefix_, writes, history, batch);
  return redis_.EvalViews(ApplyBatchScript(), {}, batch.args).status();
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
    std::string_view packed_names, packed_values;
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
      const std::string& name = r.elements[i].str;
      if (name == "_fk") packed_names = r.elements[i + 1].str;
      if (name == "_fv") packed_values = r.elements[i + 1].str;
      if (name.rfind("_", 0) == 0) continue;  // hidden: _updated_us, _fk, _fv, _h:<event id>
      view[name] = r.elements[i + 1].str;
    }
    // The fixed fields kept packed (ADR 0028).
    std::vector<std::string_view> names = ParseItems(packed_names);
    std::vector<std::string_view> values = ParseItems(packed_values);
    for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
      view.emplace(std::string(names[i]), std::string(values[i]));
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
  // One hash field per event id (replays overwrite themselves), the time first for ordering; in
  // the history hash of ADR 0024's layout, which History still reads.
  return redis_.Command({"HSET", Key(id) + ":history", e.event_id, HistoryValue(e)}).status();
}

absl::StatusOr<std::vector<HistoryEntry>> RedisRequestStore::History(const std::string& id) {
  // The entries in the view ("_h:<event id>", ADR 0028) and in its own hash (views written before).
  auto replies = redis_.Pipeline({{"HGETALL", Key(id)}, {"HGETALL", Key(id) + ":history"}});
  if (!replies.ok()) return replies.status();
  std::vector<HistoryEntry> out;
  for (size_t k = 0; k < replies->size(); ++k) {
    const redis::Reply& r = (*replies)[k];
    if (r.type == redis::Reply::Type::kError) return absl::UnavailableError("redis: " + r.str);
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
      std::string_view field = r.elements[i].str;
      if (k == 0) {
        if (field.rfind("_h:", 0) != 0) continue;
        field.remove_prefix(3);
      }
      HistoryEntry e;
      e.event_id = std::string(field);
      std::vector<std::string> parts =
          absl::StrSplit(r.elements[i + 1].str, absl::MaxSplits('\t', 2));
      if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &e.at_us)) continue;
      e.status = parts[1];
      e.note = parts[2];
      out.push_back(std::move(e));
    }
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
