#include "channel_callcenter/config.h"

#include "absl/strings/str_cat.h"
#include "common/phone.h"
#include "common/status.h"

namespace teksin::channel_callcenter {

absl::StatusOr<CallCenterConfig> ReadCallCenterConfig(common::EnvReader& env,
                                                      const common::CommonConfig& common) {
  CallCenterConfig c;
  c.grpc_port = static_cast<int>(env.Int("CALLCENTER_GRPC_PORT", 9313, 0, 65535));
  c.citizen_key_secret = common::ReadCitizenKeySecret(env);
  c.rate_limit = static_cast<int>(env.Int("CALLCENTER_RATE_LIMIT", 120, 1, 1000000));
  c.rate_window = absl::Seconds(env.Int("CALLCENTER_RATE_WINDOW_SECONDS", 60, 1, 86400));
  c.idempotency_ttl = absl::Hours(env.Int("CALLCENTER_IDEMPOTENCY_TTL_HOURS", 24, 1, 24 * 30));
  c.catalogue_file = env.String("TEKSIN_CATALOGUE_FILE",
                                absl::StrCat(common.config_dir, "/service-catalogue.json"));
  c.boundaries_file = env.String(
      "CALLCENTER_BOUNDARIES_FILE",
      absl::StrCat(common.shared_dir, "/data/mersin-boundaries/mersin-districts.geojson"));
  c.batch_max_events =
      static_cast<size_t>(env.Int("CALLCENTER_BATCH_MAX_EVENTS", 100, 1, 10000));
  c.batch_max_delay =
      std::chrono::milliseconds(env.Int("CALLCENTER_BATCH_MAX_DELAY_MS", 3, 1, 1000));
  RETURN_IF_ERROR(env.Finish());
  return c;
}

}  // namespace teksin::channel_callcenter
