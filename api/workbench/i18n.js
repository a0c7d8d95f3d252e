// The page's texts: every label comes from the server's catalogs (/workbench/catalog.json),
// in zh-CN or en; the default language is the browser's, a choice is kept in localStorage.
let texts = {};
let lang = "en";

export function pickLanguage() {
  const kept = localStorage.getItem("workbench.lang");
  if (kept === "zh-CN" || kept === "en") return kept;
  const asked = navigator.languages && navigator.languages.length
    ? navigator.languages : [navigator.language || "en"];
  for (const tag of asked) {
    const low = String(tag).toLowerCase();
    if (low.startsWith("zh")) return "zh-CN";
    if (low.startsWith("en")) return "en";
  }
  return "en";
}

export async function loadTexts() {
  const answer = await fetch("/workbench/catalog.json");
  texts = (await answer.json()).texts;
}

export function currentLang() { return lang; }

export function setLang(value) {
  lang = value;
  localStorage.setItem("workbench.lang", value);
  document.documentElement.lang = value;
}

// the text of `key` with {placeholders} filled; the key itself when the catalog lacks it
// (a test keeps every key the page uses in both languages)
export function t(key, fields = {}) {
  const entry = texts[key];
  const text = entry ? (entry[lang] || entry.en) : key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in fields ? String(fields[name]) : m));
}

export function hasText(key) { return key in texts; }

// fill every element marked data-i18n under `root`
export function applyTexts(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}

export function fmt(value, digits = 2) {
  if (value === null || value === undefined || value === "") return "–";
  if (typeof value !== "number") return String(value);
  const locale = lang === "zh-CN" ? "zh-CN" : "en-GB";
  return value.toLocaleString(locale, { maximumFractionDigits: digits });
}

export function pct(value) {
  return value === null || value === undefined ? "–" : fmt(100 * value, 1) + "%";
}
