// Intake in the whole suite, with the complaint classifier trained by the classifier_model
// fixture: call-centre cases without a category are classified (or triaged to the coordination
// centre), an emergency is handed off on <p>.intake.emergencies.v1 before its registration and
// routed as P1, a repeat and a duplicate are linked to the first case, and the operators'
// ClassifierService answers with the same model. Intake's output is read from Kafka.
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "e2e/e2e_suite.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "kafka/consumer.h"
#include "kafka/publisher.h"
#include "teksin/v1/intake_service.grpc.pb.h"

namespace teksin::testing {
namespace {

constexpr double kLat = 36.918, kLon = 34.895;  // central Tarsus
constexpr double kDegPer60m = 0.00054;          // latitude

// Every event of some topics, in arrival order (the recorder's own consumer group).
class Recorder : public events::EventHandler {
 public:
  Recorder(const Infra& infra, const std::string& prefix, std::vector<std::string> topics) {
    kafka::ProducerConfig pc;
    pc.brokers = infra.kafka_brokers;
    pc.client_id = "e2e-recorder";
    publisher_ = std::move(kafka::KafkaEventPublisher::Create(pc, registry_, "recorder").value());
    kafka::ConsumerConfig cc;
    cc.brokers = infra.kafka_brokers;
    cc.group_id = prefix + ".e2e-recorder";
    cc.client_id = "e2e-recorder";
    cc.topics = std::move(topics);
    consumer_ = std::move(
        kafka::KafkaEventConsumer::Create(cc, *publisher_, registry_, "recorder").value());
    thread_ = std::thread([this] { (void)consumer_->Run(*this); });
  }
  ~Recorder() override {
    consumer_->Stop();
    thread_.join();
  }
  absl::Status Handle(const events::ConsumedEvent& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(e);
    return absl::OkStatus();
  }
  // The first event on `topic` with `case_id` as correlation id and the payload `type`.
  std::optional<events::ConsumedEvent> Find(const std::string& topic, const std::string& case_id,
                                            const std::string& type) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : seen_) {
      if (e.topic == topic && e.envelope.correlation_id() == case_id &&
          e.envelope.event_type() == type) {
        return e;
      }
    }
    return std::nullopt;
  }
 private:
  metrics::Registry registry_;
  std::unique_ptr<kafka::KafkaEventPublisher> publisher_;
  std::unique_ptr<kafka::KafkaEventConsumer> consumer_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<events::ConsumedEvent> seen_;
};

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return c;
}

v1::RegisterCaseRequest Case(const std::string& key, const std::string& phone,
                             const std::string& category, const std::string& text, double lat,
                             double lon) {
  v1::RegisterCaseRequest r;
  r.set_idempotency_key(key);
  r.set_channel(v1::CHANNEL_CALL_CENTER);
  r.set_operator_id("op-e2e-intake");
  r.set_caller_phone(phone);
  r.set_category(category);
  r.set_text(text);
  r.mutable_location()->set_has_coordinates(true);
  r.mutable_location()->set_lat(lat);
  r.mutable_location()->set_lon(lon);
  return r;
}

