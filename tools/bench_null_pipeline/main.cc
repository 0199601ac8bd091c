// bench_null_pipeline: a process of the null references the benchmarks compare the suite with.
// It consumes topics with the services' consumer (libs/kafka: consumer group, offsets stored after
// the handler, dead letters) and publishes what a route names unchanged with the services'
// producer (idempotent, acks=all, waiting for the acknowledgement) — the same bytes, the same
// client settings and the same one-event-at-a-time handling, with no work in between.
//
// One hop of the null pipeline (one consumer group, everything it reads forwarded):
//   bench_null_pipeline --brokers B --from TOPIC --to TOPIC[,TOPIC...] --group G [--partitions N]
// Any number of consumer groups in one process, each in its own thread (the null shape, which
// mirrors the suite's consumer groups and what each of them reads; docs/benchmarks.md):
//   bench_null_pipeline --brokers B [--consumer GROUP=TOPIC[,TOPIC...]]...
//                       [--follower GROUP=TOPIC[,TOPIC...]]... [--route FROM=TO[,TO...]]...
//                       [--partitions N]
// A --follower group fetches with kafka::FetchProfile::kFollower, as the services' read models
// do (ADR 0030); a --consumer group with the default, latency-first.
// An event read from FROM (by any of the process's groups) is published to every TO of FROM's
// route; topics without a route are only read. A TO written NAME.%K is one of NAME.0 ... NAME.K-1,
// chosen by the record key's hash (as routing spreads tasks over the units' topics).
// It creates its topics if needed. No HTTP: the benchmark reads its CPU and memory from /proc.
// Stops on SIGTERM or SIGINT (every consumer commits and leaves its group).
#include <atomic>
#include <csignal>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/publisher.h"
#include "metrics/registry.h"

namespace {

// One destination of a route: a topic, or a family NAME.0 ... NAME.(spread-1) chosen by key.
struct Target {
  std::string name;
  int spread = 0;  // 0: name is the topic
  std::string TopicFor(const std::string& key) const {
    if (spread == 0) return name;
    return absl::StrCat(name, ".", std::hash<std::string>{}(key) % static_cast<size_t>(spread));
  }
};

using Routes = std::map<std::string, std::vector<Target>>;

class Forward : public teksin::events::EventHandler {
 public:
  Forward(teksin::events::EventPublisher& out, const Routes& routes) : out_(out), routes_(routes) {}
  absl::Status Handle(const teksin::events::ConsumedEvent& ev) override {
    auto it = routes_.find(ev.topic);
    if (it == routes_.end()) return absl::OkStatus();  // a reader of this topic, nothing more
    std::vector<teksin::events::OutgoingEvent> batch;
    for (const auto& t : it->second) batch.push_back({t.TopicFor(ev.key), ev.key, ev.envelope});
    return out_.Publish(std::move(batch));
  }

 private:
  teksin::events::EventPublisher& out_;
  const Routes& routes_;
};

std::vector<teksin::kafka::KafkaEventConsumer*> g_consumers;

int Usage() {
  std::cerr << "usage: bench_null_pipeline --brokers B --from TOPIC --to TOPIC[,TOPIC...] --group G"
               " [--partitions N]\n"
               "       bench_null_pipeline --brokers B [--consumer GROUP=TOPIC[,TOPIC...]]..."
               " [--follower GROUP=TOPIC[,TOPIC...]]... [--route FROM=TO[,TO...]]..."
               " [--partitions N]\n"
               "       (a TO written NAME.%K is one of NAME.0 ... NAME.K-1 by the key's hash)\n";
  return 2;
}

// "LEFT=A,B,C" -> {LEFT, {A, B, C}}; false if malformed.
bool SplitAssignment(const std::string& v, std::string* left, std::vector<std::string>* right) {
  std::pair<std::string, std::string> kv = absl::StrSplit(v, absl::MaxSplits('=', 1));
  if (kv.first.empty() || kv.second.empty()) return false;
  *left = kv.first;
  *right = absl::StrSplit(kv.second, ',', absl::SkipEmpty());
  return !right->empty();
}

}  // namespace

