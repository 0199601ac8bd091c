#include "channel_open311/redis_request_store.h"

namespace teksin::channel_open311 {
namespace {
const redis::Script& UpsertScript() {
  // ARGV: at_us, n_fixed, (k, v) * n_fixed, (k, v) * rest
  static const redis::Script kScript(R"lua(
local n = tonumber(ARGV[2])
local i = 3
for _ = 1, n do
  redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
local cur = tonumber(redis.call('HGET', KEYS[1], '_updated_us') or '-1')
if tonumber(ARGV[1]) >= cur then
  while i < #ARGV do
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    i = i + 2
  end
  redis.call('HSET', KEYS[1], '_updated_us', ARGV[1])
end
return 1
)lua");
  return kScript;
}
}  // namespace

absl::Status RedisRequestStore::Upsert(const std::string& id, const RequestView& fixed,
                                       const RequestView& current, int64_t at_us) {
  std::vector<std::string> args{std::to_string(at_us), std::to_string(fixed.size())};
  for (const auto& [k, v] : fixed) {
    args.push_back(k);
    args.push_back(v);
  }
  for (const auto& [k, v] : current) {
    args.push_back(k);
    args.push_back(v);
  }
  return redis_.Eval(UpsertScript(), {Key(id)}, args).status();
}

absl::StatusOr<std::optional<RequestView>> RedisRequestStore::Get(const std::string& id) {
  auto r = redis_.Command({"HGETALL", Key(id)});
  if (!r.ok()) return r.status();
  if (r->elements.empty()) return std::nullopt;
  RequestView view;
  for (size_t i = 0; i + 1 < r->elements.size(); i += 2) {
    if (r->elements[i].str.rfind("_", 0) == 0) continue;
    view[r->elements[i].str] = r->elements[i + 1].str;
  }
  return view;
}

}  // namespace teksin::channel_open311
