// Turkish case folding and normalisation by ICU (İ/i and I/ı are different letters), district
// names as citizens type them, and UTF-8-safe truncation for WhatsApp's limits.
#include "common/turkish_text.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/reference_data.h"

namespace teksin::common {
namespace {

TEST(TurkishLower, DottedAndDotlessIAreDifferentLetters) {
  EXPECT_EQ(TurkishLower("IĞDIR"), "ığdır");
  EXPECT_EQ(TurkishLower("İSTANBUL"), "istanbul");
  EXPECT_EQ(TurkishLower("ÇAMLIYAYLA"), "çamlıyayla");
  EXPECT_EQ(TurkishLower("YENİŞEHİR"), "yenişehir");
  EXPECT_EQ(TurkishLower("GÜLNAR ÖĞÜT ŞÜ"), "gülnar öğüt şü");
  EXPECT_EQ(TurkishLower("Âşık Îmar Ûmran"), "âşık îmar ûmran");
  EXPECT_EQ(TurkishLower("zaten küçük 123 !?"), "zaten küçük 123 !?");
}

TEST(TurkishLower, OtherScriptsByUnicodeRulesInvalidBytesUnchanged) {
  EXPECT_EQ(TurkishLower("ΕΛΛΆΔΑ 🚧"), "ελλάδα 🚧");
  std::string invalid = "A\xFF" "B";
  EXPECT_EQ(TurkishLower(invalid), "a\xFF" "b");
  // Decomposed input is composed first: "I" + U+0307 is "İ".
  EXPECT_EQ(TurkishLower("I\u0307STANBUL"), "istanbul");
}

TEST(Nfc, ComposesDecomposedLetters) {
  EXPECT_EQ(Nfc("c\u0327o\u0308p"), "çöp");
  EXPECT_EQ(Nfc("çöp"), "çöp");
  EXPECT_EQ(Nfc("a\xFF" "c\u0327"), "a\xFF" "ç");
  EXPECT_EQ(Nfc(""), "");
}

TEST(TurkishFold, OneSpellingForEveryWayOfTypingIt) {
  EXPECT_EQ(TurkishFold("GAZ KAÇAĞI"), "gaz kaçağı");
  EXPECT_EQ(TurkishFold("YANGIN"), "yangın");  // dotless: I → ı
  EXPECT_EQ(TurkishFold("İTFAİYE"), "itfaiye");
  EXPECT_EQ(TurkishFold("I\u0307TFAI\u0307YE"), "itfaiye");  // decomposed İ
  EXPECT_EQ(TurkishFold("i\u0307tfai\u0307ye"), "itfaiye");  // İ lower-cased without Turkish rules
  EXPECT_EQ(TurkishFold("Çöp ÇÖP c\u0327o\u0308p"), "çöp çöp çöp");
  EXPECT_EQ(TurkishFold("Straße"), "strasse");  // full case folding
}

TEST(FoldedWords, SplitsAtEverythingButLettersAndDigits) {
  EXPECT_EQ(FoldedWords("Tarsus'ta GAZ KAÇAĞI!"),
            (std::vector<std::string>{"tarsus", "ta", "gaz", "kaçağı"}));
  EXPECT_EQ(FoldedWords("  3. kat,   YANIYOR… 🔥"),
            (std::vector<std::string>{"3", "kat", "yanıyor"}));
  EXPECT_EQ(FoldedWords("I\u0307S\u0327"), (std::vector<std::string>{"iş"}));
  EXPECT_TRUE(FoldedWords(" ?! ").empty());
}

TEST(MatchKey, EveryWayOfTypingADistrictGivesOneKey) {
  for (const char* s : {"Yenişehir", "YENİŞEHİR", "yenisehir", "YENISEHIR", "  yeni\xC5\x9F" "ehir "}) {
    EXPECT_EQ(MatchKey(s), "yenisehir") << s;
  }
  // What a non-Turkish lower-casing makes of "İ": "i" followed by a combining dot above.
  EXPECT_EQ(MatchKey("yeni\xCC\x87" "sehir"), "yenisehir");
  EXPECT_EQ(MatchKey("Aydıncık"), "aydincik");
  EXPECT_EQ(MatchKey("AYDINCIK"), "aydincik");
  EXPECT_EQ(MatchKey("çok   fazla\tboşluk\n"), "cok fazla bosluk");
  // Decomposed letters and other accents lose their marks too.
  EXPECT_EQ(MatchKey("C\u0327AMLIYAYLA"), "camliyayla");
  EXPECT_EQ(MatchKey("Café"), "cafe");
}

TEST(FindDistrict, RecognisesDistrictsHoweverTheyAreTyped) {
  EXPECT_EQ(FindDistrict("Tarsus"), "Tarsus");
  EXPECT_EQ(FindDistrict("TARSUS"), "Tarsus");
  EXPECT_EQ(FindDistrict("tarsus'ta şehitmustafa mahallesi"), "Tarsus");
  EXPECT_EQ(FindDistrict("Mezitli’de"), "Mezitli");
  EXPECT_EQ(FindDistrict("ÇAMLIYAYLA"), "Çamlıyayla");
  EXPECT_EQ(FindDistrict("camliyayla"), "Çamlıyayla");
  EXPECT_EQ(FindDistrict("AYDINCIK"), "Aydıncık");
  EXPECT_EQ(FindDistrict("aydıncık"), "Aydıncık");
  EXPECT_EQ(FindDistrict("BOZYAZI"), "Bozyazı");
  EXPECT_EQ(FindDistrict("Yenişehir, Menteş mah."), "Yenişehir");
  EXPECT_EQ(FindDistrict("YENİŞEHİR"), "Yenişehir");
  EXPECT_EQ(FindDistrict("GÜLNAR"), "Gülnar");
  EXPECT_EQ(FindDistrict("mut"), "Mut");
}

TEST(FindDistrict, NoGuessesFromPartsOfWordsOrTwoDistricts) {
  EXPECT_EQ(FindDistrict("Mutlu sokak"), std::nullopt);  // "Mut" is a district; "Mutlu" is not
  EXPECT_EQ(FindDistrict("Akdenizli"), std::nullopt);
  EXPECT_EQ(FindDistrict("Adana"), std::nullopt);
  EXPECT_EQ(FindDistrict("Tarsus ile Mezitli arası"), std::nullopt);
  EXPECT_EQ(FindDistrict("Tarsus, TARSUS"), "Tarsus");
  EXPECT_EQ(FindDistrict(""), std::nullopt);
}

TEST(MersinDistricts, AreSpelledAsInTheBoundaryFileIntakeUses) {
  auto names = teksin::testing::RealDistricts().Districts();
  std::set<std::string> real(names.begin(), names.end());
  std::set<std::string> ours(MersinDistricts().begin(), MersinDistricts().end());
  EXPECT_EQ(ours, real);
  EXPECT_EQ(ours.size(), 13u);
}

TEST(TruncateUtf8, CountsCharactersNotBytesAndNeverSplitsOne) {
  EXPECT_EQ(Utf8Length("Çöp alınmadı"), 12u);
  EXPECT_EQ(TruncateUtf8("Çöp alınmadı", 24), "Çöp alınmadı");
  std::string cut = TruncateUtf8("Ana yol/bulvar bozukluğu, çukur", 24);
  EXPECT_EQ(Utf8Length(cut), 24u);
  EXPECT_EQ(cut, "Ana yol/bulvar bozukluğ…");
  EXPECT_EQ(TruncateUtf8("ğğğğğ", 3), "ğğ…");
}

}  // namespace
}  // namespace teksin::common
