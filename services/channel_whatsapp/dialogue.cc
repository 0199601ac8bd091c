#include "channel_whatsapp/dialogue.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/turkish_text.h"

namespace teksin::channel_whatsapp {

using common::FindDistrict;
using common::MatchKey;
using common::MersinDistricts;
using common::TruncateUtf8;
using common::TurkishLower;
using common::Utf8Length;

const char kRateLimitedText[] =
    "Kısa sürede çok sayıda mesaj gönderdiniz. Lütfen birkaç dakika sonra tekrar yazın. "
    "Acil durumlarda 112'yi arayın.";

namespace {

constexpr size_t kMaxText = 4000;       // bytes of description kept (as Open311 accepts)
constexpr size_t kMaxAddress = 500;
constexpr size_t kMaxMedia = 10;
constexpr size_t kListBodyMax = 1024;   // WhatsApp limits, in characters
constexpr size_t kRowTitleMax = 24;
constexpr size_t kRowDescriptionMax = 72;
constexpr size_t kSectionTitleMax = 24;
constexpr size_t kRowsMax = 10;

constexpr char kWelcome[] =
    "Merhaba, Mersin Büyükşehir Belediyesi Teksin ihbar ve başvuru hattına hoş geldiniz.";
constexpr char kAskText[] =
    "Lütfen bildirmek istediğiniz sorunu kısaca yazın. Fotoğraf ve konum da gönderebilirsiniz. "
    "Vazgeçmek için \"iptal\" yazın.";
constexpr char kAskLocation[] =
    "Sorun nerede? Ataş (📎) > Konum ile konumu paylaşın ya da ilçe adını yazın "
    "(örneğin Tarsus, Yenişehir, Mezitli).";
constexpr char kCancelledText[] =
    "Bildiriminiz iptal edildi. Yeni bir bildirim için istediğiniz zaman yazabilirsiniz.";
constexpr char kNothingToCancel[] =
    "Şu an açık bir bildiriminiz yok. Yeni bir bildirim için sorunu kısaca yazabilirsiniz.";
constexpr char kUnsupported[] =
    "Bu tür mesajları henüz işleyemiyoruz; lütfen yazı, fotoğraf veya konum gönderin.";
constexpr char kInvalidChoice[] = "Bu seçenek artık geçerli değil; lütfen listeden yeniden seçin.";
constexpr char kListButton[] = "Konu seçin";
constexpr char kListFooter[] = "Liste açılmıyorsa seçeneğin numarasını yazın";

bool IsCancel(const std::string& key) {
  static const std::set<std::string> kWords = {"iptal", "iptal et", "vazgec", "vazgectim",
                                               "bildirimi iptal et", "cancel"};
  return kWords.count(key) > 0;
}

bool IsGreeting(const std::string& key) {
  static const std::set<std::string> kWords = {
      "merhaba", "merhabalar", "selam", "selamlar", "slm", "mrb", "iyi gunler", "gunaydin",
      "iyi aksamlar", "selamun aleykum", "yardim", "menu", "basla", "hello", "hi"};
  return kWords.count(key) > 0;
}

// MatchKey without the punctuation around words ("İptal!" → "iptal").
std::string CommandKey(const std::string& text) {
  std::string key = MatchKey(text);
  std::string out;
  for (char c : key) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' ||
                (static_cast<unsigned char>(c) >= 0x80);
    out.push_back(keep ? c : ' ');
  }
  return MatchKey(out);
}

// For keyword look-ups: MatchKey with everything but letters and digits turned into spaces.
std::string Words(const std::string& text) {
  std::string out = " ";
  for (char c : MatchKey(text)) {
    bool letter = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (static_cast<unsigned char>(c) >= 0x80);
    out.push_back(letter ? c : ' ');
  }
  return out;
}

void AppendCapped(std::string& to, const std::string& add, size_t cap) {
  if (add.empty()) return;
  std::string joined = to.empty() ? add : absl::StrCat(to, "\n", add);
  if (joined.size() > cap) {
    // Cut at a UTF-8 boundary.
    size_t n = cap;
    while (n > 0 && (static_cast<unsigned char>(joined[n]) & 0xC0) == 0x80) --n;
    joined.resize(n);
  }
  to = std::move(joined);
}

ListRow CategoryRow(const catalogue::ServiceDef& s) {
  ListRow r;
  r.id = "c:" + s.code;
  if (Utf8Length(s.name_tr) <= kRowTitleMax) {
    r.title = s.name_tr;
    r.description = TruncateUtf8(s.description_tr, kRowDescriptionMax);
  } else {
    r.title = TruncateUtf8(s.name_tr, kRowTitleMax);
    r.description = TruncateUtf8(s.name_tr, kRowDescriptionMax);
  }
  return r;
}

// Puts notes (and the welcome) before the reply's body, within the list body limit.
void Prefix(Reply& reply, const std::vector<std::string>& notes) {
  if (notes.empty()) return;
  std::string pre = absl::StrJoin(notes, "\n\n");
  std::string body = reply.body.empty() ? pre : absl::StrCat(pre, "\n\n", reply.body);
  if (reply.kind == Reply::Kind::kList && Utf8Length(body) > kListBodyMax) {
    body = TruncateUtf8(body, kListBodyMax);
  }
  reply.body = std::move(body);
}

}  // namespace

