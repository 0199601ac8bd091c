#include "analytics/bulletin.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "catalogue/catalogue.h"
#include "nlohmann/json.hpp"

namespace teksin::analytics {
namespace {

std::string Esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Pct(double r) { return absl::StrFormat("%.1f %%", r * 100.0); }

std::string Num(int64_t n) {
  // 1.234.567 as Turkish and most European bulletins write it.
  std::string s = std::to_string(n), out;
  int k = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    if (k > 0 && k % 3 == 0 && *it != '-') out += '.';
    out += *it;
    ++k;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

struct Text {
  const char* tr;
  const char* en;
};

const char* T(const Text& t, bool en) { return en ? t.en : t.tr; }

const char* kMonthsTr[] = {"Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz",
                           "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık"};
const char* kMonthsEn[] = {"January", "February", "March", "April", "May", "June", "July",
                           "August", "September", "October", "November", "December"};

std::string RequestTypeLabel(const std::string& t, bool en) {
  static const std::map<std::string, Text> k = {
      {"request", {"Talep", "Request"}},         {"complaint", {"Şikâyet", "Complaint"}},
      {"suggestion", {"Öneri", "Suggestion"}},   {"wish", {"Dilek", "Wish"}},
      {"tip", {"İhbar", "Tip-off"}},             {"information", {"Bilgi", "Information"}},
      {"thanks", {"Teşekkür", "Thanks"}},        {"unspecified", {"Belirtilmemiş", "Unspecified"}}};
  auto it = k.find(t);
  return it == k.end() ? t : T(it->second, en);
}

// A table of slices: name, cases, resolved, share of all cases.
void Table(std::string& html, const char* title, const char* col,
           std::vector<std::pair<std::string, v1::Measures>> rows, int64_t all_cases, bool en,
           bool by_forwarded = false) {
  std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    return by_forwarded ? a.second.routed() + a.second.reroutes() > b.second.routed() + b.second.reroutes()
                        : a.second.cases() > b.second.cases();
  });
  absl::StrAppend(&html, "<h2>", title, "</h2><table><thead><tr><th>", col, "</th>");
  if (by_forwarded) {
    absl::StrAppend(&html, "<th>", T({"Yönlendirilen", "Routed"}, en), "</th><th>",
                    T({"Çözülen", "Resolved"}, en), "</th><th>", T({"Dış kuruma", "Forwarded"}, en),
                    "</th></tr></thead><tbody>");
  } else {
    absl::StrAppend(&html, "<th>", T({"Başvuru", "Cases"}, en), "</th><th>",
                    T({"Çözülen", "Resolved"}, en), "</th><th>", T({"Pay", "Share"}, en),
                    "</th></tr></thead><tbody>");
  }
  // Rows with nothing to report (e.g. contacts whose district the channel did not know).
  std::erase_if(rows, [&](const auto& r) {
    return by_forwarded ? r.second.routed() + r.second.reroutes() + r.second.resolved() == 0
                        : r.second.cases() + r.second.resolved() == 0;
  });
  for (const auto& [name, m] : rows) {
    if (by_forwarded) {
      absl::StrAppend(&html, "<tr><td>", Esc(name), "</td><td>", Num(m.routed() + m.reroutes()),
                      "</td><td>", Num(m.resolved()), "</td><td>", Num(m.forwarded()), "</td></tr>");
    } else {
      absl::StrAppend(&html, "<tr><td>", Esc(name), "</td><td>", Num(m.cases()), "</td><td>",
                      Num(m.resolved()), "</td><td>",
                      all_cases > 0 ? Pct(static_cast<double>(m.cases()) / all_cases) : "–",
                      "</td></tr>");
    }
  }
  if (rows.empty()) absl::StrAppend(&html, "<tr><td colspan=4>–</td></tr>");
  html += "</tbody></table>";
}

}  // namespace

absl::StatusOr<Labels> Labels::Load(const std::string& catalogue_file, const std::string& rules_file) {
  Labels l;
  auto cat = catalogue::Catalogue::LoadFile(catalogue_file);
  if (!cat.ok()) return cat.status();
  for (const auto& s : cat->services()) l.category[s.code] = {s.name_tr, s.name_en};
  std::ifstream in(rules_file);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", rules_file));
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.contains("owners") || !j["owners"].is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(rules_file, ": no owners array"));
  }
  for (const auto& o : j["owners"]) {
    l.owner[o.value("id", "")] = {o.value("name", ""), o.value("kind", "")};
  }
  return l;
}

std::string Labels::CategoryName(const std::string& code, bool english) const {
  auto it = category.find(code);
  if (it == category.end()) return code;
  return english && !it->second.en.empty() ? it->second.en : it->second.tr;
}

std::string Labels::OwnerName(const std::string& id) const {
  auto it = owner.find(id);
  return it == owner.end() || it->second.tr.empty() ? id : it->second.tr;
}

