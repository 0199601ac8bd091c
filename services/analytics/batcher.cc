#include "analytics/batcher.h"

#include <algorithm>

namespace teksin::analytics {

EffectsBatcher::EffectsBatcher(CountsStore& store, BatchOptions options, Applied on_applied)
    : batcher_("analytics", options,
               [&store, on_applied = std::move(on_applied)](
                   std::vector<EventEffects>& events,
                   const kafka::CompletionBatcher<EventEffects>::Completions&) -> absl::Status {
                 auto applied = store.ApplyBatch(events);
                 if (!applied.ok()) return applied.status();
                 const int64_t counted = std::count(applied->begin(), applied->end(), true);
                 on_applied(counted, static_cast<int64_t>(applied->size()) - counted);
                 return absl::OkStatus();
               }) {}

}  // namespace teksin::analytics
