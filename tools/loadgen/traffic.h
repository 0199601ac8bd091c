// The load generator's pure logic: when to send (an open-loop rate schedule with a daily curve and
// surges), how to record latencies (a log-linear histogram in the manner of HdrHistogram), and how
// to pair a send with what later proves it arrived. No clocks, no sockets: times are plain
// numbers handed in by the caller, so the unit tests need no timing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace teksin::loadgen {

// A period of the run during which the rate is multiplied (the ×10 surge).
struct Surge {
  double start_s = 0;
  double end_s = 0;
  double factor = 1;
};

// Parses "START:END:FACTOR" (seconds from the start of the run, factor > 0).
std::optional<Surge> ParseSurge(const std::string& text);

// The assumed hourly shape of a municipal contact centre's day, 24 weights with mean 1 (night
// low, peaks late morning and early afternoon). An assumption documented in docs/benchmarks.md.
std::vector<double> DefaultDailyCurve();

// The target rate over the run: base_rate × daily curve (the simulated day is compressed into
// day_seconds, starting at start_hour) × surge factor. Piecewise constant, so the times of the
// sends follow exactly from the integral of the rate.
class RateSchedule {
 public:
  // hourly: empty = flat; otherwise 24 weights, normalised to mean 1.
  RateSchedule(double base_rate, std::vector<double> hourly = {}, double day_seconds = 86400,
               double start_hour = 0, std::vector<Surge> surges = {});

  double RateAt(double t) const;  // sends per second at t (seconds from the start)
  // The time at which the integral of the rate from t reaches `amount` (1 for an evenly spaced
  // next send; an Exp(1) draw for a Poisson process). Returns +inf if the rate stays 0.
  double Advance(double t, double amount) const;
  // The expected number of sends in [0, t).
  double Integral(double t) const;

 private:
  double NextBoundary(double t) const;  // the next time > t at which the rate may change

  double base_rate_;
  std::vector<double> hourly_;
  double day_seconds_;
  double start_hour_;
  std::vector<Surge> surges_;
};

// The intended send times of a run: deterministic (evenly spaced in the integral) or Poisson.
class SendClock {
 public:
  SendClock(const RateSchedule& schedule, bool poisson, uint64_t seed)
      : schedule_(schedule), poisson_(poisson), rng_(seed) {}
  double Next();  // seconds from the start; increasing

 private:
  const RateSchedule& schedule_;
  bool poisson_;
  std::mt19937_64 rng_;
  double t_ = 0;
  bool first_ = true;
};

// Latencies in microseconds with a relative precision of 1/128 (7 significant bits), from 0 up to
// ~2^42 µs. Values are recorded exactly into buckets; percentiles report the highest value of the
// bucket holding the rank (never below the true value), min and max are exact.
class Histogram {
 public:
  Histogram();
  void Record(int64_t value_us);
  void Merge(const Histogram& other);
  int64_t Count() const { return count_; }
  int64_t Min() const { return count_ ? min_ : 0; }
  int64_t Max() const { return max_; }
  double Mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  // p in [0, 100]. 0 for an empty histogram.
  int64_t Percentile(double p) const;

  // Bucket arithmetic, public for the tests.
  static size_t IndexOf(int64_t value);
  static int64_t HighestEquivalent(size_t index);

 private:
  std::vector<int64_t> counts_;
  int64_t count_ = 0, min_ = 0, max_ = 0;
  long double sum_ = 0;
};

// What became of an accepted case that rightly never becomes a task: intake linked the contact
// to a case still open (a repeat of the same citizen's case, or a duplicate of another citizen's
// case nearby: CaseLinked), or refused it (CaseRejected, e.g. a point outside Mersin).
enum class Settlement { kLinked, kRejected };

// Pairs each send (by id: a tracking code or an event id) with the moment something proved it
// arrived, in either order: a task may be consumed before the HTTP answer carrying its tracking
// code has been read. A send can instead be settled (see Settlement), also in either order;
// whichever of an arrival or a settlement comes first decides. Times are microseconds from the
// start of the run.
class Matcher {
 public:
  // The send's intended time; returns the latency if its arrival was seen already.
  std::optional<int64_t> Sent(const std::string& id, int64_t intended_us);
  // An arrival; returns the latency if the send is known. Later arrivals of the same id (a
  // redelivery, a second routing) are ignored.
  std::optional<int64_t> Arrived(const std::string& id, int64_t at_us);
  // Intake's verdict that the case will have no task. Returns true if a send of this run was
  // settled by it now (false for an id not sent yet: remembered until it is; false for an id
  // already arrived or settled).
  bool Settled(const std::string& id, Settlement how);
  size_t pending() const { return sent_.size(); }       // sent, neither arrived nor settled
  size_t unmatched() const { return early_.size(); }    // arrived, never sent by this run
  size_t matched() const { return matched_; }
  size_t linked() const { return linked_; }
  size_t rejected() const { return rejected_; }
  // The intended send times of the settled sends (they are never counted by analytics either).
  const std::vector<int64_t>& settled_intended() const { return settled_intended_; }

 private:
  void Settle(Settlement how, int64_t intended_us);

  std::map<std::string, int64_t> sent_, early_;
  std::map<std::string, Settlement> early_settled_;
  std::map<std::string, bool> done_;
  size_t matched_ = 0, linked_ = 0, rejected_ = 0;
  std::vector<int64_t> settled_intended_;
};

// "Counted by analytics", as ranks: analytics exposes counts, not which case it counted, so the
// k-th accepted case (ordered by intended send time) is taken as counted at the first poll whose
// count (minus the count before the run) reached k. intended_us must be sorted ascending; polls
// are (time, count) in time order. Cases never reached get no latency.
std::vector<int64_t> RankLatencies(const std::vector<int64_t>& intended_us,
                                   const std::vector<std::pair<int64_t, int64_t>>& polls,
                                   int64_t baseline);

}  // namespace teksin::loadgen
