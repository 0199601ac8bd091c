#include "metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace teksin::metrics {
namespace {

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // The shortest text that reads back as the same double: 0.1 stays "0.1".
  char buf[64];
  double a = std::fabs(v);
  auto [end, ec] = (a == 0 || (a >= 1e-6 && a < 1e15))
                       ? std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed)
                       : std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

std::string LabelSet(const std::vector<std::string>& names, const Labels& values,
                     const std::string& extra_name = "", const std::string& extra_value = "") {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!first) out += ",";
    first = false;
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    if (!first) out += ",";
    out += extra_name + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

void Header(std::ostringstream& o, const std::string& name, const std::string& help,
            const char* type) {
  std::string h;
  for (char c : help) {
    if (c == '\\') h += "\\\\";
    else if (c == '\n') h += "\\n";
    else h += c;
  }
  o << "# HELP " << name << " " << h << "\n# TYPE " << name << " " << type << "\n";
}

}  // namespace

void Counter::Inc(double v) {
  if (v < 0) return;  // counters only go up
  double cur = value_.load();
  while (!value_.compare_exchange_weak(cur, cur + v)) {
  }
}
double Counter::Value() const { return value_.load(); }

void Gauge::Inc(double v) {
  double cur = value_.load();
  while (!value_.compare_exchange_weak(cur, cur + v)) {
  }
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  counts_.assign(bounds_.size() + 1, 0);
}

void Histogram::Observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  std::lock_guard<std::mutex> lock(mu_);
  counts_[i]++;
  sum_ += v;
  count_++;
}

Histogram::Snapshot Histogram::Snap() const {
  Snapshot s;
  s.bounds = bounds_;
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t acc = 0;
  for (uint64_t c : counts_) {
    acc += c;
    s.cumulative.push_back(acc);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& f : counters_) {
    if (f->name() == name) return *f;  // one family a name, however often it is declared
  }
  counters_.push_back(std::make_unique<Family<Counter>>(
      name, help, std::move(label_names), [] { return std::make_unique<Counter>(); }));
  return *counters_.back();
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& f : gauges_) {
    if (f->name() == name) return *f;  // one family a name, however often it is declared
  }
  gauges_.push_back(std::make_unique<Family<Gauge>>(
      name, help, std::move(label_names), [] { return std::make_unique<Gauge>(); }));
  return *gauges_.back();
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& f : histograms_) {
    if (f->name() == name) return *f;  // one family a name, however often it is declared
  }
  histograms_.push_back(std::make_unique<Family<Histogram>>(
      name, help, std::move(label_names),
      [bounds] { return std::make_unique<Histogram>(bounds); }));
  return *histograms_.back();
}

void Registry::AddCollector(std::function<void()> collect) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collect));
}

std::string Registry::Render() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    collectors = collectors_;
  }
  for (auto& c : collectors) c();

  std::ostringstream o;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& f : counters_) {
    Header(o, f->name(), f->help(), "counter");
    f->ForEach([&](const Labels& l, const Counter& c) {
      o << f->name() << LabelSet(f->label_names(), l) << " " << FormatValue(c.Value()) << "\n";
    });
  }
  for (const auto& f : gauges_) {
    Header(o, f->name(), f->help(), "gauge");
    f->ForEach([&](const Labels& l, const Gauge& g) {
      o << f->name() << LabelSet(f->label_names(), l) << " " << FormatValue(g.Value()) << "\n";
    });
  }
  for (const auto& f : histograms_) {
    Header(o, f->name(), f->help(), "histogram");
    f->ForEach([&](const Labels& l, const Histogram& h) {
      Histogram::Snapshot s = h.Snap();
      for (size_t i = 0; i < s.bounds.size(); ++i) {
        o << f->name() << "_bucket" << LabelSet(f->label_names(), l, "le", FormatValue(s.bounds[i]))
          << " " << s.cumulative[i] << "\n";
      }
      o << f->name() << "_bucket" << LabelSet(f->label_names(), l, "le", "+Inf") << " "
        << s.cumulative.back() << "\n";
      o << f->name() << "_sum" << LabelSet(f->label_names(), l) << " " << FormatValue(s.sum)
        << "\n";
      o << f->name() << "_count" << LabelSet(f->label_names(), l) << " " << s.count << "\n";
    });
  }
  return o.str();
}

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace teksin::metrics
