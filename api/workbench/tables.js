// Tables and cards of the page: KPI cards, findings, violations, schools, teacher moves and
// quota, left-behind children, investments, the comparison. Cells are set as text (never
// as HTML), so names from a workbook cannot inject markup.
import { fmt, pct, t } from "./i18n.js";

// columns: [{key, label (catalog key), show: (row) => text}]; rows: objects
export function renderTable(table, columns, rows, onRowClick = null) {
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const col of columns) {
    const th = document.createElement("th");
    th.textContent = t(col.label);
    head.appendChild(th);
  }
  const body = table.createTBody();
  if (!rows.length) {
    const cell = body.insertRow().insertCell();
    cell.colSpan = columns.length;
    cell.textContent = t("wb.table.empty");
    return;
  }
  for (const row of rows) {
    const tr = body.insertRow();
    for (const col of columns) {
      const value = col.show ? col.show(row) : row[col.key];
      tr.insertCell().textContent = typeof value === "number" ? fmt(value) : (value ?? "–");
    }
    if (onRowClick) {
      tr.classList.add("clickable");
      tr.addEventListener("click", () => {
        for (const other of body.querySelectorAll("tr.selected")) other.classList.remove("selected");
        tr.classList.add("selected");
        onRowClick(row);
      });
    }
  }
}

export function renderFindings(table, findings) {
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const f of findings) {
    const tr = body.insertRow();
    tr.className = f.severity;
    for (const text of [t(`wb.severity.${f.severity}`), f.record || f.path || "–",
      f.field || "–", f.message]) tr.insertCell().textContent = text;
  }
}

// the KPI cards: [catalog key, value text]; `base` (kpis before hand edits) adds a delta
const CARDS = [
  ["wb.kpi.pupils", (k) => fmt(k.pupils, 0), (k) => k.pupils],
  ["wb.kpi.mean_km_primary", (k) => fmt(k.travel?.primary?.mean_km), (k) => k.travel?.primary?.mean_km],
  ["wb.kpi.mean_km_junior", (k) => fmt(k.travel?.junior?.mean_km), (k) => k.travel?.junior?.mean_km],
  ["wb.kpi.beyond_radius", (k) => fmt((k.beyond_day_radius?.primary || 0)
    + (k.beyond_day_radius?.junior || 0), 0), (k) => (k.beyond_day_radius?.primary || 0)
    + (k.beyond_day_radius?.junior || 0)],
  ["wb.kpi.boarders", (k) => `${fmt(k.boarding?.boarders, 0)} / ${fmt(k.boarding?.beds, 0)}`,
    (k) => k.boarding?.boarders],
  ["wb.kpi.beds_short", (k) => fmt(k.boarding?.beds_short, 0), (k) => k.boarding?.beds_short],
  ["wb.kpi.largest_class", (k) => `${fmt(k.classes?.primary?.largest_class, 0)} / `
    + `${fmt(k.classes?.junior?.largest_class, 0)}`, (k) => k.classes?.primary?.largest_class],
  ["wb.kpi.utilisation", (k) => `${pct(k.utilisation?.mean)} (${pct(k.utilisation?.max)})`,
    (k) => k.utilisation?.mean],
  ["wb.kpi.over_rooms", (k) => fmt(k.utilisation?.schools_over_rooms, 0),
    (k) => k.utilisation?.schools_over_rooms],
  ["wb.kpi.moved", (k) => fmt(k.moved_pupils, 0), (k) => k.moved_pupils],
  ["wb.kpi.open_schools", (k) => fmt(k.open_schools, 0), (k) => k.open_schools],
  ["wb.kpi.funding", (k) => fmt(k.funding?.total_yuan, 0), (k) => k.funding?.total_yuan],
];

export function renderKpis(box, kpis, base = null, status = null) {
  box.replaceChildren();
  if (status) addCard(box, t("wb.kpi.status"), t(`wb.status.${status}`), "");
  for (const [key, show, number] of CARDS) {
    let delta = "";
    if (base) {
      const d = (number(kpis) ?? 0) - (number(base) ?? 0);
      const shown = fmt(Math.abs(d));
      if (shown !== "0") delta = (d > 0 ? "+" : "−") + shown;
    }
    addCard(box, t(key), show(kpis), delta);
  }
}

function addCard(box, label, value, delta) {
  const card = document.createElement("div");
  card.className = "card";
  const name = document.createElement("div");
  name.className = "label";
  name.textContent = label;
  const figure = document.createElement("div");
  figure.className = "value";
  figure.textContent = value;
  card.append(name, figure);
  if (delta) {
    const change = document.createElement("div");
    change.className = "delta";
    change.textContent = delta;
    card.append(change);
  }
  box.appendChild(card);
}

export const VIOLATION_COLUMNS = [
  { label: "wb.col.rule", show: (v) => (t(`rule.${v.rule}`) === `rule.${v.rule}` ? v.rule
    : t(`rule.${v.rule}`)) },
  { label: "wb.col.subject", show: (v) => v.subject },
  { label: "wb.col.amount", show: (v) => `${fmt(v.amount)} ${v.unit || ""}` },
  { label: "wb.col.message", show: (v) => v.message },
];

export const SCHOOL_COLUMNS = [
  { label: "wb.col.school", show: (s) => s.id },
  { label: "wb.col.name", show: (s) => s.name },
  { label: "wb.col.enrolment", show: (s) => s.enrolment },
  { label: "wb.col.classes", show: (s) => s.classes },
  { label: "wb.col.classrooms", show: (s) => s.classrooms },
  { label: "wb.col.utilisation", show: (s) => pct(s.utilisation) },
  { label: "wb.col.max_class", show: (s) => s.max_class_size },
  { label: "wb.col.boarders", show: (s) => s.boarders },
  { label: "wb.col.beds", show: (s) => s.beds },
  { label: "wb.col.teachers", show: (s) => (s.teachers_before === null ? "–"
    : `${fmt(s.teachers_before, 0)} → ${fmt(s.teachers_after, 0)}`) },
];

export const MOVE_COLUMNS = [
  { label: "wb.col.teacher", show: (m) => m.teacher },
  { label: "wb.col.from", show: (m) => m.from },
  { label: "wb.col.to", show: (m) => m.to },
  { label: "wb.col.subject_taught", show: (m) => m.subject },
  { label: "wb.col.backbone", show: (m) => (m.backbone ? t("wb.yes") : t("wb.no")) },
  { label: "wb.col.distance", show: (m) => m.distance_km },
  { label: "wb.col.reason", show: (m) => m.reason },
];

export const INVESTMENT_COLUMNS = [
  { label: "wb.col.school", show: (i) => i.school },
  { label: "wb.col.what", show: (i) => t(`wb.invest.${i.what}`) },
  { label: "wb.col.count", show: (i) => i.count },
  { label: "wb.col.cost", show: (i) => i.cost_yuan },
  { label: "wb.col.annual_cost", show: (i) => i.annual_cost_yuan },
];

// a definition list of [catalog key, value] pairs
export function renderFacts(dl, pairs) {
  dl.replaceChildren();
  for (const [key, value] of pairs) {
    const dt = document.createElement("dt");
    dt.textContent = t(key);
    const dd = document.createElement("dd");
    dd.textContent = typeof value === "number" ? fmt(value) : (value ?? "–");
    dl.append(dt, dd);
  }
}
