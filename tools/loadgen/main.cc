// teksin_loadgen: drives the channels open-loop at a target rate with realistic Mersin traffic and
// measures, per case, the time from the intended send (coordinated omission corrected) to
//   accept  - the channel's answer (Open311 201 with the tracking code, or the call centre's reply),
//   task    - the TaskAssigned carrying that tracking code on the owner's task topic,
//   counted - analytics counting the case as routed (by rank, see RankLatencies).
// Modes:
//   suite          Open311 HTTP + call-centre gRPC of a running suite (the default)
//   null-handler   the same requests against bench_null_http (accept latency only)
//   null-pipeline  ContactReceived-sized envelopes published to the first topic of a null Kafka
//                  pipeline (bench_null_pipeline), latency to the last topic
//   seed-replay    writes --events realistic events of whole case lives under --prefix, for the
//                  replay benchmark (no measurement)
// Prints one JSON object (the figures) on stdout; progress on stderr.
#include <csignal>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "catalogue/catalogue.h"
#include "catalogue/routing_rules.h"
#include "common/ids.h"
#include "common/phone.h"
#include "common/time_util.h"
#include "dataset/mersin_data.h"
#include "events/topics.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "kafka/admin.h"
#include "kafka/publisher.h"
#include "librdkafka/rdkafkacpp.h"
#include "loadgen/traffic.h"
#include "metrics/registry.h"
#include "nlohmann/json.hpp"
#include "teksin/v1/callcenter_service.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using namespace teksin;

struct Options {
  std::string mode = "suite";
  std::string open311;     // base URL
  std::string api_key = "bench";
  std::string callcenter;  // host:port; empty: Open311 only
  double callcenter_share = 0.4;
  double on_spot_share = 0.33;  // of call-centre contacts: answered on the spot, no case
  std::string brokers;
  std::string prefix = "teksin";
  std::string analytics;  // base URL; empty: no "counted" latency
  std::string null_in, null_out;
  double rate = 100;
  double duration = 30;
  std::vector<loadgen::Surge> surges;
  bool daily_curve = false;
  double day_seconds = 86400;
  double start_hour = 10;
  bool poisson = false;
  int workers = 64;
  int max_backlog = 20000;
  double drain = 30;
  std::string shared_dir = "../shared";
  std::string config_dir = "deploy/config";
  // 0: a fresh seed each run (printed in the report's settings). A repeated seed sends the same
  // citizens with the same requests again, and intake rightly links them to the cases still open
  // from the previous run as repeat contacts, which never become tasks.
  uint64_t seed = 0;
  std::string label;
  int64_t events = 1000000;  // seed-replay
  int partitions = 6;
};

int Usage() {
  std::cerr
      << "usage: teksin_loadgen [--mode suite|null-handler|null-pipeline|seed-replay]\n"
         "  --open311 URL [--api-key K] [--callcenter HOST:PORT] [--callcenter-share F]\n"
         "  [--on-spot-share F] [--brokers B --prefix P] [--analytics URL]\n"
         "  [--null-in TOPIC --null-out TOPIC|NAME.*]   (null-pipeline)\n"
         "  --rate R --duration S [--surge START:END:FACTOR]... [--daily-curve]\n"
         "  [--day-seconds S] [--start-hour H] [--poisson] [--workers N] [--max-backlog N]\n"
         "  [--drain S] [--shared-dir D] [--config-dir D] [--seed N] [--label L]\n"
         "  [--events N] [--partitions N]   (seed-replay)\n";
  return 2;
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    if (f == "--daily-curve") { o->daily_curve = true; continue; }
    if (f == "--poisson") { o->poisson = true; continue; }
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    bool ok = true;
    if (f == "--mode") o->mode = v;
    else if (f == "--open311") o->open311 = v;
    else if (f == "--api-key") o->api_key = v;
    else if (f == "--callcenter") o->callcenter = v;
    else if (f == "--callcenter-share") ok = absl::SimpleAtod(v, &o->callcenter_share);
    else if (f == "--on-spot-share") ok = absl::SimpleAtod(v, &o->on_spot_share);
    else if (f == "--brokers") o->brokers = v;
    else if (f == "--prefix") o->prefix = v;
    else if (f == "--analytics") o->analytics = v;
    else if (f == "--null-in") o->null_in = v;
    else if (f == "--null-out") o->null_out = v;
    else if (f == "--rate") ok = absl::SimpleAtod(v, &o->rate) && o->rate > 0;
    else if (f == "--duration") ok = absl::SimpleAtod(v, &o->duration) && o->duration > 0;
    else if (f == "--surge") {
      auto s = loadgen::ParseSurge(v);
      ok = s.has_value();
      if (ok) o->surges.push_back(*s);
    } else if (f == "--day-seconds") ok = absl::SimpleAtod(v, &o->day_seconds) && o->day_seconds > 0;
    else if (f == "--start-hour") ok = absl::SimpleAtod(v, &o->start_hour);
    else if (f == "--workers") ok = absl::SimpleAtoi(v, &o->workers) && o->workers > 0 && o->workers <= 1024;
    else if (f == "--max-backlog") ok = absl::SimpleAtoi(v, &o->max_backlog) && o->max_backlog > 0;
    else if (f == "--drain") ok = absl::SimpleAtod(v, &o->drain) && o->drain >= 0;
    else if (f == "--shared-dir") o->shared_dir = v;
    else if (f == "--config-dir") o->config_dir = v;
    else if (f == "--seed") ok = absl::SimpleAtoi(v, &o->seed);
    else if (f == "--label") o->label = v;
    else if (f == "--events") ok = absl::SimpleAtoi(v, &o->events) && o->events > 0;
    else if (f == "--partitions") ok = absl::SimpleAtoi(v, &o->partitions) && o->partitions > 0;
    else ok = false;
    if (!ok) {
      std::cerr << "bad argument " << f << " " << v << "\n";
      return false;
    }
  }
  if (o->seed == 0) o->seed = (static_cast<uint64_t>(std::random_device{}()) << 32) | std::random_device{}();
  if (o->mode == "suite" || o->mode == "null-handler") return !o->open311.empty();
  if (o->mode == "null-pipeline") return !o->brokers.empty() && !o->null_in.empty() && !o->null_out.empty();
  if (o->mode == "seed-replay") return !o->brokers.empty();
  return false;
}

