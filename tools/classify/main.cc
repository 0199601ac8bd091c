// classify: the complaint classifier on the command line.
//   classify --model PATH                      one text a line on stdin → "label<TAB>confidence"
//                                              a line on stdout (an empty label and 0.0000 for a
//                                              line with nothing to classify, so lines stay
//                                              aligned with the input)
//   classify --model PATH --evaluate FILE.csv  CSV with columns label,text: accuracy, macro-F1,
//                                              per-label precision/recall/F1, and per confidence
//                                              threshold the share of texts at or above it with
//                                              the accuracy above and below (intake's threshold)
//   classify --write-training FILE.csv         CSV with columns label,text → fastText training
//                                              lines on stdout, normalised exactly as Predict
//                                              normalises (used by deploy/train-classifier.sh)
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "classifier/classifier.h"
#include "classifier/evaluation.h"
#include "dataset/csv.h"

namespace {

using teksin::classifier::Classifier;

int Usage() {
  std::cerr << "usage: classify --model PATH [--evaluate FILE.csv]\n"
               "       classify --write-training FILE.csv\n";
  return 2;
}

struct LabelledText {
  std::string label;
  std::string text;
};

bool ReadLabelled(const std::string& path, std::vector<LabelledText>* out) {
  auto table = teksin::dataset::ReadCsvFile(path);
  if (!table.ok()) {
    std::cerr << "classify: " << table.status() << "\n";
    return false;
  }
  const int label_col = table->Column("label");
  const int text_col = table->Column("text");
  if (label_col < 0 || text_col < 0) {
    std::cerr << "classify: " << path << " needs columns label and text\n";
    return false;
  }
  for (const auto& row : table->rows) {
    if (static_cast<int>(row.size()) <= std::max(label_col, text_col)) continue;
    if (row[label_col].empty()) continue;
    out->push_back({row[label_col], row[text_col]});
  }
  return true;
}

int WriteTraining(const std::string& csv) {
  std::vector<LabelledText> rows;
  if (!ReadLabelled(csv, &rows)) return 1;
  int written = 0;
  for (const auto& r : rows) {
    if (teksin::classifier::NormaliseText(r.text).empty()) continue;
    std::cout << teksin::classifier::TrainingLine(r.label, r.text) << "\n";
    ++written;
  }
  std::cerr << "classify: " << written << " training lines from " << csv << "\n";
  return 0;
}

int Evaluate(const Classifier& model, const std::string& csv) {
  std::vector<LabelledText> rows;
  if (!ReadLabelled(csv, &rows)) return 1;
  std::vector<std::pair<std::string, std::string>> pairs;
  std::vector<double> confidence;
  pairs.reserve(rows.size());
  for (const auto& r : rows) {
    auto p = model.Predict(r.text);
    pairs.emplace_back(r.label, p.ok() ? p->label : std::string());
    confidence.push_back(p.ok() ? p->confidence : 0.0);
  }
  const auto report = teksin::classifier::Evaluate(pairs);
  std::cout << absl::StrFormat("examples\t%d\naccuracy\t%.4f\nmacro_f1\t%.4f\n", report.examples,
                               report.accuracy, report.macro_f1);
  std::cout << "label\tprecision\trecall\tf1\tsupport\n";
  for (const auto& [label, s] : report.labels) {
    std::cout << absl::StrFormat("%s\t%.4f\t%.4f\t%.4f\t%d\n",
                                 label.empty() ? "(none)" : label, s.precision, s.recall, s.f1,
                                 s.support);
  }
  std::cout << "threshold\tshare_at_or_above\taccuracy_at_or_above\taccuracy_below\n";
  for (double t : {0.4, 0.5, 0.6, 0.7, 0.8, 0.9}) {
    int above = 0, above_right = 0, below = 0, below_right = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
      const bool right = pairs[i].first == pairs[i].second;
      if (confidence[i] >= t) {
        ++above;
        above_right += right;
      } else {
        ++below;
        below_right += right;
      }
    }
    auto ratio = [](int a, int b) { return b == 0 ? 0.0 : static_cast<double>(a) / b; };
    std::cout << absl::StrFormat("%.1f\t%.4f\t%.4f\t%.4f\n", t, ratio(above, above + below),
                                 ratio(above_right, above), ratio(below_right, below));
  }
  return 0;
}

int PredictStdin(const Classifier& model) {
  std::string line;
  while (std::getline(std::cin, line)) {
    auto p = model.Predict(line);
    if (p.ok()) {
      std::cout << absl::StrFormat("%s\t%.4f\n", p->label, p->confidence);
    } else {
      std::cout << "\t0.0000\n";
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, evaluate, write_training;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    bool ok = true;
    if (arg == "--model") {
      ok = value(&model_path);
    } else if (arg == "--evaluate") {
      ok = value(&evaluate);
    } else if (arg == "--write-training") {
      ok = value(&write_training);
    } else {
      ok = false;
    }
    if (!ok) return Usage();
  }
  if (!write_training.empty()) {
    if (!model_path.empty() || !evaluate.empty()) return Usage();
    return WriteTraining(write_training);
  }
  if (model_path.empty()) return Usage();
  auto model = Classifier::Load(model_path);
  if (!model.ok()) {
    std::cerr << "classify: " << model.status() << "\n";
    return 1;
  }
  if (!evaluate.empty()) return Evaluate(**model, evaluate);
  return PredictStdin(**model);
}
