// libFuzzer target: a WhatsApp Cloud API notification body, signature check and parse, plus the
// sender-id normalisation. Must never crash or hang; a parsed message always has an id and sender.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channel_whatsapp/webhook.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace teksin::channel_whatsapp;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const std::string secret = "fuzz-app-secret";
  // A body signed right verifies; the same body with a header taken from the input does not crash.
  if (!SignatureValid(secret, SignatureHeader(secret, body), body)) __builtin_trap();
  (void)SignatureValid(secret, body.substr(0, 80), body);
  auto n = ParseNotification(body);
  if (!n.ok()) return 0;
  for (const auto& m : n->messages) {
    if (m.id.empty() || m.from.empty()) __builtin_trap();
    (void)WhatsAppIdToE164(m.from);
    (void)MessageRef("fuzz-citizen-secret", m.id);
  }
  return 0;
}
