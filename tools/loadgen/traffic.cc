#include "loadgen/traffic.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace teksin::loadgen {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kSubBits = 8;  // buckets of 2^kSubBits values below 256, then 128 per power of two
constexpr int64_t kSubCount = int64_t{1} << kSubBits;
constexpr int64_t kHalf = kSubCount / 2;
constexpr int kMaxExponent = 42;

}  // namespace

std::optional<Surge> ParseSurge(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  Surge s;
  if (parts.size() != 3 || !absl::SimpleAtod(parts[0], &s.start_s) ||
      !absl::SimpleAtod(parts[1], &s.end_s) || !absl::SimpleAtod(parts[2], &s.factor)) {
    return std::nullopt;
  }
  if (s.start_s < 0 || s.end_s <= s.start_s || !(s.factor > 0)) return std::nullopt;
  return s;
}

std::vector<double> DefaultDailyCurve() {
  // Relative contact volume by hour of day (00..23): quiet at night, a morning rise, the peak
  // around 10-12 and 14-16, an evening shoulder. Normalised to mean 1 by RateSchedule.
  return {0.15, 0.10, 0.08, 0.07, 0.08, 0.15, 0.35, 0.80, 1.40, 1.90, 2.10, 2.10,
          1.70, 1.80, 2.00, 1.90, 1.70, 1.40, 1.10, 0.90, 0.75, 0.60, 0.40, 0.25};
}

RateSchedule::RateSchedule(double base_rate, std::vector<double> hourly, double day_seconds,
                           double start_hour, std::vector<Surge> surges)
    : base_rate_(std::max(0.0, base_rate)),
      hourly_(std::move(hourly)),
      day_seconds_(day_seconds > 0 ? day_seconds : 86400),
      start_hour_(std::fmod(std::max(0.0, start_hour), 24.0)),
      surges_(std::move(surges)) {
  if (hourly_.size() != 24) {
    hourly_.clear();
  } else {
    double sum = 0;
    for (double& w : hourly_) sum += (w = std::max(0.0, w));
    if (sum <= 0) {
      hourly_.clear();
    } else {
      for (double& w : hourly_) w *= 24.0 / sum;
    }
  }
}

double RateSchedule::RateAt(double t) const {
  double r = base_rate_;
  if (!hourly_.empty()) {
    double hours = start_hour_ + t * 24.0 / day_seconds_;
    r *= hourly_[static_cast<size_t>(std::fmod(std::floor(hours), 24.0))];
  }
  for (const Surge& s : surges_) {
    if (t >= s.start_s && t < s.end_s) r *= s.factor;
  }
  return r;
}

double RateSchedule::NextBoundary(double t) const {
  double next = kInf;
  if (!hourly_.empty()) {
    double hours = start_hour_ + t * 24.0 / day_seconds_;
    double b = (std::floor(hours) + 1 - start_hour_) * day_seconds_ / 24.0;
    if (b <= t) b = (std::floor(hours) + 2 - start_hour_) * day_seconds_ / 24.0;  // rounding
    next = std::min(next, b);
  }
  for (const Surge& s : surges_) {
    if (s.start_s > t) next = std::min(next, s.start_s);
    if (s.end_s > t) next = std::min(next, s.end_s);
  }
  return next;
}

double RateSchedule::Advance(double t, double amount) const {
  for (int guard = 0; guard < 1000000; ++guard) {
    double r = RateAt(t);
    double b = NextBoundary(t);
    if (r > 0 && (b == kInf || (b - t) * r >= amount)) return t + amount / r;
    if (b == kInf) return kInf;
    amount -= (b - t) * r;
    t = b;
  }
  return kInf;
}

double RateSchedule::Integral(double t) const {
  double sum = 0, at = 0;
  while (at < t) {
    double b = std::min(NextBoundary(at), t);
    sum += (b - at) * RateAt(at);
    at = b;
  }
  return sum;
}

double SendClock::Next() {
  double amount = 1;
  if (poisson_) {
    amount = std::exponential_distribution<double>(1.0)(rng_);
  } else if (first_) {
    amount = 0.5;  // evenly spaced sends sit in the middle of their slots
  }
  first_ = false;
  t_ = schedule_.Advance(t_, amount);
  return t_;
}