class IntakeE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    suite_ = std::make_unique<E2eSuite>("intake");
    const std::string p = suite_->prefix();
    cases_ = p + ".intake.cases.v1";
    emergencies_ = p + ".intake.emergencies.v1";
    decisions_ = p + ".routing.decisions.v1";
    grpc_port_ = FreePort();
    suite_->StartRouting();
    suite_->WaitHealthy("routing-1");
    suite_->StartIntake("1", {{"INTAKE_CLASSIFIER_MODEL", TEKSIN_CLASSIFIER_MODEL},
                              {"INTAKE_GRPC_PORT", std::to_string(grpc_port_)}});
    suite_->StartCallCenter(
        {{"CALLCENTER_RATE_LIMIT", "400"}, {"CALLCENTER_RATE_WINDOW_SECONDS", "3600"}});
    for (const char* k : {"intake-1", "callcenter"}) suite_->WaitHealthy(k);
    recorder_ = std::make_unique<Recorder>(suite_->infra(), p,
                                           std::vector<std::string>{cases_, emergencies_, decisions_});
    cc_ = suite_->CallCenter();
  }

  // Registers a case over the call centre; returns its case id. A console retries with the same
  // idempotency key when the broker is slow to acknowledge (a loaded CI machine).
  std::string Register(const v1::RegisterCaseRequest& r) {
    v1::LogContactResponse resp;
    grpc::Status s;
    for (int attempt = 0; attempt < 6; ++attempt) {
      resp.Clear();
      s = cc_->RegisterCase(Ctx().get(), r, &resp);
      if (s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED &&
          s.error_code() != grpc::StatusCode::UNAVAILABLE) {
        break;
      }
    }
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_FALSE(resp.case_id().empty());
    return resp.case_id();
  }

  // Waits for intake's (or routing's) event about a case.
  v1::Envelope Await(const std::string& topic, const std::string& case_id,
                     const std::string& type) {
    std::optional<events::ConsumedEvent> e;
    bool ok = WaitUntil([&] { return (e = recorder_->Find(topic, case_id, type)).has_value(); },
                        std::chrono::seconds(90));
    EXPECT_TRUE(ok) << "no " << type << " for " << case_id << " on " << topic << "\n"
                    << suite_->process("intake-1").LogTail();
    return ok ? e->envelope : v1::Envelope();
  }

  std::unique_ptr<E2eSuite> suite_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<v1::CallCenterService::Stub> cc_;
  std::string cases_, emergencies_, decisions_;
  int grpc_port_ = 0;
};

