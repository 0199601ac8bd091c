#include "events/topics.h"

#include "absl/strings/str_cat.h"

namespace teksin::events {
namespace {
std::string EscapeRegex(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '.' || c == '-' || c == '+' || c == '*' || c == '?' || c == '(' || c == ')' ||
        c == '[' || c == ']' || c == '{' || c == '}' || c == '|' || c == '^' || c == '$' ||
        c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}
}  // namespace

std::string Topics::ChannelContacts(const std::string& channel) const {
  return absl::StrCat(p_, ".channel.", channel, ".contacts.v1");
}
std::string Topics::ChannelContactsPattern() const {
  return absl::StrCat("^", EscapeRegex(p_), "\\.channel\\.[a-z0-9_-]+\\.contacts\\.v1$");
}
std::string Topics::IntakeCases() const { return absl::StrCat(p_, ".intake.cases.v1"); }
std::string Topics::RoutingDecisions() const { return absl::StrCat(p_, ".routing.decisions.v1"); }
std::string Topics::RoutingTasks(const std::string& unit) const {
  return absl::StrCat(p_, ".routing.tasks.", unit, ".v1");
}
std::string Topics::DepartmentUpdates() const {
  return absl::StrCat(p_, ".department.updates.v1");
}
std::string Topics::IntakeEmergencies() const {
  return absl::StrCat(p_, ".intake.emergencies.v1");
}
std::string Topics::CitizenFeedback() const { return absl::StrCat(p_, ".citizen.feedback.v1"); }
std::string Topics::Notifications() const { return absl::StrCat(p_, ".notifications.v1"); }
std::string Topics::DeadLetter(const std::string& topic) { return absl::StrCat(topic, ".dlq"); }
std::string Topics::ConsumerGroup(const std::string& service) const {
  return absl::StrCat(p_, ".", service);
}

bool IsValidUnitId(const std::string& unit) {
  if (unit.empty() || unit.size() > 64) return false;
  for (char c : unit) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace teksin::events