Histogram::Histogram() : counts_(IndexOf(int64_t{1} << kMaxExponent) + 1, 0) {}

size_t Histogram::IndexOf(int64_t value) {
  if (value < 0) value = 0;
  if (value >= (int64_t{1} << kMaxExponent)) value = (int64_t{1} << kMaxExponent);
  if (value < kSubCount) return static_cast<size_t>(value);
  int msb = 63 - std::countl_zero(static_cast<uint64_t>(value));
  int shift = msb - (kSubBits - 1);  // >= 1
  int64_t top = value >> shift;       // in [kHalf, kSubCount)
  return static_cast<size_t>(kSubCount + (shift - 1) * kHalf + (top - kHalf));
}

int64_t Histogram::HighestEquivalent(size_t index) {
  int64_t i = static_cast<int64_t>(index);
  if (i < kSubCount) return i;
  int64_t shift = (i - kSubCount) / kHalf + 1;
  int64_t top = (i - kSubCount) % kHalf + kHalf;
  return ((top + 1) << shift) - 1;
}

void Histogram::Record(int64_t value_us) {
  if (value_us < 0) value_us = 0;
  ++counts_[IndexOf(value_us)];
  if (count_ == 0 || value_us < min_) min_ = value_us;
  max_ = std::max(max_, value_us);
  sum_ += value_us;
  ++count_;
}

void Histogram::Merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
}

int64_t Histogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  int64_t rank = static_cast<int64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<int64_t>(rank, 1, count_);
  int64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(HighestEquivalent(i), max_);
  }
  return max_;
}

std::optional<int64_t> Matcher::Sent(const std::string& id, int64_t intended_us) {
  if (done_.count(id)) return std::nullopt;
  if (auto s = early_settled_.find(id); s != early_settled_.end()) {
    Settle(s->second, intended_us);
    early_settled_.erase(s);
    early_.erase(id);
    done_[id] = true;
    return std::nullopt;
  }
  auto it = early_.find(id);
  if (it != early_.end()) {
    int64_t latency = it->second - intended_us;
    early_.erase(it);
    done_[id] = true;
    ++matched_;
    return latency;
  }
  sent_[id] = intended_us;
  return std::nullopt;
}

std::optional<int64_t> Matcher::Arrived(const std::string& id, int64_t at_us) {
  if (done_.count(id)) return std::nullopt;
  auto it = sent_.find(id);
  if (it == sent_.end()) {
    // Keeps the first arrival, unless a settlement came first.
    if (!early_settled_.count(id)) early_.emplace(id, at_us);
    return std::nullopt;
  }
  int64_t latency = at_us - it->second;
  sent_.erase(it);
  done_[id] = true;
  ++matched_;
  return latency;
}

bool Matcher::Settled(const std::string& id, Settlement how) {
  if (done_.count(id)) return false;
  auto it = sent_.find(id);
  if (it == sent_.end()) {
    // Keeps the first verdict, unless an arrival came first.
    if (!early_.count(id)) early_settled_.emplace(id, how);
    return false;
  }
  Settle(how, it->second);
  sent_.erase(it);
  done_[id] = true;
  return true;
}

void Matcher::Settle(Settlement how, int64_t intended_us) {
  if (how == Settlement::kLinked) {
    ++linked_;
  } else {
    ++rejected_;
  }
  settled_intended_.push_back(intended_us);
}

std::vector<int64_t> RankLatencies(const std::vector<int64_t>& intended_us,
                                   const std::vector<std::pair<int64_t, int64_t>>& polls,
                                   int64_t baseline) {
  std::vector<int64_t> out;
  size_t k = 0;  // cases [0, k) have their latency
  for (const auto& [at, count] : polls) {
    int64_t reached = count - baseline;
    while (k < intended_us.size() && static_cast<int64_t>(k) < reached) {
      out.push_back(at - intended_us[k]);
      ++k;
    }
  }
  return out;
}

}  // namespace teksin::loadgen
