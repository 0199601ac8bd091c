// The complaint classifier: text normalisation and label encoding shared by training and
// prediction, the evaluation figures, and a tiny model trained with the fasttext CLI.
#include "classifier/classifier.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "classifier/evaluation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace teksin::classifier {
namespace {

TEST(NormaliseText, TurkishLowerCaseWithoutPunctuation) {
  EXPECT_EQ(NormaliseText("Kesiköprü'de  SU YOK!!"), "kesiköprü de su yok");
  EXPECT_EQ(NormaliseText("IĞDIR İSTANBUL"), "ığdır istanbul");
  EXPECT_EQ(NormaliseText("ÇÖP, KONTEYNER; (ŞİKAYET)"), "çöp konteyner şikayet");
}

TEST(NormaliseText, CollapsesAndTrimsWhitespace) {
  EXPECT_EQ(NormaliseText("  \tsu\n\n yok \r\n"), "su yok");
  EXPECT_EQ(NormaliseText("a\u00A0\u00A0b"), "a b");
  EXPECT_EQ(NormaliseText("“Yol” – bozuk…"), "yol bozuk");
  EXPECT_EQ(NormaliseText("..!?"), "");
  EXPECT_EQ(NormaliseText(""), "");
}

TEST(NormaliseText, KeepsDigitsAndTurkishLetters) {
  EXPECT_EQ(NormaliseText("4 gündür su-kesintisi 2023"), "4 gündür su kesintisi 2023");
  EXPECT_EQ(NormaliseText("ağaç ışık öğün şüphe"), "ağaç ışık öğün şüphe");
}

TEST(NormaliseText, IcuNormalisationAndTurkishFoldingMakeOneSpelling) {
  // Decomposed input (c + combining cedilla, I + combining dot above) is composed first.
  EXPECT_EQ(NormaliseText("C\u0327O\u0308P"), "çöp");
  EXPECT_EQ(NormaliseText("I\u0307S\u0327I\u0307KA\u0302YET"), "işikâyet");
  EXPECT_EQ(NormaliseText("ÇÖP"), NormaliseText("C\u0327O\u0308P"));
  // "İ" lower-cased by a non-Turkish locale ("i" + U+0307) folds like the Turkish "i".
  EXPECT_EQ(NormaliseText("i\u0307stanbul"), "istanbul");
  // Emoji, symbols and format characters separate words.
  EXPECT_EQ(NormaliseText("çöp🚮alınmadı\u200Bhâlâ ₺5 +3"), "çöp alınmadı hâlâ 5 3");
  // Invalid UTF-8 never reaches the model.
  EXPECT_EQ(NormaliseText("su\xFFyok"), "su yok");
}

TEST(LabelEncoding, SpacesBecomeUnderscoresAndBack) {
  EXPECT_EQ(EncodeLabel("Su ve Kanalizasyon"), "__label__Su_ve_Kanalizasyon");
  EXPECT_EQ(EncodeLabel("Ulaşım"), "__label__Ulaşım");
  EXPECT_EQ(EncodeLabel(" Park  ve Bahçeler "), "__label__Park_ve_Bahçeler");
  EXPECT_EQ(DecodeLabel("__label__Su_ve_Kanalizasyon"), "Su ve Kanalizasyon");
  EXPECT_EQ(DecodeLabel("Veteriner_İşleri"), "Veteriner İşleri");
  for (const char* label : {"Su ve Kanalizasyon", "Sosyal Hizmet ve Yardımlar", "Diğer",
                            "Temizlik İşleri", "Zabıta"}) {
    EXPECT_EQ(DecodeLabel(EncodeLabel(label)), label);
  }
}

TEST(LabelEncoding, TrainingLine) {
  EXPECT_EQ(TrainingLine("Su ve Kanalizasyon", "Üç gündür SU YOK."),
            "__label__Su_ve_Kanalizasyon üç gündür su yok");
}

TEST(Evaluate, AccuracyMacroF1AndPerLabel) {
  // a: 2 gold, both right; b: 2 gold, one predicted as a.
  const auto r = Evaluate({{"a", "a"}, {"a", "a"}, {"b", "b"}, {"b", "a"}});
  EXPECT_EQ(r.examples, 4);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.75);
  EXPECT_DOUBLE_EQ(r.labels.at("a").precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(r.labels.at("a").recall, 1.0);
  EXPECT_DOUBLE_EQ(r.labels.at("a").f1, 0.8);
  EXPECT_DOUBLE_EQ(r.labels.at("b").precision, 1.0);
  EXPECT_DOUBLE_EQ(r.labels.at("b").recall, 0.5);
  EXPECT_NEAR(r.labels.at("b").f1, 2.0 / 3, 1e-12);
  EXPECT_NEAR(r.macro_f1, (0.8 + 2.0 / 3) / 2, 1e-12);
  EXPECT_EQ(Evaluate({}).examples, 0);
}

TEST(Classifier, MissingModelIsNotFound) {
  auto c = Classifier::Load("/nonexistent/teksin/complaints.bin");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
}

std::string FastTextBinary() {
  for (const char* p : {"/usr/bin/fasttext", "/usr/local/bin/fasttext"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

class TinyModel : public ::testing::Test {
 protected:
  void SetUp() override {
    fasttext_ = FastTextBinary();
    if (fasttext_.empty()) GTEST_SKIP() << "fasttext CLI not installed";
    std::string tmpl = (std::filesystem::temp_directory_path() / "teksin-classifier-XXXXXX");
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string fasttext_;
  std::filesystem::path dir_;
};

TEST_F(TinyModel, TrainsAndPredictsOneOfTheLabels) {
  const std::vector<std::pair<std::string, std::string>> data = {
      {"Su ve Kanalizasyon", "Üç gündür su yok, musluktan su akmıyor."},
      {"Su ve Kanalizasyon", "Mahallede SU KESİNTİSİ var, kanalizasyon taştı."},
      {"Su ve Kanalizasyon", "Su borusu patladı, sokak su içinde."},
      {"Ulaşım", "Otobüs durakta durmadı, şoför kaba davrandı."},
      {"Ulaşım", "Belediye otobüsü saatlerce gelmiyor, sefer iptal."},
      {"Ulaşım", "Otobüs hattı seferleri yetersiz, durakta bekliyoruz."},
      {"Park ve Bahçeler", "Parktaki ağaçlar budanmıyor, çimler kurudu."},
      {"Park ve Bahçeler", "Parkın oyun grubu kırık, çocuk parkı bakımsız."},
      {"Park ve Bahçeler", "Yeşil alan ve park sulanmıyor, ağaçlar kurudu."},
  };
  const auto train = dir_ / "train.txt";
  {
    std::ofstream out(train);
    for (int repeat = 0; repeat < 5; ++repeat) {
      for (const auto& [label, text] : data) out << TrainingLine(label, text) << "\n";
    }
  }
  const auto model_prefix = dir_ / "tiny";
  const std::string cmd = fasttext_ + " supervised -input " + train.string() + " -output " +
                          model_prefix.string() +
                          " -epoch 50 -lr 0.5 -dim 10 -thread 1 -seed 1 -verbose 0 >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  auto model = Classifier::Load(model_prefix.string() + ".bin");
  ASSERT_TRUE(model.ok()) << model.status();
  const std::set<std::string> labels = {"Su ve Kanalizasyon", "Ulaşım", "Park ve Bahçeler"};

  auto p = (*model)->Predict("OTOBÜS gelmiyor!!");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(labels.count(p->label)) << p->label;
  EXPECT_EQ(p->label, "Ulaşım");
  EXPECT_GT(p->confidence, 0.0);
  EXPECT_LE(p->confidence, 1.0);

  auto water = (*model)->Predict("İki gündür su yok");
  ASSERT_TRUE(water.ok());
  EXPECT_EQ(water->label, "Su ve Kanalizasyon");

  EXPECT_EQ((*model)->Predict(" ?! ").status().code(), absl::StatusCode::kInvalidArgument);

  // Top-k: every label once, most probable first, probabilities summing to about 1.
  auto top = (*model)->PredictTopK("OTOBÜS gelmiyor", 10);
  ASSERT_TRUE(top.ok()) << top.status();
  ASSERT_EQ(top->size(), 3u);
  EXPECT_EQ(top->front().label, "Ulaşım");
  double sum = 0;
  for (size_t i = 0; i < top->size(); ++i) {
    sum += (*top)[i].confidence;
    if (i > 0) {
      EXPECT_GE((*top)[i - 1].confidence, (*top)[i].confidence);
    }
  }
  EXPECT_NEAR(sum, 1.0, 0.02);
  EXPECT_EQ((*model)->labels(),
            (std::vector<std::string>{"Park ve Bahçeler", "Su ve Kanalizasyon", "Ulaşım"}));
  EXPECT_EQ((*model)->version().size(), 16u);

  // Prediction from several threads at once gives the same answers.
  std::vector<std::thread> threads;
  std::vector<std::string> seen(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto q = (*model)->Predict("parktaki ağaçlar kurudu");
        if (q.ok()) seen[t] = q->label;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& s : seen) EXPECT_EQ(s, "Park ve Bahçeler");
}

TEST_F(TinyModel, GarbageFileIsInvalidArgument) {
  const auto bad = dir_ / "bad.bin";
  std::ofstream(bad) << "not a model";
  EXPECT_EQ(Classifier::Load(bad.string()).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace teksin::classifier
