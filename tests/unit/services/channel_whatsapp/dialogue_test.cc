// The dialogue on its own: what it asks, in which order, what each kind of message fills in, the
// list messages within WhatsApp's limits, and cancelling.
#include "channel_whatsapp/dialogue.h"

#include "common/turkish_text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/reference_data.h"

namespace teksin::channel_whatsapp {

using common::FindDistrict;
using common::MatchKey;
using common::MersinDistricts;
using common::TruncateUtf8;
using common::TurkishLower;
using common::Utf8Length;
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Outcome = Step::Outcome;

InboundMessage TextMsg(const std::string& body) {
  InboundMessage m;
  m.id = "wamid.x";
  m.from = "905321234567";
  m.type = "text";
  m.text = body;
  return m;
}
InboundMessage LocationMsg(double lat, double lon, const std::string& name = "",
                           const std::string& address = "") {
  InboundMessage m = TextMsg("");
  m.type = "location";
  m.has_location = true;
  m.latitude = lat;
  m.longitude = lon;
  m.location_name = name;
  m.location_address = address;
  return m;
}
InboundMessage ImageMsg(const std::string& media, const std::string& caption) {
  InboundMessage m = TextMsg("");
  m.type = "image";
  m.media_id = media;
  m.caption = caption;
  return m;
}
InboundMessage Choice(const std::string& id) {
  InboundMessage m = TextMsg("");
  m.type = "interactive";
  m.interactive_type = "list_reply";
  m.reply_id = id;
  return m;
}

class DialogueTest : public ::testing::Test {
 protected:
  // Applies as the service does (message count included).
  Step Send(const InboundMessage& m) {
    Step s = dialogue_.Apply(c_, m);
    ++c_.messages;
    return s;
  }
  std::vector<std::string> RowIds(const Reply& r) {
    std::vector<std::string> ids;
    for (const auto& s : r.sections) {
      for (const auto& row : s.rows) ids.push_back(row.id);
    }
    return ids;
  }
  // WhatsApp refuses list messages over its limits; every list we make keeps to them.
  void ExpectWithinLimits(const Reply& r) {
    ASSERT_EQ(r.kind, Reply::Kind::kList);
    EXPECT_LE(Utf8Length(r.body), 1024u);
    EXPECT_LE(Utf8Length(r.button), 20u);
    EXPECT_LE(Utf8Length(r.footer), 60u);
    size_t rows = 0;
    for (const auto& s : r.sections) {
      EXPECT_LE(Utf8Length(s.title), 24u) << s.title;
      for (const auto& row : s.rows) {
        ++rows;
        EXPECT_LE(Utf8Length(row.title), 24u) << row.title;
        EXPECT_LE(Utf8Length(row.description), 72u) << row.description;
        EXPECT_LE(row.id.size(), 200u);
        EXPECT_FALSE(row.title.empty());
      }
    }
    EXPECT_GE(rows, 1u);
    EXPECT_LE(rows, 10u);
  }