json HistJson(const loadgen::Histogram& h) {
  auto ms = [](int64_t us) { return static_cast<double>(us) / 1000.0; };
  return {{"count", h.Count()},        {"mean_ms", h.Mean() / 1000.0},
          {"p50_ms", ms(h.Percentile(50))},  {"p90_ms", ms(h.Percentile(90))},
          {"p99_ms", ms(h.Percentile(99))},  {"p999_ms", ms(h.Percentile(99.9))},
          {"max_ms", ms(h.Max())}};
}

// One case to send, generated before the run so generation costs nothing during it.
struct Request {
  dataset::SyntheticCase c;
  bool callcenter = false;
  bool on_spot = false;
  bool walk_in = false;
  std::string form;  // Open311 body
};

struct Job {
  size_t seq;
  int64_t intended_us;
};

// Everything the run shares between threads.
struct Run {
  Clock::time_point start;
  int64_t NowUs() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  }
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> queue;
  bool scheduling_done = false;
  // results (under mu)
  loadgen::Histogram accept, task, accept_surge, task_surge;
  loadgen::Matcher matcher;
  std::map<std::string, int64_t> errors;
  std::vector<int64_t> accepted_case_intended;  // cases accepted (for the analytics ranks)
  std::map<std::string, int64_t> intended_by_id;  // to place task latencies in a surge or not
  int64_t scheduled = 0, dropped = 0, accepted = 0, accepted_cases = 0, on_spot = 0;
  int64_t unsent_at_end = 0;  // part of dropped
  std::vector<std::pair<int64_t, int64_t>> polls;  // analytics (time, cases_routed)
  int64_t last_accept_us = 0;
};

bool InSurge(const Options& o, int64_t us) {
  double t = static_cast<double>(us) / 1e6;
  for (const auto& s : o.surges) {
    if (t >= s.start_s && t < s.end_s) return true;
  }
  return false;
}

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

int64_t Num(const json& j, const std::string& k) {
  if (!j.is_object() || !j.contains(k)) return -1;
  const auto& v = j[k];
  int64_t n = -1;
  if (v.is_string()) {
    if (!absl::SimpleAtoi(v.get<std::string>(), &n)) return -1;
    return n;
  }
  return v.is_number() ? v.get<int64_t>() : -1;
}

int64_t AnalyticsRouted(const std::string& url) {
  httplib::Client cli(url);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(5, 0);
  auto res = cli.Get("/v1/summary");
  if (!res || res->status != 200) return -1;
  json j = json::parse(res->body, nullptr, false);
  return Num(j, "cases_routed");
}

std::atomic<bool> g_interrupted{false};

// Each sender thread's keep-alive connection to the Open311 endpoint.
thread_local std::unique_ptr<httplib::Client> t_http;

std::unique_ptr<httplib::Client> NewHttpClient(const Options& o) {
  auto http = std::make_unique<httplib::Client>(o.open311);
  http->set_keep_alive(true);
  http->set_tcp_nodelay(true);
  http->set_connection_timeout(5, 0);
  http->set_read_timeout(30, 0);
  return http;
}

// The task-topic (or null-pipeline output) reader: every record that proves a case arrived.
class ArrivalReader {
 public:
  ArrivalReader(const Options& o, Run& run, bool by_event_id) : o_(o), run_(run), by_event_id_(by_event_id) {}

