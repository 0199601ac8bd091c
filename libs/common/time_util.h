// Clocks and conversions between absl::Time and protobuf Timestamps.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace teksin::common {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock : public Clock {
 public:
  absl::Time Now() const override;
  static const SystemClock& Get();
};

class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_us_(absl::ToUnixMicros(start)) {}
  absl::Time Now() const override { return absl::FromUnixMicros(now_us_.load()); }
  void Advance(absl::Duration d) { now_us_ += absl::ToInt64Microseconds(d); }
  void Set(absl::Time t) { now_us_ = absl::ToUnixMicros(t); }

 private:
  std::atomic<int64_t> now_us_;
};

google::protobuf::Timestamp ToProto(absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& ts);
// "2026-11-28T09:15:00+03:00" style, in Türkiye's fixed UTC+3.
std::string FormatIso8601Local(absl::Time t);

}  // namespace teksin::common