  Dialogue dialogue_{teksin::testing::RealCatalogue()};
  Conversation c_;
};

TEST_F(DialogueTest, AsksWhatThenWhichCategoryThenWhereThenCompletes) {
  Step s = Send(TextMsg("Merhaba"));
  EXPECT_EQ(s.outcome, Outcome::kContinue);
  EXPECT_THAT(s.reply.body, HasSubstr("hoş geldiniz"));
  EXPECT_THAT(s.reply.body, HasSubstr("sorunu kısaca yazın"));
  EXPECT_EQ(c_.awaiting, "text");
  EXPECT_TRUE(c_.text.empty());  // a greeting is not a description

  s = Send(TextMsg("Sokağımızda büyük bir çukur var, araçlar zarar görüyor."));
  EXPECT_EQ(s.outcome, Outcome::kContinue);
  EXPECT_EQ(c_.awaiting, "category");
  ExpectWithinLimits(s.reply);
  // The catalogue's keywords suggest road categories; the citizen still chooses.
  EXPECT_THAT(RowIds(s.reply), Contains("c:yol-sokak"));
  EXPECT_THAT(RowIds(s.reply), Contains("c:yol-ana-arter"));
  EXPECT_EQ(RowIds(s.reply).back(), "m:all");
  EXPECT_TRUE(c_.category.empty());

  s = Send(Choice("c:yol-sokak"));
  EXPECT_EQ(c_.category, "yol-sokak");
  EXPECT_EQ(c_.awaiting, "location");
  EXPECT_EQ(s.reply.kind, Reply::Kind::kText);
  EXPECT_THAT(s.reply.body, HasSubstr("Konum"));

  c_.tracking_code = "7KQ2M-X9D4F";
  s = Send(LocationMsg(36.918, 34.895, "Şehitmustafa Mahallesi", "Tarsus, Mersin"));
  EXPECT_EQ(s.outcome, Outcome::kComplete);
  EXPECT_TRUE(c_.has_coordinates);
  EXPECT_DOUBLE_EQ(c_.lat, 36.918);
  EXPECT_EQ(c_.address, "Şehitmustafa Mahallesi, Tarsus, Mersin");
  EXPECT_THAT(s.reply.body, HasSubstr("Takip kodunuz: 7KQ2M-X9D4F"));
}

TEST_F(DialogueTest, WithoutKeywordsTheCitizenBrowsesGroupsThenCategories) {
  Send(TextMsg("Belediyeye bir şey bildirmek istiyorum"));
  Step s = dialogue_.Next(c_);
  ExpectWithinLimits(s.reply);
  // 12 groups: nine and "more" on the first page, the rest and "back to the start" on the second.
  auto ids = RowIds(s.reply);
  ASSERT_EQ(ids.size(), 10u);
  EXPECT_EQ(ids[0], "g:0");
  EXPECT_EQ(ids.back(), "p:1");
  s = Send(Choice("p:1"));
  ExpectWithinLimits(s.reply);
  ids = RowIds(s.reply);
  EXPECT_EQ(ids.front(), "g:9");
  EXPECT_EQ(ids.back(), "p:0");
  // A group shows its categories.
  const auto& groups = dialogue_.groups();
  int water = static_cast<int>(std::find(groups.begin(), groups.end(), "Su ve Kanalizasyon") - groups.begin());
  s = Send(Choice("g:" + std::to_string(water)));
  ExpectWithinLimits(s.reply);
  EXPECT_THAT(s.reply.body, HasSubstr("Su ve Kanalizasyon"));
  EXPECT_THAT(RowIds(s.reply), Contains("c:su-ariza"));
  EXPECT_EQ(RowIds(s.reply).back(), "m:all");
  s = Send(Choice("c:su-ariza"));
  EXPECT_EQ(c_.category, "su-ariza");
  EXPECT_EQ(c_.awaiting, "location");
}

TEST_F(DialogueTest, EveryListOfTheRealCatalogueKeepsToWhatsAppsLimits) {
  Send(TextMsg("Bir sorun var"));
  for (size_t g = 0; g < dialogue_.groups().size(); ++g) {
    Conversation c = c_;
    c.group = static_cast<int>(g);
    ExpectWithinLimits(dialogue_.Next(c).reply);
  }
  for (int page = 0; page < 2; ++page) {
    Conversation c = c_;
    c.browse = true;
    c.page = page;
    ExpectWithinLimits(dialogue_.Next(c).reply);
  }
  // Long names are cut to 24 characters and given whole in the description.
  Conversation c = c_;
  c.text = "asfalt çukur bulvar";
  Reply r = dialogue_.Next(c).reply;
  ExpectWithinLimits(r);
  const auto& row = r.sections[0].rows[0];
  EXPECT_EQ(row.id, "c:yol-ana-arter");
  EXPECT_EQ(row.title, "Ana yol/bulvar bozukluğ…");
  EXPECT_EQ(row.description, "Ana yol/bulvar bozukluğu, çukur");
}

TEST_F(DialogueTest, ATypedNumberPicksFromTheLastListForClientsWithoutLists) {
  Send(TextMsg("Konteyner taştı, çöp alınmadı"));
  ASSERT_EQ(c_.awaiting, "category");
  ASSERT_FALSE(c_.menu.empty());
  const std::string first = c_.menu[0];
  ASSERT_EQ(first.rfind("c:", 0), 0u);
  Send(TextMsg("1"));
  EXPECT_EQ(c_.category, first.substr(2));
  EXPECT_EQ(c_.awaiting, "location");
}

TEST_F(DialogueTest, ADistrictTypedInsteadOfALocationIsMatchedWithTurkishFolding) {
  Send(TextMsg("Parkta kırık oyun aleti var"));
  Send(Choice("c:oyun-alani"));
  ASSERT_EQ(c_.awaiting, "location");
  Step s = Send(TextMsg("Şehrin neresi bilmiyorum"));
  EXPECT_EQ(s.outcome, Outcome::kContinue);
  EXPECT_THAT(s.reply.body, HasSubstr("ilçeyi tanıyamadık"));
  EXPECT_THAT(s.reply.body, HasSubstr("Yenişehir"));
  EXPECT_EQ(c_.address, "Şehrin neresi bilmiyorum");
  s = Send(TextMsg("YENİŞEHİR'de, Menteş mahallesi"));
  EXPECT_EQ(s.outcome, Outcome::kComplete);
  EXPECT_EQ(c_.district, "Yenişehir");
  EXPECT_FALSE(c_.has_coordinates);
  EXPECT_THAT(c_.address, HasSubstr("Menteş mahallesi"));
  EXPECT_EQ(c_.text, "Parkta kırık oyun aleti var");
}

TEST_F(DialogueTest, AnImageWithACaptionDescribesTheProblemAndAnyOrderWorks) {
  Step s = Send(LocationMsg(36.7846, 34.5287));
  EXPECT_EQ(c_.awaiting, "text");  // where is known; what is not
  s = Send(ImageMsg("1479538249438227", "Sahilde çöp yığını var"));
  EXPECT_EQ(c_.text, "Sahilde çöp yığını var");
  EXPECT_EQ(c_.media_ids, std::vector<std::string>{"1479538249438227"});
  EXPECT_EQ(c_.awaiting, "category");
  s = Send(Choice("c:sahil-temizlik"));
  EXPECT_EQ(s.outcome, Outcome::kComplete);
}

TEST_F(DialogueTest, AnImageWithoutCaptionStillNeedsADescription) {
  Send(ImageMsg("m1", ""));
  EXPECT_EQ(c_.awaiting, "text");
  EXPECT_TRUE(c_.text.empty());
  Send(ImageMsg("m1", ""));  // the same image again is kept once
  Send(ImageMsg("m2", ""));
  EXPECT_EQ(c_.media_ids, (std::vector<std::string>{"m1", "m2"}));
}

TEST_F(DialogueTest, CancellingEndsAnOpenConversationOnly) {
  Step s = Send(TextMsg("İPTAL"));
  EXPECT_EQ(s.outcome, Outcome::kNothing);
  EXPECT_THAT(s.reply.body, HasSubstr("açık bir bildiriminiz yok"));
  c_ = Conversation();
  Send(TextMsg("Sokak lambası yanmıyor"));
  s = Send(TextMsg("vazgeçtim!"));
  EXPECT_EQ(s.outcome, Outcome::kCancelled);
  EXPECT_THAT(s.reply.body, HasSubstr("iptal edildi"));
}

TEST_F(DialogueTest, UnsupportedMessagesAndStaleChoicesAreAnsweredNotRecorded) {
  InboundMessage audio = TextMsg("");
  audio.type = "audio";
  Step s = Send(audio);
  EXPECT_THAT(s.reply.body, HasSubstr("yazı, fotoğraf veya konum"));
  EXPECT_TRUE(c_.text.empty());
  Send(TextMsg("Su kesildi"));
  s = Send(Choice("c:no-such-code"));
  EXPECT_THAT(s.reply.body, HasSubstr("geçerli değil"));
  EXPECT_TRUE(c_.category.empty());
  EXPECT_EQ(s.reply.kind, Reply::Kind::kList);  // asked again
}

TEST_F(DialogueTest, EmergencyCategoriesRemindOf112) {
  c_.tracking_code = "7KQ2M-X9D4F";
  c_.text = "Gaz kokusu var";
  c_.category = "dogalgaz";
  c_.district = "Mezitli";
  EXPECT_THAT(dialogue_.CompletionText(c_), HasSubstr("112"));
  c_.category = "park-bakim";
  EXPECT_THAT(dialogue_.CompletionText(c_), Not(HasSubstr("112")));
}

TEST_F(DialogueTest, SuggestionsComeFromTheCatalogueKeywordsOnly) {
  EXPECT_THAT(dialogue_.Suggest("Merhaba nasılsınız", 9), IsEmpty());
  auto s = dialogue_.Suggest("SOKAK LAMBASI YANMIYOR", 9);
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0]->code, "sokak-lambasi");
}