  // Every partition of the arrival topics is assigned explicitly (no group membership, so no
  // rebalance can move a partition to its end in the middle of a run, skipping arrivals) and read
  // from its current end, so that the run starts only once nothing it sends can be missed.
  bool Start(std::string* error) {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string err;
    std::string group = absl::StrCat(o_.prefix, ".loadgen.", common::NewId().substr(0, 12));
    for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"bootstrap.servers", o_.brokers},
             {"group.id", group},
             {"enable.auto.commit", "false"},
             {"auto.offset.reset", "latest"},
             {"enable.partition.eof", "false"},
         }) {
      if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
        *error = err;
        return false;
      }
    }
    consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
    if (!consumer_) {
      *error = err;
      return false;
    }
    const std::string task_prefix = absl::StrCat(o_.prefix, ".routing.tasks.");
    // Intake's verdicts: a contact linked to an open case (repeat, duplicate) or rejected never
    // becomes a task, and is not a loss.
    const std::string intake_cases = events::Topics(o_.prefix).IntakeCases();
    RdKafka::Metadata* raw = nullptr;
    if (consumer_->metadata(true, nullptr, &raw, 10000) != RdKafka::ERR_NO_ERROR || raw == nullptr) {
      *error = "cannot read the broker's metadata";
      return false;
    }
    std::unique_ptr<RdKafka::Metadata> md(raw);
    std::vector<RdKafka::TopicPartition*> partitions;
    for (const auto* t : *md->topics()) {
      const std::string& name = t->topic();
      bool wanted = by_event_id_ ? NullOutMatches(name)
                                 : (name == intake_cases ||
                                    (name.rfind(task_prefix, 0) == 0 && name.size() > task_prefix.size() + 3 &&
                                     name.compare(name.size() - 3, 3, ".v1") == 0));
      if (!wanted) continue;
      for (const auto* p : *t->partitions()) {
        int64_t low = 0, high = 0;
        if (consumer_->query_watermark_offsets(name, p->id(), &low, &high, 10000) != RdKafka::ERR_NO_ERROR) {
          for (auto* tp : partitions) delete tp;
          *error = absl::StrCat("cannot read the end of ", name);
          return false;
        }
        partitions.push_back(RdKafka::TopicPartition::create(name, p->id(), high));
      }
    }
    if (partitions.empty()) {
      *error = "no arrival topic exists yet";
      return false;
    }
    RdKafka::ErrorCode rc = consumer_->assign(partitions);
    for (auto* tp : partitions) delete tp;
    if (rc != RdKafka::ERR_NO_ERROR) {
      *error = "assign failed";
      return false;
    }
    ready_ = true;
    thread_ = std::thread([this] { Loop(); });
    return true;
  }

  // The null pipeline's arrival topic, or with "NAME.*" every topic NAME.<k> (the null shape
  // spreads its tasks over as many topics as the suite has units); never a dead-letter topic.
  bool NullOutMatches(const std::string& name) const {
    const std::string& out = o_.null_out;
    if (!absl::EndsWith(out, ".*")) return name == out;
    const absl::string_view family(out.data(), out.size() - 1);  // "NAME."
    return name.size() > family.size() && absl::StartsWith(name, family) &&
           !absl::EndsWith(name, ".dlq");
  }

  // Waits until the partitions are assigned (at their current ends).
  bool WaitAssigned(int seconds) {
    auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < deadline) {
      if (ready_.load()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (consumer_) consumer_->close();
  }

 private:
  void Loop() {
    v1::Envelope env;
    while (!stop_.load()) {
      std::unique_ptr<RdKafka::Message> msg(consumer_->consume(100));
      if (msg->err() != RdKafka::ERR_NO_ERROR) continue;
      int64_t now = run_.NowUs();
      if (!env.ParseFromArray(msg->payload(), static_cast<int>(msg->len()))) continue;
      std::string id;
      if (by_event_id_) {
        id = env.event_id();
      } else if (env.has_task_assigned()) {
        id = env.task_assigned().case_().tracking_code();
      } else if (env.has_case_linked() || env.has_case_rejected()) {
        const bool linked = env.has_case_linked();
        const std::string& code = linked ? env.case_linked().case_().tracking_code()
                                         : env.case_rejected().tracking_code();
        std::lock_guard<std::mutex> lock(run_.mu);
        run_.matcher.Settled(code, linked ? loadgen::Settlement::kLinked : loadgen::Settlement::kRejected);
        continue;
      } else {
        continue;
      }
      std::lock_guard<std::mutex> lock(run_.mu);
      auto latency = run_.matcher.Arrived(id, now);
      if (latency) Record(id, *latency);
    }
  }

  void Record(const std::string& id, int64_t latency) {  // under run_.mu
    run_.task.Record(latency);
    auto it = run_.intended_by_id.find(id);
    if (it != run_.intended_by_id.end() && InSurge(o_, it->second)) run_.task_surge.Record(latency);
  }

 public:
  // Called by senders when an accepted id is known.
  void Sent(const std::string& id, int64_t intended) {  // under run_.mu
    run_.intended_by_id[id] = intended;
    auto latency = run_.matcher.Sent(id, intended);
    if (latency) Record(id, *latency);
  }

 private:
  const Options& o_;
  Run& run_;
  bool by_event_id_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::thread thread_;
  std::atomic<bool> stop_{false}, ready_{false};
};

// The body an Open311 client (the Teksin app) posts.
std::string OpenBody(const Options& o, const dataset::SyntheticCase& c) {
  return absl::StrCat("api_key=", UrlEncode(o.api_key), "&service_code=", UrlEncode(c.category),
                      "&lat=", absl::StrFormat("%.6f", c.lat), "&long=", absl::StrFormat("%.6f", c.lon),
                      "&description=", UrlEncode(c.text), "&phone=", UrlEncode(c.phone));
}