TEST_F(IntakeE2e, ClassifiesTriagesHandsOffAndLinks) {
  // 1. No category, a clear water complaint: classified, category set, routed by the rules.
  const std::string water = Register(Case("e2e-intake-water", "0532 100 00 01", "",
                                          "Üç gündür mahallemizde sular akmıyor, musluklardan su "
                                          "gelmiyor",
                                          kLat, kLon));
  v1::Envelope w = Await(cases_, water, "teksin.v1.CaseRegistered");
  const auto& wc = w.case_registered().classification();
  EXPECT_EQ(wc.label(), "Su ve Kanalizasyon");
  EXPECT_FALSE(wc.triaged());
  EXPECT_GE(wc.confidence(), 0.6);
  EXPECT_FALSE(wc.model_version().empty());
  EXPECT_EQ(w.case_registered().case_().category(), wc.chosen_category());
  EXPECT_EQ(suite_->catalogue().Find(wc.chosen_category())->dataset_label, "Su ve Kanalizasyon");

  // 2. No category and a label without a service ("Diğer": electricity is not the
  // municipality's): triaged, routed to the coordination centre.
  const std::string vague = Register(Case("e2e-intake-vague", "0532 100 00 02", "",
                                          "Binamızın önündeki elektrik direği yıkılmak üzere",
                                          kLat, kLon));
  v1::Envelope v = Await(cases_, vague, "teksin.v1.CaseRegistered");
  EXPECT_TRUE(v.case_registered().classification().triaged());
  EXPECT_EQ(v.case_registered().case_().category(), "");
  v1::Envelope routed = Await(decisions_, vague, "teksin.v1.CaseRouted");
  EXPECT_EQ(routed.case_routed().case_().owner().unit_id(), "koordinasyon");

  // 3. An emergency: handed off before it is registered, P1, and routing keeps P1.
  const std::string fire = Register(Case("e2e-intake-fire", "0532 100 00 03", "",
                                         "Apartmanın bodrum katında YANGIN çıktı, her yer duman",
                                         kLat + 0.01, kLon));
  v1::Envelope h = Await(emergencies_, fire, "teksin.v1.EmergencyHandoff");
  EXPECT_EQ(h.emergency_handoff().rule(), "yangin");
  EXPECT_EQ(h.emergency_handoff().handed_to(), "itfaiye");
  EXPECT_EQ(h.emergency_handoff().case_().priority(), v1::PRIORITY_P1);
  v1::Envelope f = Await(cases_, fire, "teksin.v1.CaseRegistered");
  EXPECT_TRUE(f.case_registered().emergency());
  EXPECT_EQ(f.case_registered().emergency_rule(), "yangin");
  EXPECT_EQ(f.case_registered().case_().priority(), v1::PRIORITY_P1);
  v1::Envelope fr = Await(decisions_, fire, "teksin.v1.CaseRouted");
  EXPECT_EQ(fr.case_routed().case_().priority(), v1::PRIORITY_P1);

  // 4. A pothole, then the same caller again: a repeat of the first case.
  const std::string first = Register(Case("e2e-intake-pothole-1", "0532 100 00 04", "yol-sokak",
                                          "Sokağımızda derin bir çukur var", kLat, kLon));
  v1::Envelope fe = Await(cases_, first, "teksin.v1.CaseRegistered");
  const std::string first_code = fe.case_registered().case_().tracking_code();
  const std::string again = Register(Case("e2e-intake-pothole-2", "+90 532 100 00 04",
                                          "yol-sokak", "Çukur hâlâ duruyor", kLat, kLon));
  v1::Envelope rep = Await(cases_, again, "teksin.v1.CaseLinked");
  EXPECT_EQ(rep.case_linked().kind(), v1::LINK_KIND_REPEAT);
  EXPECT_EQ(rep.case_linked().linked_to_case_id(), first);
  EXPECT_EQ(rep.case_linked().linked_to_tracking_code(), first_code);
  EXPECT_FALSE(rep.case_linked().case_().tracking_code().empty());

  // 5. A neighbour ~60 m away reports the same pothole: a duplicate of the first case.
  const std::string dup = Register(Case("e2e-intake-pothole-3", "0542 100 00 05", "yol-sokak",
                                        "Yolda büyük çukur", kLat + kDegPer60m, kLon));
  v1::Envelope d = Await(cases_, dup, "teksin.v1.CaseLinked");
  EXPECT_EQ(d.case_linked().kind(), v1::LINK_KIND_DUPLICATE);
  EXPECT_EQ(d.case_linked().linked_to_case_id(), first);
  EXPECT_NEAR(d.case_linked().distance_m(), 60, 5);

  // 6. The operators' classifier: the same model as the cases above.
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::ClassifierService::NewStub(channel);
  v1::ClassifyRequest req;
  req.set_text("Üç gündür mahallemizde sular akmıyor, musluklardan su gelmiyor");
  req.set_top_k(3);
  v1::ClassifyResponse resp;
  auto s = stub->Classify(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.labels_size(), 3);
  EXPECT_EQ(resp.labels(0).label(), "Su ve Kanalizasyon");
  EXPECT_DOUBLE_EQ(resp.labels(0).confidence(), wc.confidence());
  EXPECT_EQ(resp.service_code(), wc.chosen_category());
  EXPECT_EQ(resp.model_version(), wc.model_version());
  v1::ClassifyRequest empty;
  EXPECT_EQ(stub->Classify(Ctx().get(), empty, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // Intake's metrics count what happened.
  auto metrics = HttpGet(suite_->http_port("intake-1"), "/metrics");
  EXPECT_NE(metrics.body.find("teksin_intake_links_total{kind=\"repeat\"} 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("teksin_intake_links_total{kind=\"duplicate\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("teksin_intake_emergencies_total{rule=\"yangin\"} 1"),
            std::string::npos);
  // Every category-less case above was classified; the triaged ones are counted.
  const int triaged = w.case_registered().classification().triaged() +
                      v.case_registered().classification().triaged() +
                      f.case_registered().classification().triaged();
  EXPECT_NE(metrics.body.find(absl::StrCat("teksin_intake_classifier_triaged_total ", triaged)),
            std::string::npos);
  EXPECT_NE(metrics.body.find("teksin_intake_classifier_confidence_count 3"), std::string::npos);
}

}  // namespace
}  // namespace teksin::testing
