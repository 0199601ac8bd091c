#include "intake/contact_batcher.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace teksin::intake {

ContactBatcher::ContactBatcher(LinkStore& links, ContactBatchOptions options)
    : batcher_("intake", options,
               [&links](std::vector<Contact>& batch, const Batcher::Completions& done) {
                 return Process(links, batch, done);
               }) {}

absl::Status ContactBatcher::Process(LinkStore& links, std::vector<Contact>& batch,
                                     const Batcher::Completions& done) {
  std::vector<DecideRequest> requests;
  requests.reserve(batch.size());
  for (const auto& c : batch) requests.push_back(c.request);
  // A refused batch is tried again by the batcher; decisions recorded before stay (a contact's
  // decision is made once, ADR 0013).
  auto decided = links.DecideAndRecordMany(requests);
  if (!decided.ok()) return decided.status();
  // Publish every contact's event without waiting, then wait for the acknowledgements: a
  // contact is complete once its event is on the topic. Each contact is completed here with its
  // own result; the batcher's completion after this returns does not change them.
  std::vector<std::pair<absl::Status, std::vector<std::shared_ptr<kafka::AckBatch>>>> sent;
  sent.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    kafka::DeferredAcks scope;
    absl::Status s = batch[i].finish((*decided)[i]);
    sent.emplace_back(std::move(s), scope.Take());
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    absl::Status s = sent[i].first;
    for (const auto& ack : sent[i].second) {
      while (!ack->WaitFor(std::chrono::seconds(10))) {
        common::LogWarn("waiting for Kafka to acknowledge a case event", {});
      }
      if (s.ok() && !ack->Error().empty()) {
        s = absl::UnavailableError(absl::StrCat("kafka delivery failed: ", ack->Error()));
      }
    }
    done[i]->Complete(s);
  }
  return absl::OkStatus();
}

}  // namespace teksin::intake