// A ContactReceived envelope as a channel would write it (the null pipeline's payload).
v1::Envelope ContactEnvelope(const Request& r, size_t seq) {
  v1::Envelope env;
  env.set_event_id(common::NewId());
  env.set_event_type("teksin.v1.ContactReceived");
  env.set_source("loadgen");
  *env.mutable_occurred_at() = common::ToProto(absl::Now());
  auto* cr = env.mutable_contact_received();
  cr->set_contact_id(common::DerivedId(env.event_id(), "contact"));
  cr->set_channel(r.callcenter ? v1::CHANNEL_CALL_CENTER : v1::CHANNEL_MOBILE_APP);
  cr->set_outcome(v1::CONTACT_OUTCOME_CASE_REQUESTED);
  cr->set_client_id("0123456789ab");
  cr->set_idempotency_key(absl::StrCat("bench-", seq));
  auto* c = cr->mutable_requested_case();
  c->set_case_id(common::NewId());
  c->set_tracking_code(common::NewTrackingCode());
  c->set_channel(cr->channel());
  c->set_category(r.c.category);
  c->set_text(r.c.text);
  c->mutable_location()->set_has_coordinates(true);
  c->mutable_location()->set_lat(r.c.lat);
  c->mutable_location()->set_lon(r.c.lon);
  c->set_citizen_key(common::CitizenKey("bench-secret-not-real", r.c.phone));
  *c->mutable_received_at() = env.occurred_at();
  env.set_correlation_id(c->case_id());
  env.set_partition_key(c->citizen_key());
  return env;
}