std::string BulletinHtml(const std::string& month, const v1::Figures& f, const Labels& labels,
                         const std::string& lang) {
  const bool en = lang == "en";
  int y = 0, m = 0;
  (void)sscanf(month.c_str(), "%d-%d", &y, &m);
  std::string month_name =
      m >= 1 && m <= 12 ? absl::StrCat(en ? kMonthsEn[m - 1] : kMonthsTr[m - 1], " ", y) : month;
  const v1::Measures& t = f.totals();
  std::string html = absl::StrCat(
      "<!doctype html><html lang=\"", en ? "en" : "tr", "\"><head><meta charset=\"utf-8\"><title>",
      T({"Teksin Mersin aylık bülten", "Teksin Mersin monthly bulletin"}, en), " — ", month_name,
      "</title><style>"
      "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em;color:#222}"
      "h1{color:#8b0000;border-bottom:3px solid #8b0000;padding-bottom:.2em}"
      "h2{margin-top:1.4em;color:#333;font-size:1.1em}"
      "table{border-collapse:collapse;width:100%;margin:.4em 0}"
      "th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left}"
      "td:not(:first-child),th:not(:first-child){text-align:right}"
      "th{background:#eee}.kpis{display:flex;flex-wrap:wrap;gap:.8em}"
      ".kpi{border:1px solid #ccc;padding:.6em 1em;min-width:9em}.kpi b{display:block;font-size:1.5em}"
      "@media print{body{margin:1cm}.noprint{display:none}h2{page-break-after:avoid}"
      "table{page-break-inside:avoid}}"
      "</style></head><body>",
      "<p class=\"noprint\"><a href=\"?month=", month, "&lang=", en ? "tr" : "en", "\">",
      en ? "Türkçe" : "English", "</a> · <a href=\"javascript:window.print()\">",
      T({"Yazdır / PDF", "Print / PDF"}, en), "</a></p>", "<h1>",
      T({"Mersin Büyükşehir Belediyesi — Teksin Mersin", "Mersin Metropolitan Municipality — Teksin Mersin"}, en),
      "<br><small>", T({"Aylık Başvuru Bülteni", "Monthly bulletin of citizen requests"}, en), ": ",
      month_name, "</small></h1>");

  absl::StrAppend(&html, "<div class=\"kpis\">");
  auto kpi = [&](const Text& label, const std::string& value) {
    absl::StrAppend(&html, "<div class=\"kpi\"><b>", value, "</b>", T(label, en), "</div>");
  };
  kpi({"Toplam temas (çağrı, mesaj, başvuru)", "Contacts (calls, messages, requests)"}, Num(t.contacts()));
  kpi({"Kayda alınan başvuru", "Cases recorded"}, Num(t.cases()));
  kpi({"Yerinde cevaplanan", "Answered on the spot"}, Num(t.answered_on_spot()));
  kpi({"Çözülen", "Resolved"}, Num(t.resolved()));
  kpi({"Dış kuruma iletilen", "Forwarded to outside institutions"}, Num(t.forwarded()));
  kpi({"Aynı gün cevaplama oranı", "Same-day answer rate"}, Pct(f.rates().same_day_answer_rate()));
  kpi({"Ortalama çözüm süresi (gün)", "Average days to resolve"},
      absl::StrFormat("%.1f", f.rates().mean_days_to_resolve()));
  kpi({"Süresinde çözülen", "Resolved within deadline"}, Pct(f.rates().deadline_compliance()));
  if (t.ratings() > 0) {
    kpi({"Memnuniyet (1–5)", "Satisfaction (1–5)"}, absl::StrFormat("%.2f", f.rates().mean_satisfaction()));
  }
  absl::StrAppend(&html, "</div>");

  std::vector<std::pair<std::string, v1::Measures>> rows;
  for (const auto& s : f.by_owner()) rows.emplace_back(labels.OwnerName(s.key()), s.m());
  Table(html, T({"Kurumlara göre", "By institution"}, en), T({"Kurum / birim", "Institution / unit"}, en),
        rows, t.cases(), en, /*by_forwarded=*/true);
  rows.clear();
  for (const auto& s : f.by_request_type()) rows.emplace_back(RequestTypeLabel(s.key(), en), s.m());
  Table(html, T({"Başvuru türüne göre", "By type"}, en), T({"Tür", "Type"}, en), rows, t.cases(), en);
  rows.clear();
  for (const auto& s : f.by_category()) rows.emplace_back(labels.CategoryName(s.key(), en), s.m());
  Table(html, T({"Konuya göre", "By topic"}, en), T({"Konu", "Topic"}, en), rows, t.cases(), en);
  rows.clear();
  for (const auto& s : f.by_district()) rows.emplace_back(s.key(), s.m());
  Table(html, T({"İlçelere göre", "By district"}, en), T({"İlçe", "District"}, en), rows, t.cases(), en);
  rows.clear();
  for (const auto& s : f.by_channel()) rows.emplace_back(s.key(), s.m());
  Table(html, T({"Kanala göre", "By channel"}, en), T({"Kanal", "Channel"}, en), rows, t.cases(), en);

  absl::StrAppend(&html, "<p><small>",
                  T({"Kaynak: Teksin analitik servisi; tüm rakamlar Kafka olay kaydından türetilir. "
                     "Dönem: ",
                     "Source: the Teksin analytics service; every figure is derived from the Kafka "
                     "event record. Period: "},
                    en),
                  f.from(), " – ", f.to(), ".</small></p></body></html>");
  return html;
}

}  // namespace teksin::analytics
