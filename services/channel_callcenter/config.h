// channel_callcenter's own settings (CALLCENTER_*), read once from the environment.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/env.h"

namespace teksin::channel_callcenter {

// Defaults and meanings are documented in services/channel_callcenter/README.md.
struct CallCenterConfig {
  int grpc_port = 9313;                              // CALLCENTER_GRPC_PORT
  std::string citizen_key_secret;                    // TEKSIN_CITIZEN_KEY_SECRET (>= 16 chars)
  int rate_limit = 120;                              // CALLCENTER_RATE_LIMIT (per operator)
  absl::Duration rate_window = absl::Seconds(60);    // CALLCENTER_RATE_WINDOW_SECONDS
  absl::Duration idempotency_ttl = absl::Hours(24);  // CALLCENTER_IDEMPOTENCY_TTL_HOURS
  std::string catalogue_file;                        // TEKSIN_CATALOGUE_FILE
  std::string boundaries_file;                       // CALLCENTER_BOUNDARIES_FILE
  // The case index projection's batches (ADR 0026).
  size_t batch_max_events = 100;                     // CALLCENTER_BATCH_MAX_EVENTS
  std::chrono::milliseconds batch_max_delay{3};      // CALLCENTER_BATCH_MAX_DELAY_MS
};

// Reads every variable and reports all problems at once (InvalidArgument).
absl::StatusOr<CallCenterConfig> ReadCallCenterConfig(common::EnvReader& env,
                                                      const common::CommonConfig& common);

}  // namespace teksin::channel_callcenter