int main(int argc, char** argv) {
  std::string brokers, from, to, group;
  int partitions = 6;
  struct Group {
    std::string name;
    std::vector<std::string> topics;
    bool follower = false;
  };
  std::vector<Group> consumers;
  Routes routes;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string f = argv[i], v = argv[i + 1];
    std::string left;
    std::vector<std::string> right;
    if (f == "--brokers") brokers = v;
    else if (f == "--from") from = v;
    else if (f == "--to") to = v;
    else if (f == "--group") group = v;
    else if (f == "--partitions") (void)absl::SimpleAtoi(v, &partitions);
    else if (f == "--consumer" || f == "--follower" || f == "--route") {
      if (!SplitAssignment(v, &left, &right)) {
        std::cerr << f << " " << v << ": expected NAME=TOPIC[,TOPIC...]\n";
        return Usage();
      }
      if (f != "--route") {
        consumers.push_back({left, right, f == "--follower"});
        continue;
      }
      for (const auto& r : right) {
        Target t{r};
        if (auto pos = r.rfind(".%"); pos != std::string::npos) {
          if (!absl::SimpleAtoi(r.substr(pos + 2), &t.spread) || t.spread < 1) {
            std::cerr << "--route " << v << ": " << r << " is not NAME.%K with K >= 1\n";
            return Usage();
          }
          t.name = r.substr(0, pos);
        }
        routes[left].push_back(t);
      }
    } else {
      std::cerr << "unknown argument " << f << "\n";
      return Usage();
    }
  }
  if (!from.empty() || !to.empty() || !group.empty()) {  // one hop, as before
    if (from.empty() || to.empty() || group.empty()) return Usage();
    consumers.push_back({group, {from}});
    for (const auto& t : absl::StrSplit(to, ',', absl::SkipEmpty())) {
      routes[from].push_back(Target{std::string(t)});
    }
  }
  if (brokers.empty() || consumers.empty()) return Usage();

  std::set<std::string> topics;
  for (const auto& g : consumers) topics.insert(g.topics.begin(), g.topics.end());
  for (const auto& [f, ts] : routes) {
    topics.insert(f);
    for (const auto& t : ts) {
      if (t.spread == 0) topics.insert(t.name);
      for (int k = 0; k < t.spread; ++k) topics.insert(absl::StrCat(t.name, ".", k));
    }
  }
  std::vector<teksin::kafka::TopicSpec> specs;
  for (const auto& t : topics) {
    specs.push_back({t, partitions});
    specs.push_back({t + ".dlq", 1});
  }
  if (absl::Status s = teksin::kafka::EnsureTopics(brokers, specs); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  teksin::metrics::Registry registry;
  teksin::kafka::ProducerConfig pc;  // the defaults every service uses
  pc.brokers = brokers;
  pc.client_id = consumers.front().name;
  auto producer = teksin::kafka::KafkaEventPublisher::Create(pc, registry, "null_pipeline");
  if (!producer.ok()) {
    std::cerr << producer.status() << "\n";
    return 1;
  }
  std::vector<std::unique_ptr<teksin::kafka::KafkaEventConsumer>> owned;
  for (const auto& g : consumers) {
    teksin::kafka::ConsumerConfig cc;
    cc.brokers = brokers;
    cc.group_id = g.name;
    cc.client_id = g.name;
    cc.topics = g.topics;
    if (g.follower) cc.fetch_profile = teksin::kafka::FetchProfile::kFollower;
    if (consumers.size() > 1) {  // keep each group's metric series apart, as a worker's units do
      cc.metric_label_name = "group";
      cc.metric_label_value = g.name;
    }
    auto consumer =
        teksin::kafka::KafkaEventConsumer::Create(cc, **producer, registry, "null_pipeline");
    if (!consumer.ok()) {
      std::cerr << g.name << ": " << consumer.status() << "\n";
      return 1;
    }
    owned.push_back(std::move(*consumer));
  }
  for (auto& c : owned) g_consumers.push_back(c.get());
  std::signal(SIGTERM, [](int) {
    for (auto* c : g_consumers) c->Stop();
  });
  std::signal(SIGINT, [](int) {
    for (auto* c : g_consumers) c->Stop();
  });
  Forward forward(**producer, routes);
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < owned.size(); ++i) {
    threads.emplace_back([&, i] {
      absl::Status s = owned[i]->Run(forward);
      if (!s.ok()) {
        std::cerr << consumers[i].name << ": " << s << "\n";
        failed = 1;
        for (auto* c : g_consumers) c->Stop();  // one consumer's failure stops the process
      }
    });
  }
  for (auto& t : threads) t.join();
  return failed.load();
}
