#include "intake/intake_service.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/status.h"
#include "events/envelope.h"
#include "kafka/publisher.h"

namespace teksin::intake {
namespace {

struct Verdict {
  v1::RejectionCode code = v1::REJECTION_CODE_UNSPECIFIED;
  std::string reason;
};

std::vector<double> ConfidenceBuckets() {
  return {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0};
}

void AddHistory(v1::Case& c, v1::CaseStatus status, absl::Time now, const std::string& event_id,
                const std::string& reason = "") {
  auto* h = c.add_history();
  h->set_status(status);
  *h->mutable_at() = common::ToProto(now);
  h->set_actor("intake");
  if (!reason.empty()) h->set_reason(reason);
  h->set_event_id(event_id);
}

}  // namespace

bool IsLinkable(v1::RequestType t) {
  switch (t) {
    case v1::REQUEST_TYPE_INFORMATION:
    case v1::REQUEST_TYPE_SUGGESTION:
    case v1::REQUEST_TYPE_WISH:
    case v1::REQUEST_TYPE_THANKS:
      return false;
    default:
      return true;
  }
}

const char* DefaultNoDuplicateCategories() {
  return "sosyal-yardim,evde-bakim,kadin-destek,cenaze,tarim-destek,imar-bilgi,numarataj,"
         "bilgi-edinme,oneri,tesekkur,ulasim-kart";
}

IntakeService::IntakeService(const catalogue::Catalogue& catalogue,
                             const geo::DistrictLocator& districts, const events::Topics& topics,
                             events::EventPublisher& publisher, const common::Clock& clock,
                             metrics::Registry& registry, IntakeOptions options)
    : catalogue_(catalogue),
      districts_(districts),
      topics_(topics),
      publisher_(publisher),
      clock_(clock),
      options_(std::move(options)),
      predictions_(registry.AddCounter("teksin_intake_classifier_predictions_total",
                                       "Texts classified for cases without a category, by the "
                                       "model's top label",
                                       {"label"})),
      triaged_(registry.AddCounter(
          "teksin_intake_classifier_triaged_total",
          "Cases registered without a category for the coordination centre's triage")),
      confidence_(registry.AddHistogram("teksin_intake_classifier_confidence",
                                        "The top label's confidence of each classification", {},
                                        ConfidenceBuckets())),
      emergencies_(registry.AddCounter("teksin_intake_emergencies_total",
                                       "Cases flagged as emergencies and handed off, by rule",
                                       {"rule"})),
      links_(registry.AddCounter("teksin_intake_links_total",
                                 "Contacts linked to an open case instead of opening one",
                                 {"kind"})) {}

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
  std::optional<ClassifyResult> classified;
  if (c.category().empty() && options_.classifier != nullptr && !text.empty()) {
    auto r = options_.classifier->Classify(text, 3);
    if (r.ok()) {
      classified = std::move(*r);
    } else if (r.status().code() == absl::StatusCode::kInvalidArgument) {
      // Nothing to classify (only punctuation, say): a person has to read it.
      classified = ClassifyResult{};
      classified->triaged = true;
      classified->model_version = options_.classifier->model_version();
    } else {
      return r.status();
    }
    if (!classified->triaged) c.set_category(classified->service_code);
  }
  const bool triaged = classified.has_value() && classified->triaged;
  const catalogue::ServiceDef* service = catalogue_.Find(c.category());
  if (service == nullptr && !triaged) {
    verdict = {v1::REJECTION_CODE_UNKNOWN_CATEGORY,
               c.category().empty() ? std::string("the request has no service code")
                                    : absl::StrCat("unknown service code \"", c.category(), "\"")};
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

  if (verdict.code != v1::REJECTION_CODE_UNSPECIFIED) {
    c.set_status(v1::CASE_STATUS_REJECTED);
    AddHistory(c, v1::CASE_STATUS_REJECTED, now, meta.event_id, verdict.reason);
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
    events::StampType(out);
    return publisher_.PublishOne({topics_.IntakeCases(), c.case_id(), std::move(out)});
  }

  c.set_text(text);
  if (c.request_type() == v1::REQUEST_TYPE_UNSPECIFIED && service != nullptr &&
      !service->request_types.empty()) {
    c.set_request_type(service->request_types.front());
  }
  c.set_status(v1::CASE_STATUS_REGISTERED);

  // Emergencies first: never linked away, handed off before the case is registered.
  std::optional<EmergencyMatch> emergency;
  if (options_.emergencies != nullptr) emergency = options_.emergencies->Match(text, c.category());

  // Repeat or duplicate: the decision is recorded per contact before anything is published, so
  // a redelivered contact gets the same answer even after the linked case has closed. A case
  // registered on its own is indexed as open in the same call (one Redis round trip, ADR 0024).
  std::optional<OpenCase> open;
  if (options_.links != nullptr && !c.category().empty()) {
    open.emplace();
    open->case_id = c.case_id();
    open->tracking_code = c.tracking_code();
    open->citizen_key = c.citizen_key();
    open->category = c.category();
    open->has_coordinates = c.location().has_coordinates();
    open->lat = c.location().lat();
    open->lon = c.location().lon();
    open->registered_us = absl::ToUnixMicros(now);
  }
  Pending p{c, meta, std::move(out), contact.contact_id(), in.event_id(), std::move(classified),
            triaged, std::move(emergency), now};
  LinkDecision link;
  if (open && !p.emergency) {
    DecideRequest r;
    r.contact = in.event_id();
    r.case_id = c.case_id();
    r.category = c.category();
    r.citizen_key = c.citizen_key();
    const bool linkable = IsLinkable(c.request_type());
    r.search_repeat = linkable && !c.citizen_key().empty();
    r.search_place = linkable && c.location().has_coordinates() &&
                     options_.no_duplicate_categories.count(c.category()) == 0;
    r.lat = c.location().lat();
    r.lon = c.location().lon();
    r.radius_m = options_.duplicate_radius_m;
    r.since_us = absl::ToUnixMicros(now - options_.duplicate_window);
    r.ttl = options_.decision_ttl;
    r.register_open = open;
    if (options_.batcher != nullptr) {
      if (auto done = kafka::DeferredAcks::Defer()) {
        // Decided with other contacts in one round trip; the event is published from there.
        auto pending = std::make_shared<Pending>(std::move(p));
        options_.batcher->Add(
            std::move(r),
            [this, pending](const LinkDecision& decided) {
              return Finish(std::move(*pending), decided);
            },
            std::move(done));
        return absl::OkStatus();
      }
    }
    auto decided = options_.links->DecideAndRecord(r);
    if (!decided.ok()) return decided.status();
    link = *decided;
  } else if (open) {
    // Emergencies are never linked, but later contacts may link to them: indexed after the
    // contacts queued before them.
    if (options_.batcher != nullptr) options_.batcher->Flush();
    if (auto s = options_.links->AddOpen(*open); !s.ok()) return s;
  }
  return Finish(std::move(p), link);
}

absl::Status IntakeService::Finish(Pending p, const LinkDecision& link) {
  v1::Case& c = p.c;
  const events::EnvelopeMeta& meta = p.meta;
  v1::Envelope& out = p.out;
  const std::optional<ClassifyResult>& classified = p.classified;
  const bool triaged = p.triaged;
  const std::optional<EmergencyMatch>& emergency = p.emergency;
  const absl::Time now = p.now;
  if (link.kind != LinkKind::kNone) {
    const bool repeat = link.kind == LinkKind::kRepeat;
    if (repeat) {
      c.mutable_links()->set_repeat_of(link.case_id);
    } else {
      c.mutable_links()->set_duplicate_of(link.case_id);
    }
    AddHistory(c, v1::CASE_STATUS_REGISTERED, now, meta.event_id,
               absl::StrCat(repeat ? "repeat of " : "duplicate of ", link.tracking_code));
    auto* linked = out.mutable_case_linked();
    linked->set_case_id(c.case_id());
    linked->set_linked_to_case_id(link.case_id);
    linked->set_kind(repeat ? v1::LINK_KIND_REPEAT : v1::LINK_KIND_DUPLICATE);
    linked->set_contact_id(p.contact_id);
    linked->set_linked_to_tracking_code(link.tracking_code);
    linked->set_distance_m(link.distance_m);
    *linked->mutable_case_() = c;
    events::StampType(out);
    if (auto s = publisher_.PublishOne({topics_.IntakeCases(), c.case_id(), std::move(out)});
        !s.ok()) {
      return s;
    }
    links_.With({repeat ? "repeat" : "duplicate"}).Inc();
    common::LogInfo("case linked", {{"case_id", c.case_id()},
                                    {"kind", repeat ? "repeat" : "duplicate"},
                                    {"linked_to", link.case_id}});
    return absl::OkStatus();
  }

  if (emergency) {
    c.set_priority(v1::PRIORITY_P1);
    events::EnvelopeMeta hm = meta;
    hm.event_id = common::DerivedId(p.in_event_id, "intake-emergency");
    v1::Envelope handoff = events::NewEnvelope(hm);
    auto* h = handoff.mutable_emergency_handoff();
    *h->mutable_case_() = c;
    h->set_rule(emergency->rule);
    h->set_handed_to(emergency->handed_to);
    events::StampType(handoff);
    events::EventPublisher& hp =
        options_.handoff_publisher != nullptr ? *options_.handoff_publisher : publisher_;
    if (auto s = hp.PublishOne({topics_.IntakeEmergencies(), c.case_id(), std::move(handoff)});
        !s.ok()) {
      return s;
    }
  }

  AddHistory(c, v1::CASE_STATUS_REGISTERED, now, meta.event_id,
             triaged ? "no category: to the coordination centre for triage" : "");
  auto* reg = out.mutable_case_registered();
  reg->set_contact_id(p.contact_id);
  if (classified) {
    auto* cl = reg->mutable_classification();
    if (!classified->top.empty()) {
      cl->set_label(classified->top.front().label);
      cl->set_confidence(classified->top.front().confidence);
    }
    cl->set_model_version(classified->model_version);
    cl->set_triaged(classified->triaged);
    cl->set_chosen_category(classified->service_code);
  }
  if (emergency) {
    reg->set_emergency(true);
    reg->set_emergency_rule(emergency->rule);
  }
  *reg->mutable_case_() = std::move(c);
  const std::string case_id = reg->case_().case_id();
  events::StampType(out);
  if (auto s = publisher_.PublishOne({topics_.IntakeCases(), case_id, std::move(out)}); !s.ok()) {
    return s;
  }
  if (classified) {
    if (!classified->top.empty()) {
      predictions_.With({classified->top.front().label}).Inc();
      confidence_.With({}).Observe(classified->top.front().confidence);
    }
    if (classified->triaged) triaged_.With({}).Inc();
  }
  if (emergency) {
    emergencies_.With({emergency->rule}).Inc();
    common::LogInfo("emergency handed off", {{"case_id", case_id},
                                             {"rule", emergency->rule},
                                             {"handed_to", emergency->handed_to}});
  }
  return absl::OkStatus();
}

absl::Status OpenCaseTracker::Handle(const events::ConsumedEvent& event) {
  const v1::Envelope& e = event.envelope;
  std::string id;
  if (e.has_case_resolved()) {
    id = e.case_resolved().case_().case_id();
  } else if (e.has_case_closed()) {
    id = e.case_closed().case_id().empty() ? e.case_closed().case_().case_id()
                                           : e.case_closed().case_id();
  } else if (e.has_case_reopened()) {
    id = e.case_reopened().case_().case_id();
    if (id.empty()) return absl::InvalidArgumentError("CaseReopened without a case id");
    return links_.Reopen(id, absl::ToUnixMicros(common::FromProto(e.occurred_at())));
  } else {
    return absl::OkStatus();  // routed, assigned ...: nothing changes for the open indexes
  }
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(e.event_type(), " without a case id"));
  return links_.Close(id);
}

}  // namespace teksin::intake
