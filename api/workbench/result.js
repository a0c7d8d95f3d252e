// The result of one job: KPI cards, map, violations, schools, teacher moves and quota,
// left-behind children, investments, downloads. Table rows highlight their place on the map.
import { call, download } from "./api.js";
import { currentLang, fmt, t } from "./i18n.js";
import { highlight, showLayers } from "./map.js";
import { $, showTab, state } from "./state.js";
import {
  INVESTMENT_COLUMNS, MOVE_COLUMNS, SCHOOL_COLUMNS, VIOLATION_COLUMNS, renderFacts,
  renderKpis, renderTable,
} from "./tables.js";
import { loadEdits } from "./edits.js";

let layers = null;

export async function showJob(jobId) {
  state.shownJob = jobId;
  history.replaceState(null, "", `#job=${jobId}`);
  state.result = await call(`/v1/jobs/${jobId}/result`);
  layers = await call(`/v1/jobs/${jobId}/layers.json`);
  state.editState = null;
  state.edits = [];
  $("result-empty").hidden = true;
  $("result-body").hidden = false;
  showTab("result");
  renderResult(true);
  await loadEdits(jobId);
}

// draw the shown result again (after an edit: the figures; with `redrawMap`, after a new
// job or a language switch, the map too; edits do not change the job's map layers)
export function renderResult(redrawMap = false) {
  const result = state.result;
  if (!result) return;
  const edited = state.editState && state.editState.edits.length ? state.editState : null;
  $("result-name").textContent = `${result.scenario} · ${t(`wb.status.${result.status}`)}`;
  $("print-title").textContent = `${t("wb.title")}: ${result.scenario}`;
  renderKpis($("kpis"), edited ? edited.kpis : result.kpis, edited ? edited.kpis_base : null,
    result.status);
  const violations = edited ? edited.violations : result.violations;
  renderTable($("violations-table"), VIOLATION_COLUMNS, violations,
    (v) => highlight("school", v.subject) || highlight("block", v.subject));
  renderTable($("schools-table"), SCHOOL_COLUMNS, edited ? edited.schools : result.schools,
    (s) => highlight("school", s.id));
  renderLeftBehind(result);
  renderInvestments(result);
  renderTeachers(result);
  renderDownloads(state.shownJob);
  if (layers && redrawMap) showLayers(layers);
}

function renderLeftBehind(result) {
  const lb = result.kpis.left_behind;
  $("left-behind-part").hidden = !lb || !lb.pupils;
  if (!lb) return;
  renderFacts($("left-behind"), [["wb.lb.pupils", lb.pupils], ["wb.lb.boarders", lb.boarders],
    ["wb.lb.with_bed", lb.with_bed], ["wb.lb.without_bed", lb.without_bed],
    ["wb.lb.schools_short", lb.schools_short]]);
}

function renderInvestments(result) {
  const rows = result.investments || [];
  $("investments-part").hidden = !rows.length;
  renderTable($("investments-table"), INVESTMENT_COLUMNS, rows,
    (i) => highlight("school", i.school));
  const total = result.investments_total || {};
  $("investments-total").textContent = t("wb.invest.total", {
    classrooms: fmt(total.classrooms, 0), beds: fmt(total.beds, 0),
    cost: fmt(total.cost_yuan, 0) });
}

function renderTeachers(result) {
  const teachers = result.teachers;
  const quota = teachers && teachers.quota;
  $("teachers-part").hidden = !quota;
  if (!quota) return;
  renderFacts($("quota"), [["wb.quota.eligible", quota.eligible],
    ["wb.quota.required", quota.required], ["wb.quota.rotating", quota.rotating],
    ["wb.quota.backbone_required", quota.backbone_required],
    ["wb.quota.backbone_rotating", quota.backbone_rotating]]);
  renderTable($("moves-table"), MOVE_COLUMNS, teachers.moves || [],
    (m) => highlight("school", m.to));
}

const DOWNLOADS = [
  ["wb.dl.result", (id) => [`/v1/jobs/${id}/result`, `${id}-result.json`]],
  ["wb.dl.assignments", (id) => [`/v1/jobs/${id}/assignments.csv`, `${id}-assignments.csv`]],
  ["wb.dl.schools", (id) => [`/v1/jobs/${id}/tables/schools.csv`, `${id}-schools.csv`]],
  ["wb.dl.rotation", (id) => [`/v1/jobs/${id}/tables/rotation.csv`, `${id}-rotation.csv`]],
  ["wb.dl.staffing", (id) => [`/v1/jobs/${id}/tables/staffing.csv`, `${id}-staffing.csv`]],
  ["wb.dl.geojson", (id) => [`/v1/jobs/${id}/catchments.geojson`,
    `${id}-catchments.geojson`]],
  ["wb.dl.gpkg", (id) => [`/v1/jobs/${id}/catchments.gpkg`, `${id}.gpkg`]],
  ["wb.dl.map", (id) => [`/v1/jobs/${id}/map`, `${id}-map.html`]],
  ["wb.dl.report", (id) => [`/v1/jobs/${id}/report.xlsx?lang=${currentLang()}`,
    `${id}-report-${currentLang()}.xlsx`]],
];

function renderDownloads(jobId) {
  const box = $("downloads");
  box.replaceChildren();
  for (const [key, target] of DOWNLOADS) {
    const button = document.createElement("button");
    button.textContent = t(key);
    button.dataset.download = key;
    button.addEventListener("click", () => {
      const [path, name] = target(jobId);
      download(path, name);
    });
    box.appendChild(button);
  }
}
