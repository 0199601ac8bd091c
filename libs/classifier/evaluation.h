// Accuracy, macro-F1 and per-label precision/recall/F1 for a classifier run on labelled data.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace teksin::classifier {

struct LabelScores {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  int support = 0;    // gold examples of this label
  int predicted = 0;  // examples predicted as this label
};

struct EvaluationReport {
  int examples = 0;
  double accuracy = 0;
  // Unweighted mean of F1 over every label that occurs as gold or as prediction (a label never
  // predicted counts with F1 0; precision with nothing predicted is 0).
  double macro_f1 = 0;
  std::map<std::string, LabelScores> labels;
};

// pairs of (gold, predicted).
EvaluationReport Evaluate(const std::vector<std::pair<std::string, std::string>>& gold_predicted);

}  // namespace teksin::classifier
