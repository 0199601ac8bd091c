#include "intake/intake_service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/log.h"
#include "events/envelope.h"

namespace teksin::intake {
namespace {

struct Verdict {
  v1::RejectionCode code = v1::REJECTION_CODE_UNSPECIFIED;
  std::string reason;
};

}  // namespace

absl::Status IntakeService::Handle(const events::ConsumedEvent& event) {
  const v1::Envelope& in = event.envelope;
  if (!in.has_contact_received()) {
    return absl::InvalidArgumentError(
        absl::StrCat("intake expects ContactReceived on ", event.topic, ", got \"",
                     in.event_type(), "\""));
  }
  const v1::ContactReceived& contact = in.contact_received();
  // Contacts answered on the spot or transferred are counted by analytics; no case to open.
  if (contact.outcome() != v1::CONTACT_OUTCOME_CASE_REQUESTED) return absl::OkStatus();

  v1::Case c = contact.requested_case();
  if (c.case_id().empty()) {
    return absl::InvalidArgumentError("contact asks for a case but carries no case_id");
  }

  Verdict verdict;
  std::string text(absl::StripAsciiWhitespace(c.text()));
  const catalogue::ServiceDef* service = catalogue_.Find(c.category());
  if (service == nullptr) {
    verdict = {v1::REJECTION_CODE_UNKNOWN_CATEGORY,
               absl::StrCat("unknown service code \"", c.category(), "\"")};
  } else if (text.empty()) {
    verdict = {v1::REJECTION_CODE_EMPTY_TEXT, "the request has no description"};
  } else if (c.location().has_coordinates()) {
    auto district = districts_.Locate(c.location().lat(), c.location().lon());
    if (!district) {
      verdict = {v1::REJECTION_CODE_OUTSIDE_JURISDICTION,
                 "the location is outside the 13 districts of Mersin"};
    } else {
      c.mutable_location()->set_district(*district);
    }
  } else if (!districts_.Has(c.location().district())) {
    verdict = {v1::REJECTION_CODE_NO_LOCATION,
               "no coordinates and no known district: the case cannot be located"};
  }

  const absl::Time now = clock_.Now();
  events::EnvelopeMeta meta;
  meta.event_id = common::DerivedId(in.event_id(), "intake");
  meta.source = "intake";
  meta.correlation_id = c.case_id();
  meta.causation_id = in.event_id();
  meta.partition_key = c.case_id();
  meta.traceparent = in.traceparent();
  meta.occurred_at = now;
  v1::Envelope out = events::NewEnvelope(meta);

  if (verdict.code == v1::REJECTION_CODE_UNSPECIFIED) {
    c.set_text(text);
    if (c.request_type() == v1::REQUEST_TYPE_UNSPECIFIED && !service->request_types.empty()) {
      c.set_request_type(service->request_types.front());
    }
    c.set_status(v1::CASE_STATUS_REGISTERED);
    auto* h = c.add_history();
    h->set_status(v1::CASE_STATUS_REGISTERED);
    *h->mutable_at() = common::ToProto(now);
    h->set_actor("intake");
    h->set_event_id(meta.event_id);
    auto* reg = out.mutable_case_registered();
    *reg->mutable_case_() = c;
    reg->set_contact_id(contact.contact_id());
  } else {
    c.set_status(v1::CASE_STATUS_REJECTED);
    auto* h = c.add_history();
    h->set_status(v1::CASE_STATUS_REJECTED);
    *h->mutable_at() = common::ToProto(now);
    h->set_actor("intake");
    h->set_reason(verdict.reason);
    h->set_event_id(meta.event_id);
    auto* rej = out.mutable_case_rejected();
    rej->set_case_id(c.case_id());
    rej->set_tracking_code(c.tracking_code());
    rej->set_contact_id(contact.contact_id());
    rej->set_code(verdict.code);
    rej->set_reason(verdict.reason);
    rej->set_channel(c.channel());
    *rej->mutable_case_() = c;
    common::LogInfo("case rejected", {{"case_id", c.case_id()},
                                      {"code", v1::RejectionCode_Name(verdict.code)}});
  }
  events::StampType(out);
  return publisher_.PublishOne({topics_.IntakeCases(), c.case_id(), std::move(out)});
}

}  // namespace teksin::intake
