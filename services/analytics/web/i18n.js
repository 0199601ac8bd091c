// Turkish first, English available: every visible label of the dashboard.
export const TEXT = {
  tr: {
    title: 'Teksin Mersin — Başvuru Panosu', live: 'canlı', from: 'Başlangıç', to: 'Bitiş',
    district: 'İlçe', category: 'Konu', channel: 'Kanal', owner: 'Birim', granularity: 'Zaman',
    day: 'Gün', week: 'Hafta', month: 'Ay', all: 'Tümü', reset: 'Sıfırla', csv: 'CSV indir',
    bulletin: 'Aylık bülten', map: 'İlçelere göre başvuru (10.000 kişi başına)',
    drill: 'İlçe ayrıntısı', 'drill-hint': 'haritada bir ilçe seçin', neighbourhoods: 'Mahalleler',
    'top-categories': 'En çok başvurulan konular', series: 'Zaman serisi', rising: 'Yükselen konular',
    'by-category': 'Konuya göre', 'by-owner': 'Birime göre', resolution: 'Çözüm süresi (saat)',
    forwards: 'Dış kurumlara iletilen', 'by-channel': 'Kanala göre', 'by-type': 'Başvuru türüne göre',
    'by-age': 'Yaş grubuna göre', satisfaction: 'Memnuniyet',
    footer: 'Tüm rakamlar Kafka olay kaydından türetilir; sayfa her 5 saniyede yenilenir.',
    contacts: 'Temas', cases: 'Başvuru', routed: 'Yönlendirilen', forwarded: 'Dış kuruma',
    resolved: 'Çözülen', reopened: 'Yeniden açılan', ratio: 'Temas → başvuru',
    sameDay: 'Aynı gün cevap', compliance: 'Süresinde çözüm', repeat: 'Tekrar oranı',
    duplicate: 'Mükerrer oranı', meanSat: 'Memnuniyet (1–5)', daysToResolve: 'Ort. çözüm (gün)',
    emergencies: 'Acil', breaches: 'Süre aşımı', per10k: '10.000 kişi başına', population: 'Nüfus',
    name: 'Ad', count: 'Adet', p50: 'p50', p90: 'p90', p99: 'p99', recent: 'Son dönem',
    baseline: 'Beklenen', none: 'Kayıt yok', rating: 'Puan', language: 'English', updated: 'güncellendi',
    unknown: 'bilinmiyor',
  },
  en: {
    title: 'Teksin Mersin — Requests dashboard', live: 'live', from: 'From', to: 'To',
    district: 'District', category: 'Topic', channel: 'Channel', owner: 'Unit', granularity: 'Period',
    day: 'Day', week: 'Week', month: 'Month', all: 'All', reset: 'Reset', csv: 'Download CSV',
    bulletin: 'Monthly bulletin', map: 'Cases by district (per 10,000 residents)',
    drill: 'District detail', 'drill-hint': 'pick a district on the map', neighbourhoods: 'Neighbourhoods',
    'top-categories': 'Top topics', series: 'Time series', rising: 'Rising topics',
    'by-category': 'By topic', 'by-owner': 'By unit', resolution: 'Time to resolve (hours)',
    forwards: 'Forwarded to outside institutions', 'by-channel': 'By channel', 'by-type': 'By request type',
    'by-age': 'By age group', satisfaction: 'Satisfaction',
    footer: 'Every figure is derived from the Kafka event record; the page refreshes every 5 seconds.',
    contacts: 'Contacts', cases: 'Cases', routed: 'Routed', forwarded: 'Forwarded',
    resolved: 'Resolved', reopened: 'Reopened', ratio: 'Contact → case',
    sameDay: 'Same-day answer', compliance: 'Within deadline', repeat: 'Repeat rate',
    duplicate: 'Duplicate rate', meanSat: 'Satisfaction (1–5)', daysToResolve: 'Avg. days to resolve',
    emergencies: 'Emergencies', breaches: 'Deadline breaches', per10k: 'per 10,000', population: 'Population',
    name: 'Name', count: 'Count', p50: 'p50', p90: 'p90', p99: 'p99', recent: 'Recent',
    baseline: 'Expected', none: 'Nothing yet', rating: 'Rating', language: 'Türkçe', updated: 'updated',
    unknown: 'unknown',
  },
};

export const CHANNELS = {
  call_center: { tr: 'Alo 185 çağrı merkezi', en: 'Alo 185 call centre' },
  whatsapp: { tr: 'WhatsApp', en: 'WhatsApp' },
  mobile_app: { tr: 'Mobil uygulama', en: 'Mobile app' },
  web: { tr: 'Web', en: 'Web' },
  walk_in: { tr: 'Beyaz masa (yüz yüze)', en: 'Walk-in desk' },
  unspecified: { tr: 'Belirtilmemiş', en: 'Unspecified' },
};

export const REQUEST_TYPES = {
  request: { tr: 'Talep', en: 'Request' }, complaint: { tr: 'Şikâyet', en: 'Complaint' },
  suggestion: { tr: 'Öneri', en: 'Suggestion' }, wish: { tr: 'Dilek', en: 'Wish' },
  tip: { tr: 'İhbar', en: 'Tip-off' }, information: { tr: 'Bilgi', en: 'Information' },
  thanks: { tr: 'Teşekkür', en: 'Thanks' }, unspecified: { tr: 'Belirtilmemiş', en: 'Unspecified' },
};

export function t(lang, key) {
  return (TEXT[lang] && TEXT[lang][key]) || TEXT.tr[key] || key;
}

export function applyStatic(lang) {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = t(lang, el.dataset.i18n);
  }
}