Dialogue::Dialogue(const catalogue::Catalogue& catalogue) : catalogue_(catalogue) {
  for (const auto& s : catalogue_.services()) {
    auto it = std::find(groups_.begin(), groups_.end(), s.group);
    size_t g = static_cast<size_t>(it - groups_.begin());
    if (it == groups_.end()) {
      groups_.push_back(s.group);
      by_group_.emplace_back();
    }
    by_group_[g].push_back(&s);
  }
}

std::vector<const catalogue::ServiceDef*> Dialogue::Suggest(const std::string& text, size_t n) const {
  const std::string words = Words(text);
  std::vector<std::pair<int, const catalogue::ServiceDef*>> scored;
  for (const auto& s : catalogue_.services()) {
    int score = 0;
    for (const auto& kw : s.keywords_tr) {
      std::string k = Words(kw);
      while (!k.empty() && k.back() == ' ') k.pop_back();
      if (k.size() > 1 && words.find(k) != std::string::npos) ++score;
    }
    if (score > 0) scored.emplace_back(score, &s);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<const catalogue::ServiceDef*> out;
  for (const auto& [score, s] : scored) {
    if (out.size() == n) break;
    out.push_back(s);
  }
  return out;
}

std::string Dialogue::CompletionText(const Conversation& c) const {
  std::string text = absl::StrCat("Bildiriminiz alındı, teşekkür ederiz. Takip kodunuz: ",
                                  c.tracking_code,
                                  ". Bildiriminiz ilgili birime iletilecek; durumunu bu kodla "
                                  "sorabilirsiniz.");
  const catalogue::ServiceDef* s = catalogue_.Find(c.category);
  if (s != nullptr && s->emergency) {
    absl::StrAppend(&text, " Can ya da mal güvenliği tehlikedeyse lütfen hemen 112'yi arayın.");
  }
  return text;
}

void Dialogue::Choose(Conversation& c, const std::string& id, std::vector<std::string>& notes) const {
  auto number = [&](const std::string& s, int* out) {
    return absl::SimpleAtoi(s, out) && *out >= 0;
  };
  int n = 0;
  if (id.rfind("c:", 0) == 0 && catalogue_.Find(id.substr(2)) != nullptr) {
    c.category = id.substr(2);
    c.group = -1;
    c.page = 0;
    c.browse = false;
  } else if (id.rfind("g:", 0) == 0 && number(id.substr(2), &n) &&
             n < static_cast<int>(groups_.size())) {
    c.group = n;
  } else if (id.rfind("p:", 0) == 0 && number(id.substr(2), &n)) {
    c.page = n;
    c.group = -1;
    c.browse = true;
  } else if (id == "m:all") {
    c.browse = true;
    c.group = -1;
    c.page = 0;
  } else {
    notes.push_back(kInvalidChoice);
  }
}

Reply Dialogue::CategoryList(Conversation& c) const {
  Reply r;
  r.kind = Reply::Kind::kList;
  r.button = kListButton;
  r.footer = kListFooter;
  ListSection section;
  if (c.group >= 0 && c.group < static_cast<int>(groups_.size())) {
    const auto& group = groups_[static_cast<size_t>(c.group)];
    r.body = absl::StrCat(group, ": sorununuza en uygun seçeneği seçin.");
    section.title = TruncateUtf8(group, kSectionTitleMax);
    for (const auto* s : by_group_[static_cast<size_t>(c.group)]) {
      if (section.rows.size() == kRowsMax - 1) break;
      section.rows.push_back(CategoryRow(*s));
    }
    section.rows.push_back({"m:all", "Tüm konular", "Konu başlıklarına dön"});
  } else {
    auto suggested = c.browse ? std::vector<const catalogue::ServiceDef*>{} : Suggest(c.text, kRowsMax - 1);
    if (!suggested.empty()) {
      r.body = "Bildiriminiz hangi konuyla ilgili? Uygun olanı listeden seçin; listede yoksa "
               "\"Başka bir konu\"yu seçin.";
      section.title = "Önerilen konular";
      for (const auto* s : suggested) section.rows.push_back(CategoryRow(*s));
      section.rows.push_back({"m:all", "Başka bir konu", "Tüm konu başlıklarını göster"});
    } else {
      r.body = "Bildiriminiz hangi konuyla ilgili? Önce konu başlığını seçin.";
      section.title = "Konu başlıkları";
      const size_t total = groups_.size();
      const size_t per_page = total <= kRowsMax ? kRowsMax : kRowsMax - 1;
      const size_t pages = (total + per_page - 1) / per_page;
      size_t page = static_cast<size_t>(std::max(0, c.page));
      if (page >= pages) page = 0;
      c.page = static_cast<int>(page);
      for (size_t g = page * per_page; g < total && g < (page + 1) * per_page; ++g) {
        section.rows.push_back({absl::StrCat("g:", g), TruncateUtf8(groups_[g], kRowTitleMax),
                                absl::StrCat(by_group_[g].size(), " seçenek")});
      }
      if (pages > 1) {
        const size_t next = (page + 1) % pages;
        section.rows.push_back({absl::StrCat("p:", next),
                                next == 0 ? "İlk konulara dön" : "Diğer konular",
                                next == 0 ? "Listenin başına dön" : "Listenin devamı"});
      }
    }
  }
  c.menu.clear();
  for (const auto& row : section.rows) c.menu.push_back(row.id);
  r.sections.push_back(std::move(section));
  return r;
}

Step Dialogue::Next(Conversation& c) const {
  Step step;
  if (absl::StripAsciiWhitespace(c.text).empty()) {
    c.awaiting = "text";
    c.menu.clear();
    step.reply = Reply::Text(kAskText);
  } else if (c.category.empty()) {
    c.awaiting = "category";
    step.reply = CategoryList(c);
  } else if (!c.HasLocation()) {
    c.awaiting = "location";
    c.menu.clear();
    step.reply = Reply::Text(kAskLocation);
  } else {
    c.awaiting.clear();
    c.menu.clear();
    step.outcome = Step::Outcome::kComplete;
    step.reply = Reply::Text(CompletionText(c));
  }
  return step;
}

Step Dialogue::Apply(Conversation& c, const InboundMessage& m) const {
  const bool first = c.messages == 0;
  std::vector<std::string> notes;
  if (first) notes.push_back(kWelcome);

  if (m.type == "text" || m.type == "button") {
    const std::string t(absl::StripAsciiWhitespace(m.text));
    const std::string key = CommandKey(t);
    int n = 0;
    if (IsCancel(key)) {
      Step s;
      s.outcome = first ? Step::Outcome::kNothing : Step::Outcome::kCancelled;
      s.reply = Reply::Text(first ? kNothingToCancel : kCancelledText);
      return s;
    }
    if (t.empty() || IsGreeting(key)) {
      // Nothing to record; the next question follows.
    } else if (c.awaiting == "category" && absl::SimpleAtoi(t, &n) && n >= 1 &&
               n <= static_cast<int>(c.menu.size())) {
      Choose(c, c.menu[static_cast<size_t>(n - 1)], notes);
    } else if (c.awaiting == "location") {
      if (auto district = FindDistrict(t)) {
        c.district = *district;
        if (MatchKey(t) != MatchKey(*district)) AppendCapped(c.address, t, kMaxAddress);
      } else if (c.text.empty()) {
        AppendCapped(c.text, t, kMaxText);
      } else {
        AppendCapped(c.address, t, kMaxAddress);
        notes.push_back(absl::StrCat(
            "Yazdığınızı adres notu olarak aldık, ancak ilçeyi tanıyamadık. Mersin'in ilçeleri: ",
            absl::StrJoin(MersinDistricts(), ", "), "."));
      }
    } else {
      AppendCapped(c.text, t, kMaxText);
    }
  } else if (m.type == "location" && m.has_location) {
    c.has_coordinates = true;
    c.lat = m.latitude;
    c.lon = m.longitude;
    std::string where = m.location_name;
    if (!m.location_address.empty()) {
      where = where.empty() ? m.location_address : absl::StrCat(where, ", ", m.location_address);
    }
    if (!where.empty()) c.address = where.substr(0, kMaxAddress);
  } else if (m.type == "image" && !m.media_id.empty()) {
    if (c.media_ids.size() < kMaxMedia &&
        std::find(c.media_ids.begin(), c.media_ids.end(), m.media_id) == c.media_ids.end()) {
      c.media_ids.push_back(m.media_id);
    }
    AppendCapped(c.text, std::string(absl::StripAsciiWhitespace(m.caption)), kMaxText);
  } else if (m.type == "interactive" && !m.reply_id.empty()) {
    Choose(c, m.reply_id, notes);
  } else {
    notes.push_back(kUnsupported);
  }

  Step step = Next(c);
  Prefix(step.reply, notes);
  return step;
}

}  // namespace teksin::channel_whatsapp
