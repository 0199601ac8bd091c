#include "common/time_util.h"

#include "absl/time/clock.h"

namespace teksin::common {

absl::Time SystemClock::Now() const { return absl::Now(); }

const SystemClock& SystemClock::Get() {
  static const SystemClock kClock;
  return kClock;
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  int64_t us = absl::ToUnixMicros(t);
  int64_t s = us / 1000000;
  int64_t rem = us % 1000000;
  if (rem < 0) {
    rem += 1000000;
    --s;
  }
  ts.set_seconds(s);
  ts.set_nanos(static_cast<int32_t>(rem * 1000));
  return ts;
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

std::string FormatIso8601Local(absl::Time t) {
  static const absl::TimeZone kTurkey = absl::FixedTimeZone(3 * 3600);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, kTurkey);
}

}  // namespace teksin::common
