// Building and reading envelopes.
#pragma once

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "teksin/v1/envelope.pb.h"

namespace teksin::events {

struct EnvelopeMeta {
  std::string event_id;
  std::string source;
  std::string correlation_id;
  std::string causation_id;
  std::string partition_key;
  std::string traceparent;
  absl::Time occurred_at;
};

// Fills the header fields; the caller sets the payload, then calls StampType.
v1::Envelope NewEnvelope(const EnvelopeMeta& meta);
// Sets event_type from the payload that is set ("teksin.v1.CaseRegistered").
void StampType(v1::Envelope& envelope);
std::string PayloadTypeName(const v1::Envelope& envelope);

}  // namespace teksin::events
