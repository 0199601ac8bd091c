// absl::Status in GoogleTest assertions. Header-only.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace teksin::testing {

inline const absl::Status& StatusOf(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace teksin::testing

#define EXPECT_OK(expr)                                              \
  do {                                                               \
    const ::absl::Status _teksin_s = ::teksin::testing::StatusOf(expr);     \
    EXPECT_TRUE(_teksin_s.ok()) << _teksin_s;                        \
  } while (0)

#define ASSERT_OK(expr)                                              \
  do {                                                               \
    const ::absl::Status _teksin_s = ::teksin::testing::StatusOf(expr);     \
    ASSERT_TRUE(_teksin_s.ok()) << _teksin_s;                        \
  } while (0)

#define EXPECT_CODE(expr, code_)                                     \
  do {                                                               \
    const ::absl::Status _teksin_s = ::teksin::testing::StatusOf(expr);     \
    EXPECT_EQ(_teksin_s.code(), (code_)) << _teksin_s;               \
  } while (0)
