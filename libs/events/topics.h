// Topic names in one place. The prefix ("teksin" in production) lets tests run isolated suites
// on one broker.
#pragma once

#include <string>
#include <string_view>

namespace teksin::events {

class Topics {
 public:
  explicit Topics(std::string prefix = "teksin") : p_(std::move(prefix)) {}

  std::string ChannelContacts(const std::string& channel) const;  // <p>.channel.<channel>.contacts.v1
  std::string ChannelContactsPattern() const;                   // regex over every channel
  std::string IntakeCases() const;                              // <p>.intake.cases.v1
  std::string RoutingDecisions() const;                         // <p>.routing.decisions.v1
  std::string RoutingTasks(const std::string& unit) const;        // <p>.routing.tasks.<unit>.v1
  std::string DepartmentUpdates() const;                        // <p>.department.updates.v1
  std::string IntakeEmergencies() const;                        // <p>.intake.emergencies.v1
  std::string CitizenFeedback() const;                          // <p>.citizen.feedback.v1
  std::string Notifications() const;                            // <p>.notifications.v1
  static std::string DeadLetter(const std::string& topic);        // <topic>.dlq
  std::string ConsumerGroup(const std::string& service) const;    // <p>.<service>
  const std::string& prefix() const { return p_; }

 private:
  std::string p_;
};

// Unit ids become topic names: lower-case ASCII letters, digits and '-', 1..64 long.
bool IsValidUnitId(const std::string& unit);

}  // namespace teksin::events
