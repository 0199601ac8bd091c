// Errors as values across library boundaries: absl::Status with two small macros.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TEKSIN_CONCAT_INNER(a, b) a##b
#define TEKSIN_CONCAT(a, b) TEKSIN_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::absl::Status _teksin_status = (expr);    \
    if (!_teksin_status.ok()) return _teksin_status; \
  } while (0)

#define TEKSIN_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  TEKSIN_ASSIGN_OR_RETURN_IMPL(TEKSIN_CONCAT(_teksin_statusor_, __LINE__), lhs, expr)

namespace teksin::common {

// Poison (never succeeds on retry) vs transient (worth retrying): consumers use this to decide
// between the dead-letter topic and a backoff.
inline bool IsPermanent(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kDataLoss:
      return true;
    default:
      return false;
  }
}

}  // namespace teksin::common
