// Cases without a category: intake classifies the text with a (fake) model, maps the label to a
// service code, and triages below the threshold; the same classifier answers the gRPC method.
#include <map>
#include <string>

#include "common/turkish_text.h"
#include "events/in_memory.h"
#include "events/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "intake/classifier_grpc.h"
#include "intake/intake_service.h"
#include "support/envelopes.h"
#include "support/paths.h"
#include "support/reference_data.h"
#include "support/status.h"

namespace teksin::intake {
namespace {

using ::teksin::testing::CaseAt;
using ::teksin::testing::Consumed;
using ::teksin::testing::ContactReceivedEnv;
using ::teksin::testing::kTarsusCentre;
using ::teksin::testing::TrTime;
using ::testing::HasSubstr;

// Answers by the first folded word it knows; a fixed spread over the other labels.
class FakeModel : public TextModel {
 public:
  absl::StatusOr<std::vector<classifier::Prediction>> TopK(std::string_view text,
                                                            int k) const override {
    ++calls;
    const auto words = common::FoldedWords(text);
    if (words.empty()) return absl::InvalidArgumentError("nothing to classify");
    std::vector<classifier::Prediction> out;
    for (const auto& w : words) {
      auto it = answers_.find(w);
      if (it != answers_.end()) {
        out.push_back(classifier::Prediction{it->second.first, it->second.second});
        break;
      }
    }
    if (out.empty()) out.push_back(classifier::Prediction{"Diğer", 0.30});
    for (const auto& l : labels_) {
      if (static_cast<int>(out.size()) >= k) break;
      if (l != out.front().label) {
        out.push_back(classifier::Prediction{l, (1 - out.front().confidence) / 7});
      }
    }
    return out;
  }
  const std::vector<std::string>& labels() const override { return labels_; }
  const std::string& version() const override { return version_; }
  mutable int calls = 0;

 private:
  std::map<std::string, std::pair<std::string, double>> answers_ = {
      {"su", {"Su ve Kanalizasyon", 0.97}},
      {"otobüs", {"Ulaşım", 0.91}},
      {"köpek", {"Veteriner İşleri", 0.55}},  // below the 0.6 threshold
      {"direk", {"Diğer", 0.93}},            // confident, but "Diğer" has no service
  };
  std::vector<std::string> labels_ = {
      "Diğer",      "Park ve Bahçeler", "Sosyal Hizmet ve Yardımlar", "Su ve Kanalizasyon",
      "Temizlik İşleri", "Ulaşım",     "Veteriner İşleri",            "Zabıta"};
  std::string version_ = "0123456789abcdef";
};

class IntakeClassifierTest : public ::testing::Test {
 protected:
  IntakeClassifierTest() {
    options_.classifier = &classifier_;
    service_ = std::make_unique<IntakeService>(
        teksin::testing::RealCatalogue(), teksin::testing::RealDistricts(), topics_, publisher_,
        clock_, registry_, options_);
  }

  v1::Envelope Send(const std::string& event_id, const std::string& category,
                    const std::string& text) {
    v1::Case c = CaseAt("case-" + event_id, category, kTarsusCentre.lat, kTarsusCentre.lon, text);
    EXPECT_OK(service_->Handle(
        Consumed("teksin.channel.callcenter.contacts.v1",
                 ContactReceivedEnv(event_id, clock_.Now(), c))));
    auto out = publisher_.Published("teksin.intake.cases.v1");
    return out.empty() ? v1::Envelope() : out.back().envelope;
  }

