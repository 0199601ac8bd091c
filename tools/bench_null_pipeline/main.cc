// bench_null_pipeline: one hop of the null pipeline the benchmarks compare the suite with. It
// consumes a topic with the services' consumer (libs/kafka: consumer group, offsets stored after
// the handler, dead letters) and publishes each envelope unchanged to one or more topics with the
// services' producer (idempotent, acks=all, waiting for the acknowledgement) — the same bytes, the
// same client settings and the same one-event-at-a-time handling, with no work in between.
//   bench_null_pipeline --brokers B --from TOPIC --to TOPIC[,TOPIC...] --group G
//                       [--partitions N]
// It creates its topics if needed. No HTTP: the benchmark reads its CPU and memory from /proc.
// Stops on SIGTERM or SIGINT (commits, leaves the group).
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/publisher.h"
#include "metrics/registry.h"

namespace {

class Forward : public teksin::events::EventHandler {
 public:
  Forward(teksin::events::EventPublisher& out, std::vector<std::string> to)
      : out_(out), to_(std::move(to)) {}
  absl::Status Handle(const teksin::events::ConsumedEvent& ev) override {
    std::vector<teksin::events::OutgoingEvent> batch;
    for (const auto& t : to_) batch.push_back({t, ev.key, ev.envelope});
    return out_.Publish(std::move(batch));
  }

 private:
  teksin::events::EventPublisher& out_;
  std::vector<std::string> to_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string brokers, from, to, group;
  int partitions = 6;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string f = argv[i], v = argv[i + 1];
    if (f == "--brokers") brokers = v;
    else if (f == "--from") from = v;
    else if (f == "--to") to = v;
    else if (f == "--group") group = v;
    else if (f == "--partitions") (void)absl::SimpleAtoi(v, &partitions);
    else {
      std::cerr << "unknown argument " << f << "\n";
      return 2;
    }
  }
  if (brokers.empty() || from.empty() || to.empty() || group.empty()) {
    std::cerr << "usage: bench_null_pipeline --brokers B --from TOPIC --to TOPIC[,TOPIC...] --group G"
                 " [--partitions N]\n";
    return 2;
  }
  std::vector<std::string> outs = absl::StrSplit(to, ',');
  std::vector<teksin::kafka::TopicSpec> specs{{from, partitions}, {from + ".dlq", 1}};
  for (const auto& t : outs) specs.push_back({t, partitions});
  if (absl::Status s = teksin::kafka::EnsureTopics(brokers, specs); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  teksin::metrics::Registry registry;
  teksin::kafka::ProducerConfig pc;  // the defaults every service uses
  pc.brokers = brokers;
  pc.client_id = group;
  auto producer = teksin::kafka::KafkaEventPublisher::Create(pc, registry, "null_pipeline");
  if (!producer.ok()) {
    std::cerr << producer.status() << "\n";
    return 1;
  }
  teksin::kafka::ConsumerConfig cc;
  cc.brokers = brokers;
  cc.group_id = group;
  cc.client_id = group;
  cc.topics = {from};
  auto consumer = teksin::kafka::KafkaEventConsumer::Create(cc, **producer, registry, "null_pipeline");
  if (!consumer.ok()) {
    std::cerr << consumer.status() << "\n";
    return 1;
  }
  static teksin::kafka::KafkaEventConsumer* c = consumer->get();
  std::signal(SIGTERM, [](int) { c->Stop(); });
  std::signal(SIGINT, [](int) { c->Stop(); });
  Forward forward(**producer, outs);
  absl::Status s = (*consumer)->Run(forward);
  if (!s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  return 0;
}
