// What the Open311 projection's batch script receives (ADR 0028): each request's writes of a batch
// coalesced in C++ — fixed fields once from their first writer, packed except the three key
// fields; only the writes as new as every earlier one of the request, without the fields a later
// one sets again; every history entry. The script's side is tested against real Redis in
// integration_open311_redis.
#include <string>
#include <vector>

#include "channel_open311/redis_request_store.h"
#include "gtest/gtest.h"

namespace teksin::channel_open311 {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Current {
  std::string at_us;
  Pairs fields;
};

// One request's block of the arguments.
struct Block {
  std::string id, names, values;
  Pairs key_fields;
  std::vector<Current> writes;
  Pairs history;
};

Pairs TakePairs(const std::vector<std::string>& a, size_t* i) {
  const size_t n = std::stoul(a.at((*i)++));
  Pairs out;
  for (size_t j = 0; j < n; ++j, *i += 2) out.emplace_back(a.at(*i), a.at(*i + 1));
  return out;
}

std::vector<Block> Parse(const std::vector<std::string>& a) {
  std::vector<Block> out;
  size_t i = 3;
  while (i < a.size()) {
    Block b;
    b.id = a.at(i++);
    b.names = a.at(i++);
    b.values = a.at(i++);
    b.key_fields = TakePairs(a, &i);
    const size_t c = std::stoul(a.at(i++));
    for (size_t j = 0; j < c; ++j) {
      Current w;
      w.at_us = a.at(i++);
      w.fields = TakePairs(a, &i);
      b.writes.push_back(std::move(w));
    }
    b.history = TakePairs(a, &i);
    out.push_back(std::move(b));
  }
  return out;
}

ViewWrite Write(const std::string& id, RequestView fixed, RequestView current, int64_t at,
                const std::string& event) {
  return ViewWrite{id, std::move(fixed), std::move(current), at,
                   HistoryEntry{event, at, "routed", "note " + event}};
}

std::vector<std::string> Args(const std::vector<ViewWrite>& writes, bool history = true) {
  std::vector<const ViewWrite*> all;
  for (const auto& w : writes) all.push_back(&w);
  return ViewBatchArgs("p", all, history);
}

TEST(ViewBatchArgs, OneWriteIsOneBlock) {
  auto a = Args({Write("AAAAA-11111",
                       {{"service_code", "su-ariza"}, {"case_id", "c1"}, {"requested_us", "100"},
                        {"description", "Su: borusu"}, {"address", ""}},
                       {{"status", "open"}, {"detailed_status", "received"}}, 100, "ev-1")});
  ASSERT_GE(a.size(), 3u);
  EXPECT_EQ(a[0], "p:o311:req:");
  EXPECT_EQ(a[1], "p:o311:idx");
  EXPECT_EQ(a[2], "p:o311:tok:");
  auto blocks = Parse(a);
  ASSERT_EQ(blocks.size(), 1u);
  const Block& b = blocks[0];
  EXPECT_EQ(b.id, "AAAAA-11111");
  // Packed in the names' byte order; a value may hold the separator and be empty.
  EXPECT_EQ(b.names, "7:address11:description");
  EXPECT_EQ(b.values, "0:10:Su: borusu");
  EXPECT_EQ(b.key_fields, (Pairs{{"case_id", "c1"}, {"requested_us", "100"},
                                 {"service_code", "su-ariza"}}));
  ASSERT_EQ(b.writes.size(), 1u);
  EXPECT_EQ(b.writes[0].at_us, "100");
  EXPECT_EQ(b.writes[0].fields, (Pairs{{"detailed_status", "received"}, {"status", "open"}}));
  EXPECT_EQ(b.history, (Pairs{{"_h:ev-1", "100\trouted\tnote ev-1"}}));
}

TEST(ViewBatchArgs, ARequestsWritesAreCoalescedAsOneByOneWouldApplyThem) {
  std::vector<ViewWrite> writes = {
      Write("R1", {{"description", "first"}, {"case_id", "c1"}},
            {{"status", "open"}, {"detailed_status", "routed"}, {"district", "Tarsus"}}, 200,
            "ev-1"),
      Write("R2", {{"description", "other request"}}, {{"status", "open"}}, 50, "ev-2"),
      // Older than ev-1: one by one it could never pass the at_us check after ev-1.
      Write("R1", {{"description", "second"}, {"citizen_key", "ck"}},
            {{"detailed_status", "registered"}}, 100, "ev-3"),
      // As new as ev-1: applied after it; ev-5 sets its only field again, so it is left out.
      Write("R1", {{"case_id", "c9"}}, {{"status", "closed"}}, 200, "ev-4"),
      Write("R1", {}, {{"detailed_status", "resolved"}, {"status", "closed"}}, 300, "ev-5"),
  };
  auto blocks = Parse(Args(writes));
  ASSERT_EQ(blocks.size(), 2u);
  const Block& r1 = blocks[0];  // in the order of each request's first write
  EXPECT_EQ(r1.id, "R1");
  EXPECT_EQ(blocks[1].id, "R2");
  // Fixed: each field once, from its first writer; citizen_key first sent by ev-3 is kept.
  EXPECT_EQ(r1.names, "11:citizen_key11:description");
  EXPECT_EQ(r1.values, "2:ck5:first");
  EXPECT_EQ(r1.key_fields, (Pairs{{"case_id", "c1"}}));
  // Current: ev-1 (200), ev-4 (200), ev-5 (300); a field a later one sets is left out of it.
  ASSERT_EQ(r1.writes.size(), 2u) << "ev-4 is left with no field of its own";
  EXPECT_EQ(r1.writes[0].at_us, "200");
  EXPECT_EQ(r1.writes[0].fields, (Pairs{{"district", "Tarsus"}}));
  EXPECT_EQ(r1.writes[1].at_us, "300");
  EXPECT_EQ(r1.writes[1].fields, (Pairs{{"detailed_status", "resolved"}, {"status", "closed"}}));
  // Every history entry, in batch order.
  ASSERT_EQ(r1.history.size(), 4u);
  EXPECT_EQ(r1.history[0].first, "_h:ev-1");
  EXPECT_EQ(r1.history[1].first, "_h:ev-3");
  EXPECT_EQ(r1.history[1].second, "100\trouted\tnote ev-3");
  EXPECT_EQ(r1.history[3].first, "_h:ev-5");
}

TEST(ViewBatchArgs, TheLastNewestWriteIsSentEvenWithNoFieldLeft) {
  // The second write sets the same field as the first at the same time: the first is dropped,
  // the last is sent for its _updated_us even though it repeats nothing new.
  auto blocks = Parse(Args({Write("R1", {}, {{"status", "open"}}, 100, "ev-1"),
                            Write("R1", {}, {{"status", "closed"}}, 100, "ev-2")}));
  ASSERT_EQ(blocks.size(), 1u);
  ASSERT_EQ(blocks[0].writes.size(), 1u);
  EXPECT_EQ(blocks[0].writes[0].fields, (Pairs{{"status", "closed"}}));
  auto empty = Parse(Args({Write("R1", {}, {}, 100, "ev-1"), Write("R1", {}, {}, 90, "ev-2")}));
  ASSERT_EQ(empty[0].writes.size(), 1u);
  EXPECT_EQ(empty[0].writes[0].at_us, "100");
  EXPECT_TRUE(empty[0].writes[0].fields.empty());
}

TEST(ViewBatchArgs, UpsertSendsNoHistory) {
  auto blocks = Parse(Args({Write("R1", {}, {{"status", "open"}}, 100, "ev-1")}, false));
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_TRUE(blocks[0].history.empty());
}

}  // namespace
}  // namespace teksin::channel_open311
