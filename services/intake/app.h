#pragma once

namespace teksin::intake {
// Wires configuration, Kafka, metrics and the service; returns the process exit code.
int Run();
}  // namespace teksin::intake
