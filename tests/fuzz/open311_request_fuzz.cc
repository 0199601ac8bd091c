// libFuzzer target: an Open311 POST body (first byte picks form or JSON) parsed and submitted to
// the channel with in-memory doubles. Must never crash, hang or publish for input it refuses.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalogue/catalogue.h"
#include "channel_open311/open311_http.h"
#include "channel_open311/open311_service.h"
#include "common/time_util.h"
#include "events/in_memory.h"
#include "events/topics.h"

namespace {

const teksin::catalogue::Catalogue& Catalogue() {
  static const auto* kCatalogue = new teksin::catalogue::Catalogue(
      *teksin::catalogue::Catalogue::LoadFile(std::string(TEKSIN_CONFIG_DIR) + "/service-catalogue.json"));
  return *kCatalogue;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace teksin;
  if (size == 0) return 0;
  const std::string type = (data[0] & 1) ? "application/json" : "application/x-www-form-urlencoded";
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto params = channel_open311::ParseRequestBody(type, body);
  if (!params.ok()) return 0;
  events::Topics topics("fuzz");
  events::InMemoryEventPublisher publisher;
  channel_open311::InMemoryRequestStore store;
  common::FakeClock clock(absl::FromUnixSeconds(1780000000));
  channel_open311::Open311Options options;
  options.citizen_key_secret = "fuzz-secret-0123456789";
  channel_open311::Open311Service service(Catalogue(), store, topics, publisher, clock, options);
  auto accepted = service.Submit(*params);
  // Refused input publishes nothing; accepted input publishes exactly one contact.
  if (accepted.ok() != (publisher.size() == 1)) __builtin_trap();
  if (accepted.ok()) (void)service.Find(accepted->service_request_id);
  return 0;
}
