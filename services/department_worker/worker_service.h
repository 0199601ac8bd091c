// A municipal unit's worker: keeps the unit's queue from its task topic, and lets staff claim,
// start, ask the citizen, acknowledge (forward desks), note, resolve and reject tasks. The queue
// decides each change first (so two staff racing for a task get one winner), then the change is
// published and acknowledged by Kafka before staff hear "ok". If Kafka does not acknowledge,
// staff get UNAVAILABLE and the same request again publishes the same event (ADR 0007, 0015).
// The gRPC and the JSON-over-HTTP staff APIs both call this class.
#pragma once

#include <string>
#include <vector>

#include "common/time_util.h"
#include "department_worker/task_store.h"
#include "events/events.h"
#include "events/topics.h"
#include "teksin/v1/department_service.pb.h"

namespace teksin::department_worker {

class WorkerService : public events::EventHandler {
 public:
  WorkerService(std::string unit, TaskStore& store, const events::Topics& topics,
                events::EventPublisher& publisher, const common::Clock& clock)
      : unit_(std::move(unit)), store_(store), topics_(topics), publisher_(publisher),
        clock_(clock) {}

  // Task topic and department updates.
  absl::Status Handle(const events::ConsumedEvent& event) override;

  absl::StatusOr<v1::ListTasksResponse> ListTasks(const v1::ListTasksRequest& request);
  // With the task's history.
  absl::StatusOr<v1::Task> GetTask(const std::string& task_id);
  absl::StatusOr<v1::Task> Claim(const std::string& task_id, const std::string& staff_id);
  absl::StatusOr<v1::Task> Start(const std::string& task_id, const std::string& staff_id);
  absl::StatusOr<v1::Task> AskCitizen(const std::string& task_id, const std::string& staff_id,
                                      const std::string& question);
  absl::StatusOr<v1::Task> Acknowledge(const std::string& task_id, const std::string& staff_id,
                                       const std::string& reference);
  absl::StatusOr<v1::Task> AddNote(const std::string& task_id, const std::string& staff_id,
                                   const std::string& note, bool visible_to_citizen);
  absl::StatusOr<v1::Task> Resolve(const std::string& task_id, const std::string& staff_id,
                                   const std::string& code, const std::string& text);
  absl::StatusOr<v1::Task> Reject(const std::string& task_id, const std::string& staff_id,
                                  const std::string& reason,
                                  const std::string& suggested_unit_id = "");

  const std::string& unit() const { return unit_; }

 private:
  struct Change {
    explicit Change(v1::TaskStatus status) : to(status) {}
    v1::TaskStatus to = v1::TASK_STATUS_UNSPECIFIED;
    std::string reason, code, text, suggested_unit;
  };
  absl::StatusOr<v1::Task> Transition(const std::string& task_id, const std::string& staff_id,
                                      const Change& change);
  absl::StatusOr<StoredTask> Load(const std::string& task_id);

  std::string unit_;
  TaskStore& store_;
  const events::Topics& topics_;
  events::EventPublisher& publisher_;
  const common::Clock& clock_;
};

v1::Task ToTask(const StoredTask& t);
// The history line an event adds to its task (kind "status", "note" or "alert").
v1::TaskHistoryEntry HistoryOf(const v1::Envelope& e);
// The header of every event a worker publishes about a task of case `c` (keyed by the case id,
// caused by the task); the caller sets the payload and stamps its type.
v1::Envelope TaskEnvelope(const std::string& event_id, const std::string& task_id,
                          const v1::Case& c, absl::Time at);

}  // namespace teksin::department_worker