  common::FakeClock clock_{TrTime(2026, 5, 22, 10, 0)};
  events::Topics topics_{"teksin"};
  events::InMemoryEventPublisher publisher_;
  metrics::Registry registry_;
  FakeModel model_;
  LabelMap labels_ = teksin::testing::OrDie(
      LabelMap::LoadFile(teksin::testing::ConfigFile("classifier-labels.json"),
                         teksin::testing::RealCatalogue()),
      "classifier labels");
  CaseClassifier classifier_{model_, labels_, kDefaultClassifierThreshold};
  IntakeOptions options_;
  std::unique_ptr<IntakeService> service_;
};

TEST_F(IntakeClassifierTest, ACaseWithoutCategoryGetsTheMappedServiceCode) {
  auto e = Send("e1", "", "Mahallede iki gündür SU YOK");
  ASSERT_TRUE(e.has_case_registered()) << e.event_type();
  const auto& reg = e.case_registered();
  EXPECT_EQ(reg.case_().category(), "su-kesintisi");  // refined by the catalogue's "su yok"
  EXPECT_EQ(reg.case_().request_type(), v1::REQUEST_TYPE_INFORMATION);  // the service's first
  ASSERT_TRUE(reg.has_classification());
  EXPECT_EQ(reg.classification().label(), "Su ve Kanalizasyon");
  EXPECT_DOUBLE_EQ(reg.classification().confidence(), 0.97);
  EXPECT_FALSE(reg.classification().triaged());
  EXPECT_EQ(reg.classification().chosen_category(), "su-kesintisi");
  EXPECT_EQ(reg.classification().model_version(), "0123456789abcdef");
  const std::string metrics = registry_.Render();
  EXPECT_THAT(metrics, HasSubstr(
      "teksin_intake_classifier_predictions_total{label=\"Su ve Kanalizasyon\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("teksin_intake_classifier_confidence_count 1"));
}

TEST_F(IntakeClassifierTest, LowConfidenceOrNoServiceIsTriagedWithoutCategory) {
  for (const char* text : {"Sokakta köpek var", "Elektrik direği eğildi", "???"}) {
    auto e = Send(text, "", text);
    ASSERT_TRUE(e.has_case_registered()) << text << ": " << e.event_type();
    const auto& reg = e.case_registered();
    EXPECT_EQ(reg.case_().category(), "") << text;
    EXPECT_TRUE(reg.classification().triaged()) << text;
    EXPECT_EQ(reg.classification().chosen_category(), "") << text;
    EXPECT_EQ(reg.case_().status(), v1::CASE_STATUS_REGISTERED);
  }
  EXPECT_THAT(registry_.Render(), HasSubstr("teksin_intake_classifier_triaged_total 3"));
}

TEST_F(IntakeClassifierTest, TheChannelsCategoryIsKeptAndNotClassified) {
  auto e = Send("e1", "cop-alinmadi", "Çöp alınmadı, su da yok");
  ASSERT_TRUE(e.has_case_registered());
  EXPECT_EQ(e.case_registered().case_().category(), "cop-alinmadi");
  EXPECT_FALSE(e.case_registered().has_classification());
  EXPECT_EQ(model_.calls, 0);
}

TEST_F(IntakeClassifierTest, WithoutAClassifierAMissingCategoryIsRejectedAsBefore) {
  IntakeService plain(teksin::testing::RealCatalogue(), teksin::testing::RealDistricts(), topics_,
                      publisher_, clock_);
  v1::Case c = CaseAt("case-x", "", kTarsusCentre.lat, kTarsusCentre.lon, "su yok");
  ASSERT_OK(plain.Handle(Consumed("t", ContactReceivedEnv("ex", clock_.Now(), c))));
  auto out = publisher_.Published("teksin.intake.cases.v1");
  ASSERT_FALSE(out.empty());
  ASSERT_TRUE(out.back().envelope.has_case_rejected());
  EXPECT_EQ(out.back().envelope.case_rejected().code(), v1::REJECTION_CODE_UNKNOWN_CATEGORY);
  EXPECT_EQ(out.back().envelope.case_rejected().reason(), "the request has no service code");
}

TEST_F(IntakeClassifierTest, GrpcClassifyAnswersWithTopLabelsAndTheMappedCode) {
  ClassifierGrpc grpc(classifier_, registry_);
  v1::ClassifyRequest req;
  req.set_text("Otobüs seferleri yetersiz");
  req.set_top_k(3);
  v1::ClassifyResponse resp;
  auto s = grpc.Classify(nullptr, &req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.labels_size(), 3);
  EXPECT_EQ(resp.labels(0).label(), "Ulaşım");
  EXPECT_DOUBLE_EQ(resp.labels(0).confidence(), 0.91);
  EXPECT_EQ(resp.labels(0).service_code(), "otobus-sefer");
  EXPECT_EQ(resp.labels(1).label(), "Diğer");
  EXPECT_EQ(resp.labels(1).service_code(), "");
  EXPECT_EQ(resp.service_code(), "otobus-sefer");
  EXPECT_FALSE(resp.triaged());
  EXPECT_EQ(resp.model_version(), "0123456789abcdef");
  EXPECT_DOUBLE_EQ(resp.threshold(), 0.6);

  req.set_text("köpek");
  req.set_top_k(0);  // the default, 3
  resp.Clear();
  ASSERT_TRUE(grpc.Classify(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.labels_size(), 3);
  EXPECT_TRUE(resp.triaged());
  EXPECT_EQ(resp.service_code(), "");
  EXPECT_EQ(resp.labels(0).service_code(), "sokak-hayvani");  // what it would have been
}

TEST_F(IntakeClassifierTest, GrpcClassifyRefusesBadRequestsWithAReason) {
  ClassifierGrpc grpc(classifier_, registry_);
  v1::ClassifyResponse resp;
  v1::ClassifyRequest empty;
  empty.set_text("   ");
  auto s = grpc.Classify(nullptr, &empty, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "text is required");
  v1::ClassifyRequest long_text;
  long_text.set_text(std::string(kMaxClassifyTextBytes + 1, 'a'));
  EXPECT_EQ(grpc.Classify(nullptr, &long_text, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ClassifyRequest punct;
  punct.set_text("?!");
  EXPECT_EQ(grpc.Classify(nullptr, &punct, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ClassifyRequest negative;
  negative.set_text("su");
  negative.set_top_k(-1);
  EXPECT_EQ(grpc.Classify(nullptr, &negative, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(registry_.Render(),
              HasSubstr("teksin_intake_classify_requests_total{code=\"3\"} 4"));
}

}  // namespace
}  // namespace teksin::intake