TEST(ConversationJson, WhatIsStoredBetweenMessagesReadsBackWhole) {
  Conversation c;
  c.conversation_id = "conv";
  c.case_id = "case";
  c.tracking_code = "7KQ2M-X9D4F";
  c.event_id = "event";
  c.started_at_us = 1779433200000000;
  c.updated_at_us = 1779433260000000;
  c.text = "Çöp alınmadı\nüç gündür";
  c.category = "cop-alinmadi";
  c.has_coordinates = true;
  c.lat = 36.7846123;
  c.lon = 34.5287456;
  c.address = "Mezitli";
  c.district = "Mezitli";
  c.media_ids = {"m1", "m2"};
  c.awaiting = "category";
  c.group = 3;
  c.page = 1;
  c.browse = true;
  c.menu = {"c:cop-alinmadi", "m:all"};
  c.last_message_id = "wamid.1";
  c.messages = 4;
  auto back = ConversationFromJson(ToJson(c).dump());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ToJson(*back), ToJson(c));
  EXPECT_DOUBLE_EQ(back->lat, 36.7846123);
  EXPECT_FALSE(ConversationFromJson("{}").ok());
  EXPECT_FALSE(ConversationFromJson("not json").ok());
  EXPECT_FALSE(ConversationFromJson(R"({"conversation_id":"a","case_id":"b","event_id":"c","messages":"x"})").ok());
}

}  // namespace
}  // namespace teksin::channel_whatsapp
