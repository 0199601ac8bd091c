#include "dataset/csv.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace teksin::dataset {

int CsvTable::Column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<CsvTable> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, field_started = false;
  size_t i = 0;
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) i = 3;  // UTF-8 byte order mark
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      record.push_back(std::move(field));
      field.clear();
      field_started = false;
      if (!(record.size() == 1 && record[0].empty())) records.push_back(std::move(record));
      record.clear();
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (quoted) return absl::InvalidArgumentError("CSV ends inside a quoted field");
  if (field_started || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  if (records.empty()) return absl::InvalidArgumentError("CSV has no header");
  CsvTable t;
  t.header = std::move(records.front());
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != t.header.size()) {
      return absl::InvalidArgumentError(absl::StrCat("CSV record ", r + 1, " has ", records[r].size(),
                                                     " fields, the header has ", t.header.size()));
    }
    t.rows.push_back(std::move(records[r]));
  }
  return t;
}

absl::StatusOr<CsvTable> ReadCsvFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto t = ParseCsv(ss.str());
  if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", t.status().message()));
  return t;
}

}  // namespace teksin::dataset
