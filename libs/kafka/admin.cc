#include "kafka/admin.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "librdkafka/rdkafka.h"

namespace teksin::kafka {

absl::Status EnsureTopics(const std::string& brokers, const std::vector<TopicSpec>& topics,
                          std::chrono::milliseconds timeout) {
  if (topics.empty()) return absl::OkStatus();
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof(err)) !=
      RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(err);
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) return absl::UnavailableError(absl::StrCat("kafka admin client: ", err));
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> guard(rk, rd_kafka_destroy);

  std::vector<rd_kafka_NewTopic_t*> new_topics;
  for (const auto& t : topics) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, 1, err, sizeof(err));
    if (!nt) {
      for (auto* x : new_topics) rd_kafka_NewTopic_destroy(x);
      return absl::InvalidArgumentError(absl::StrCat("topic ", t.name, ": ", err));
    }
    rd_kafka_NewTopic_set_config(nt, "retention.ms", std::to_string(t.retention_ms).c_str());
    new_topics.push_back(nt);
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, static_cast<int>(timeout.count()), err,
                                              sizeof(err));
  rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(timeout.count()), err,
                                            sizeof(err));
  rd_kafka_CreateTopics(rk, new_topics.data(), new_topics.size(), options, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()) + 5000);
  absl::Status status = absl::OkStatus();
  std::vector<std::string> failures;
  if (!ev) {
    status = absl::DeadlineExceededError("kafka admin: no answer to CreateTopics");
  } else if (rd_kafka_event_error(ev)) {
    status = absl::UnavailableError(
        absl::StrCat("kafka admin: ", rd_kafka_event_error_string(ev)));
  } else {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        failures.push_back(absl::StrCat(rd_kafka_topic_result_name(results[i]), ": ",
                                        rd_kafka_err2str(e)));
      }
    }
    if (!failures.empty()) {
      status = absl::UnavailableError(
          absl::StrCat("kafka admin: ", absl::StrJoin(failures, "; ")));
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
  for (auto* x : new_topics) rd_kafka_NewTopic_destroy(x);
  return status;
}

}  // namespace teksin::kafka
