#include "events/envelope.h"

#include "common/time_util.h"

namespace teksin::events {

v1::Envelope NewEnvelope(const EnvelopeMeta& meta) {
  v1::Envelope e;
  e.set_event_id(meta.event_id);
  e.set_source(meta.source);
  e.set_correlation_id(meta.correlation_id);
  e.set_causation_id(meta.causation_id);
  e.set_partition_key(meta.partition_key);
  e.set_traceparent(meta.traceparent);
  *e.mutable_occurred_at() = common::ToProto(meta.occurred_at);
  return e;
}

std::string PayloadTypeName(const v1::Envelope& e) {
  const auto* desc = v1::Envelope::descriptor();
  const auto* oneof = desc->FindOneofByName("payload");
  const auto* field = e.GetReflection()->GetOneofFieldDescriptor(e, oneof);
  if (field == nullptr) return "";
  return field->message_type()->full_name();
}

void StampType(v1::Envelope& e) { e.set_event_type(PayloadTypeName(e)); }

}  // namespace teksin::events