int RunLoad(const Options& o, dataset::MersinData& data) {
  // 1. The requests, generated up front.
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Request> pool(20000);
  for (auto& r : pool) {
    r.c = data.Next(rng, 1000000);
    r.callcenter = !o.callcenter.empty() && u(rng) < o.callcenter_share;
    r.on_spot = r.callcenter && u(rng) < o.on_spot_share;
    r.walk_in = r.callcenter && u(rng) < 0.15;
    r.form = OpenBody(o, r.c);
  }
  const bool pipeline = o.mode == "null-pipeline";
  Run run;
  ArrivalReader reader(o, run, pipeline);
  const bool read_arrivals = o.mode == "suite" ? !o.brokers.empty() : pipeline;
  std::string err;
  if (read_arrivals) {
    if (!reader.Start(&err)) {
      std::cerr << "kafka consumer: " << err << "\n";
      return 1;
    }
    if (!reader.WaitAssigned(60)) {
      std::cerr << "the task topics were not assigned within 60 s\n";
      reader.Stop();
      return 1;
    }
  }
  metrics::Registry registry;
  std::unique_ptr<kafka::KafkaEventPublisher> publisher;
  if (pipeline) {
    kafka::ProducerConfig pc;  // the services' settings
    pc.brokers = o.brokers;
    pc.client_id = "loadgen";
    auto p = kafka::KafkaEventPublisher::Create(pc, registry, "loadgen");
    if (!p.ok()) {
      std::cerr << p.status() << "\n";
      return 1;
    }
    publisher = std::move(*p);
    // A new producer connects, obtains its idempotent producer id and the topic's metadata with
    // its first record, which took ~1 s here: every send of the run's first second waited for
    // that (measured: the null pipeline's accept p99 of ~900 ms at 100/s was only those). One
    // acknowledged record before the clock starts; it reaches the output topic as an arrival no
    // send of the run claims.
    events::OutgoingEvent warm;
    warm.topic = o.null_in;
    warm.envelope = ContactEnvelope(pool[0], 0);
    warm.key = warm.envelope.partition_key();
    if (absl::Status s = publisher->Publish({std::move(warm)}); !s.ok()) {
      std::cerr << "warm-up record: " << s << "\n";
      return 1;
    }
  }
  int64_t baseline = -1;
  if (!o.analytics.empty()) {
    baseline = AnalyticsRouted(o.analytics);
    if (baseline < 0) {
      std::cerr << "analytics does not answer at " << o.analytics << "\n";
      return 1;
    }
  }
  std::shared_ptr<grpc::Channel> channel;
  if (!o.callcenter.empty()) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_MAX_CONCURRENT_STREAMS, 1000);
    channel = grpc::CreateCustomChannel(o.callcenter, grpc::InsecureChannelCredentials(), args);
    // Connected before the clock starts (a channel connects lazily, on its first call).
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      std::cerr << "the call centre's gRPC endpoint does not answer at " << o.callcenter << "\n";
      return 1;
    }
  }
  std::string run_id = common::NewId().substr(0, 10);

  // 2. Senders.
  auto send = [&](const Job& job) {
    const Request& r = pool[job.seq % pool.size()];
    std::string id, error;
    std::unique_ptr<httplib::Client>& http = t_http;
    thread_local std::unique_ptr<v1::CallCenterService::Stub> stub;
    if (pipeline) {
      events::OutgoingEvent ev;
      ev.topic = o.null_in;
      ev.envelope = ContactEnvelope(r, job.seq);
      ev.key = ev.envelope.partition_key();
      id = ev.envelope.event_id();
      absl::Status s = publisher->Publish({std::move(ev)});
      if (!s.ok()) error = "kafka";
    } else if (r.callcenter) {
      if (!stub) stub = v1::CallCenterService::NewStub(channel);
      v1::LogContactRequest req;
      req.set_idempotency_key(absl::StrCat("bench-", run_id, "-", job.seq));
      req.set_outcome(r.on_spot ? v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT : v1::CONTACT_OUTCOME_CASE_REQUESTED);
      if (r.walk_in) {
        req.set_channel(v1::CHANNEL_WALK_IN);
        req.set_desk_id(absl::StrCat("desk-", job.seq % 13));
      } else {
        req.set_channel(v1::CHANNEL_CALL_CENTER);
        req.set_operator_id(absl::StrCat("op-", job.seq % 60));
      }
      req.set_caller_phone(r.c.phone);
      req.set_category(r.c.category);
      req.set_text(r.c.text);
      auto* loc = req.mutable_location();
      loc->set_has_coordinates(true);
      loc->set_lat(r.c.lat);
      loc->set_lon(r.c.lon);
      loc->set_district(r.c.district);
      v1::LogContactResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      grpc::Status s = stub->LogContact(&ctx, req, &resp);
      if (!s.ok()) {
        error = absl::StrCat("grpc ", static_cast<int>(s.error_code()));
      } else if (!r.on_spot) {
        id = resp.tracking_code();
      }
    } else {
      if (!http) http = NewHttpClient(o);
      auto res = http->Post("/open311/v2/requests.json", r.form, "application/x-www-form-urlencoded");
      if (!res) {
        error = absl::StrCat("http ", httplib::to_string(res.error()));
        http.reset();
      } else if (res->status != 201) {
        error = absl::StrCat("http ", res->status);
      } else {
        json j = json::parse(res->body, nullptr, false);
        if (j.is_array() && !j.empty() && j[0].contains("service_request_id") &&
            j[0]["service_request_id"].is_string()) {
          id = j[0]["service_request_id"].get<std::string>();
        } else {
          error = "http 201 without service_request_id";
        }
      }
    }
    int64_t done = run.NowUs();
    std::lock_guard<std::mutex> lock(run.mu);
    if (!error.empty()) {
      ++run.errors[error];
      return;
    }
    ++run.accepted;
    run.last_accept_us = std::max(run.last_accept_us, done);
    int64_t latency = done - job.intended_us;
    run.accept.Record(latency);
    if (InSurge(o, job.intended_us)) run.accept_surge.Record(latency);
    if (r.on_spot) {
      ++run.on_spot;
      return;
    }
    ++run.accepted_cases;
    run.accepted_case_intended.push_back(job.intended_us);
    if (read_arrivals && o.mode != "null-handler") reader.Sent(id, job.intended_us);
  };

  // Each sender opens its keep-alive connection before the clock starts: 64 connects at once
  // overflow cpp-httplib's listen backlog of 5, and a dropped SYN is retried after 1 s, which the
  // first sends of a run measured as ~1 s outliers (seen at 2,000/s against the null handler).
  std::atomic<int> warmed{0};
  const bool http_senders = !pipeline && !o.open311.empty();
  std::vector<std::thread> workers;
  for (int i = 0; i < o.workers; ++i) {
    workers.emplace_back([&] {
      if (http_senders) {
        t_http = NewHttpClient(o);
        for (int attempt = 0; attempt < 3; ++attempt) {
          if (t_http->Get("/healthz")) break;
          t_http = NewHttpClient(o);
        }
      }
      {
        std::lock_guard<std::mutex> lock(run.mu);
        ++warmed;
      }
      run.cv.notify_all();
      for (;;) {
        Job job;
        {
          std::unique_lock<std::mutex> lock(run.mu);
          run.cv.wait(lock, [&] { return !run.queue.empty() || run.scheduling_done; });
          if (run.queue.empty()) return;
          job = run.queue.front();
          run.queue.pop_front();
        }
        send(job);
      }
    });
  }
  {
    std::unique_lock<std::mutex> lock(run.mu);
    run.cv.wait_for(lock, std::chrono::seconds(60), [&] { return warmed.load() == o.workers; });
    run.start = Clock::now();
  }
  std::atomic<bool> polling{!o.analytics.empty()};
  std::thread poller;
  if (polling) {
    poller = std::thread([&] {
      while (polling.load()) {
        int64_t n = AnalyticsRouted(o.analytics);
        int64_t at = run.NowUs();
        if (n >= 0) {
          std::lock_guard<std::mutex> lock(run.mu);
          run.polls.emplace_back(at, n);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }

  // 3. The schedule: open loop, whatever the answers do.
  loadgen::RateSchedule schedule(o.rate, o.daily_curve ? loadgen::DefaultDailyCurve() : std::vector<double>{},
                                 o.day_seconds, o.start_hour, o.surges);
  loadgen::SendClock clock(schedule, o.poisson, o.seed);
  size_t seq = 0;
  int64_t last_report = 0;
  for (;;) {
    double t = clock.Next();
    if (!(t < o.duration) || g_interrupted.load()) break;
    int64_t intended = static_cast<int64_t>(t * 1e6);
    auto at = run.start + std::chrono::microseconds(intended);
    std::this_thread::sleep_until(at);
    {
      std::lock_guard<std::mutex> lock(run.mu);
      ++run.scheduled;
      if (static_cast<int>(run.queue.size()) >= o.max_backlog) {
        ++run.dropped;
      } else {
        run.queue.push_back({seq, intended});
      }
    }
    ++seq;
    run.cv.notify_one();
    if (intended - last_report >= 5000000) {
      last_report = intended;
      std::lock_guard<std::mutex> lock(run.mu);
      std::cerr << absl::StrFormat("[loadgen] t=%.0fs scheduled=%d accepted=%d backlog=%d dropped=%d task=%d\n",
                                   t, run.scheduled, run.accepted, run.queue.size(), run.dropped,
                                   run.task.Count());
    }
  }
  // A moment for idle senders to take the last sends of the window.
  for (int i = 0; i < 10; ++i) {
    {
      std::lock_guard<std::mutex> lock(run.mu);
      if (run.queue.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  {
    // Sends still queued after that were never made: counted as generator drops (the system
    // behind the senders did not keep up), not sent late without bound.
    std::lock_guard<std::mutex> lock(run.mu);
    run.unsent_at_end = static_cast<int64_t>(run.queue.size());
    run.dropped += run.unsent_at_end;
    run.queue.clear();
    run.scheduling_done = true;
  }
  run.cv.notify_all();
  for (auto& w : workers) w.join();
  const double send_end_s = static_cast<double>(run.NowUs()) / 1e6;

  // 4. Drain: wait for the tasks and the analytics count of what was accepted.
  auto drain_deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o.drain * 1000));
  while (Clock::now() < drain_deadline && !g_interrupted.load()) {
    bool tasks_done, counted_done;
    {
      std::lock_guard<std::mutex> lock(run.mu);
      tasks_done = !read_arrivals || run.matcher.pending() == 0;
      // Linked and rejected cases are never routed, so analytics never counts them as routed.
      const int64_t to_count =
          run.accepted_cases - static_cast<int64_t>(run.matcher.linked() + run.matcher.rejected());
      counted_done = o.analytics.empty() ||
                     (!run.polls.empty() && run.polls.back().second - baseline >= to_count);
    }
    if (tasks_done && counted_done) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  polling = false;
  if (poller.joinable()) poller.join();
  if (read_arrivals) reader.Stop();

  // 5. The figures.
  std::lock_guard<std::mutex> lock(run.mu);
  json out;
  out["label"] = o.label;
  out["mode"] = o.mode;
  out["settings"] = {{"rate", o.rate},
                     {"duration_s", o.duration},
                     {"daily_curve", o.daily_curve},
                     {"day_seconds", o.day_seconds},
                     {"poisson", o.poisson},
                     {"workers", o.workers},
                     {"seed", o.seed},
                     {"callcenter_share", o.callcenter.empty() ? 0.0 : o.callcenter_share},
                     {"on_spot_share", o.on_spot_share}};
  json surges = json::array();
  for (const auto& s : o.surges) surges.push_back({{"start_s", s.start_s}, {"end_s", s.end_s}, {"factor", s.factor}});
  out["settings"]["surges"] = surges;
  out["expected_sends"] = schedule.Integral(o.duration);
  out["scheduled"] = run.scheduled;
  out["dropped_by_generator"] = run.dropped;
  out["unsent_at_end"] = run.unsent_at_end;
  out["accepted"] = run.accepted;
  out["accepted_cases"] = run.accepted_cases;
  out["answered_on_spot"] = run.on_spot;
  int64_t errors = 0;
  for (const auto& [k, v] : run.errors) errors += v;
  out["errors"] = errors;
  out["errors_by_kind"] = run.errors;
  out["send_phase_s"] = send_end_s;
  out["accepted_per_s"] = run.accepted / o.duration;
  out["accept"] = HistJson(run.accept);
  if (!o.surges.empty()) out["accept_surge"] = HistJson(run.accept_surge);
  if (read_arrivals) {
    out["task"] = HistJson(run.task);
    if (!o.surges.empty()) out["task_surge"] = HistJson(run.task_surge);
    // Accepted cases with neither a task nor intake's verdict that they need none: real losses
    // (or cases still on their way when the drain ended).
    out["task_missing_after_drain"] = run.matcher.pending();
    out["task_seen"] = run.task.Count();
    if (!pipeline) {
      out["linked"] = run.matcher.linked();
      out["rejected"] = run.matcher.rejected();
    }
  }
  if (!o.analytics.empty()) {
    std::sort(run.accepted_case_intended.begin(), run.accepted_case_intended.end());
    // The ranks are those of the cases analytics will count as routed: without the settled ones.
    std::vector<int64_t> settled = run.matcher.settled_intended();
    std::sort(settled.begin(), settled.end());
    std::vector<int64_t> routed;
    std::set_difference(run.accepted_case_intended.begin(), run.accepted_case_intended.end(), settled.begin(),
                        settled.end(), std::back_inserter(routed));
    run.accepted_case_intended = std::move(routed);
    loadgen::Histogram counted;
    for (int64_t l : loadgen::RankLatencies(run.accepted_case_intended, run.polls, baseline)) {
      counted.Record(l);
    }
    out["counted"] = HistJson(counted);
    out["counted_missing_after_drain"] =
        static_cast<int64_t>(run.accepted_case_intended.size()) - counted.Count();
  }
  std::cout << out.dump() << std::endl;
  return 0;
}

// seed-replay: whole case lives as the services would have written them, for the replay
// benchmark. Per case: ContactReceived, CaseRegistered, CaseRouted, TaskStatusChanged (claimed),
// TaskStatusChanged (resolved), CaseResolved — six events.
int SeedReplay(const Options& o, dataset::MersinData& data, const catalogue::RoutingRules& rules) {
  events::Topics topics(o.prefix);
  std::vector<kafka::TopicSpec> specs;
  for (const std::string& t : {topics.ChannelContacts("open311"), topics.ChannelContacts("callcenter"),
                               topics.ChannelContacts("whatsapp"), topics.IntakeCases(),
                               topics.RoutingDecisions(), topics.DepartmentUpdates()}) {
    specs.push_back({t, o.partitions});
    specs.push_back({events::Topics::DeadLetter(t), 1});
  }
  absl::Status s = kafka::EnsureTopics(o.brokers, specs);
  if (!s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  metrics::Registry registry;
  kafka::ProducerConfig pc;
  pc.brokers = o.brokers;
  pc.client_id = "loadgen-seed";
  pc.linger_ms = 20;
  auto pub = kafka::KafkaEventPublisher::Create(pc, registry, "loadgen");
  if (!pub.ok()) {
    std::cerr << pub.status() << "\n";
    return 1;
  }
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> u(0, 1);
  absl::Time t0 = absl::Now() - absl::Hours(24 * 30);
  int64_t written = 0;
  std::vector<events::OutgoingEvent> batch;
  auto add = [&](const std::string& topic, const std::string& key, v1::Envelope env) {
    batch.push_back({topic, key, std::move(env)});
    ++written;
  };
  auto envelope = [&](const std::string& id, const std::string& type, const std::string& source,
                      absl::Time at, const std::string& case_id, const std::string& cause) {
    v1::Envelope e;
    e.set_event_id(id);
    e.set_event_type(type);
    e.set_source(source);
    *e.mutable_occurred_at() = common::ToProto(at);
    e.set_correlation_id(case_id);
    e.set_causation_id(cause);
    return e;
  };
  int64_t n = 0;
  while (written < o.events) {
    dataset::SyntheticCase sc = data.Next(rng, 500000);
    absl::Time at = t0 + absl::Seconds(static_cast<double>(n++) * 10);
    bool cc = u(rng) < 0.4;
    v1::Case c;
    c.set_case_id(common::NewId());
    c.set_tracking_code(common::NewTrackingCode());
    c.set_channel(cc ? v1::CHANNEL_CALL_CENTER : (sc.mobile_app ? v1::CHANNEL_MOBILE_APP : v1::CHANNEL_WEB));
    c.set_category(sc.category);
    c.set_text(sc.text);
    c.mutable_location()->set_has_coordinates(true);
    c.mutable_location()->set_lat(sc.lat);
    c.mutable_location()->set_lon(sc.lon);
    c.mutable_location()->set_district(sc.district);
    c.set_citizen_key(common::CitizenKey("bench-secret-not-real", sc.phone));
    c.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
    c.set_age_group(v1::AGE_GROUP_30_44);
    *c.mutable_received_at() = common::ToProto(at);
    c.set_status(v1::CASE_STATUS_RECEIVED);
    const std::string contact_topic = topics.ChannelContacts(cc ? "callcenter" : "open311");
    std::string contact_event = common::NewId();
    auto e1 = envelope(contact_event, "teksin.v1.ContactReceived", cc ? "channel_callcenter" : "channel_open311",
                       at, c.case_id(), "");
    auto* cr = e1.mutable_contact_received();
    cr->set_contact_id(common::DerivedId(contact_event, "contact"));
    cr->set_channel(c.channel());
    cr->set_outcome(v1::CONTACT_OUTCOME_CASE_REQUESTED);
    if (cc) cr->set_operator_id("op-1");
    *cr->mutable_requested_case() = c;
    e1.set_partition_key(c.citizen_key());
    add(contact_topic, c.citizen_key(), std::move(e1));

    c.set_status(v1::CASE_STATUS_REGISTERED);
    std::string reg_id = common::DerivedId(contact_event, "intake");
    auto e2 = envelope(reg_id, "teksin.v1.CaseRegistered", "intake", at + absl::Milliseconds(5), c.case_id(),
                       contact_event);
    *e2.mutable_case_registered()->mutable_case_() = c;
    e2.mutable_case_registered()->set_contact_id(cr->contact_id());
    e2.set_partition_key(c.case_id());
    add(topics.IntakeCases(), c.case_id(), std::move(e2));

    catalogue::Decision d = rules.Decide(c.category(), c.location().district());
    c.mutable_owner()->set_unit_id(d.owner.id);
    c.mutable_owner()->set_name(d.owner.name);
    c.mutable_owner()->set_kind(d.owner.kind);
    bool forwarded = d.owner.kind == v1::OWNER_KIND_DISTRICT_MUNICIPALITY ||
                     d.owner.kind == v1::OWNER_KIND_UTILITY ||
                     d.owner.kind == v1::OWNER_KIND_EXTERNAL_INSTITUTION;
    c.set_status(forwarded ? v1::CASE_STATUS_FORWARDED : v1::CASE_STATUS_ROUTED);
    c.set_priority(v1::PRIORITY_P3);
    *c.mutable_deadline() = common::ToProto(at + absl::Hours(24 * 15));
    std::string task_id = common::DerivedId(reg_id, "route-1");
    std::string routed_id = common::DerivedId(reg_id, "route-1-decision");
    auto e3 = envelope(routed_id, "teksin.v1.CaseRouted", "routing", at + absl::Milliseconds(10), c.case_id(),
                       reg_id);
    auto* routed = e3.mutable_case_routed();
    *routed->mutable_case_() = c;
    routed->set_task_id(task_id);
    routed->set_rule_id(d.rule_id);
    routed->set_attempt(1);
    routed->set_forwarded(forwarded);
    routed->set_rules_version(rules.version());
    routed->set_reason("rule");
    e3.set_partition_key(c.case_id());
    add(topics.RoutingDecisions(), c.case_id(), std::move(e3));

    if (u(rng) < 0.6) {  // as in the demo: 60 % of the tasks are resolved
      absl::Time claimed_at = at + absl::Hours(2);
      absl::Time resolved_at = at + absl::Hours(2 + 48 * u(rng));
      std::string claimed_id = common::DerivedId(task_id, "claimed");
      auto e4 = envelope(claimed_id, "teksin.v1.TaskStatusChanged", "department_worker", claimed_at,
                         c.case_id(), routed_id);
      auto* ch = e4.mutable_task_status_changed();
      ch->set_task_id(task_id);
      ch->set_case_id(c.case_id());
      ch->set_unit_id(d.owner.id);
      ch->set_status(v1::TASK_STATUS_CLAIMED);
      ch->set_previous(v1::TASK_STATUS_QUEUED);
      ch->set_actor("staff-1");
      e4.set_partition_key(c.case_id());
      add(topics.DepartmentUpdates(), c.case_id(), std::move(e4));
      std::string resolved_change = common::DerivedId(task_id, "resolved");
      auto e5 = envelope(resolved_change, "teksin.v1.TaskStatusChanged", "department_worker", resolved_at,
                         c.case_id(), claimed_id);
      auto* rs = e5.mutable_task_status_changed();
      rs->set_task_id(task_id);
      rs->set_case_id(c.case_id());
      rs->set_unit_id(d.owner.id);
      rs->set_status(v1::TASK_STATUS_RESOLVED);
      rs->set_previous(v1::TASK_STATUS_CLAIMED);
      rs->set_actor("staff-1");
      rs->set_resolution_code("fixed");
      e5.set_partition_key(c.case_id());
      add(topics.DepartmentUpdates(), c.case_id(), std::move(e5));
      c.set_status(v1::CASE_STATUS_RESOLVED);
      auto e6 = envelope(common::DerivedId(resolved_change, "resolved"), "teksin.v1.CaseResolved", "routing",
                         resolved_at + absl::Milliseconds(5), c.case_id(), resolved_change);
      auto* res = e6.mutable_case_resolved();
      *res->mutable_case_() = c;
      res->set_task_id(task_id);
      *res->mutable_resolved_at() = common::ToProto(resolved_at);
      res->set_resolution_code("fixed");
      res->set_resolution_text("Giderildi.");
      res->set_resolved_by("staff-1");
      e6.set_partition_key(c.case_id());
      add(topics.RoutingDecisions(), c.case_id(), std::move(e6));
    }
    if (batch.size() >= 5000 || written >= o.events) {
      absl::Status st = (*pub)->Publish(std::move(batch));
      batch.clear();
      if (!st.ok()) {
        std::cerr << st << "\n";
        return 1;
      }
      if (written % 100000 < 5000) std::cerr << "[loadgen] seeded " << written << " events\n";
    }
  }
  std::cout << json({{"events", written}, {"cases", n}, {"prefix", o.prefix}}).dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) return Usage();
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, [](int) { g_interrupted = true; });
  std::signal(SIGTERM, [](int) { g_interrupted = true; });
  auto cat = catalogue::Catalogue::LoadFile(o.config_dir + "/service-catalogue.json");
  if (!cat.ok()) {
    std::cerr << cat.status() << "\n";
    return 1;
  }
  auto data = dataset::MersinData::Load(o.shared_dir, *cat);
  if (!data.ok()) {
    std::cerr << data.status() << "\n";
    return 1;
  }
  if (o.mode == "seed-replay") {
    std::vector<std::string> districts;
    for (const auto& [d, n] : data->population()) districts.push_back(d);
    auto rules = catalogue::RoutingRules::LoadFile(o.config_dir + "/routing-rules.json", *cat, districts);
    if (!rules.ok()) {
      std::cerr << rules.status() << "\n";
      return 1;
    }
    return SeedReplay(o, *data, *rules);
  }
  return RunLoad(o, *data);
}
