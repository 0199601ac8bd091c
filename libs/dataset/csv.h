// RFC 4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace teksin::dataset {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  // Index of a column by name, or -1.
  int Column(const std::string& name) const;
};

absl::StatusOr<CsvTable> ParseCsv(const std::string& text);
absl::StatusOr<CsvTable> ReadCsvFile(const std::string& path);

}  // namespace teksin::dataset
