#pragma once

namespace teksin::notifier {
// Wires configuration, Kafka, Redis, the senders and the service; returns the process exit code.
int Run();
}  // namespace teksin::notifier
