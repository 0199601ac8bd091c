// Identifiers: random ids, ids derived deterministically from their cause (so a replayed event
// produces the same downstream ids and is recognised as a repeat), and tracking codes.
#pragma once

#include <string>
#include <string_view>

namespace teksin::common {

// 128 random bits as 32 lower-case hex characters.
std::string NewId();

// A stable id for "the event `purpose` caused by `parent`": the first 128 bits of
// SHA-256(parent "/" purpose), hex. Replaying `parent` yields the same id.
std::string DerivedId(std::string_view parent, std::string_view purpose);

// Ten Crockford base-32 characters (50 random bits) in two groups, e.g. "7KQ2M-X9D4F":
// no I, L, O or U, so it survives being read over the phone.
std::string NewTrackingCode();

// Normalises what a citizen typed (lower case, o→0, i/l→1, no spaces) and checks the form.
bool NormalizeTrackingCode(std::string_view in, std::string* out);

}  // namespace teksin::common
