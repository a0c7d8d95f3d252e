// Multi-year plans: the "plan" solve option (shown when the scenario has pupils for several
// years) and the timeline tab of a finished plan job: one row per school year with its KPIs
// and targets met / missed, the targets judged per year, each year's result.json to
// download, and the offline timeline page (charts) in a frame.
import { call, download } from "./api.js";
import { currentLang, fmt, t } from "./i18n.js";
import { $, showTab, state } from "./state.js";
import { renderTable } from "./tables.js";

// the timeline's columns shown (labels from the horizon catalog, as on timeline.html)
const KPI_COLUMNS = ["pupils", "classes_over_cap", "largest_class", "boarders",
  "beds_short", "schools_open", "annual_cost_yuan", "pupil_km", "pupils_moved"];
const TARGET_COLUMNS = ["id", "kpi", "op", "value", "actual", "amount"];

// the school years of the scenario's students_by_year (sorted), [] when it has none
export function scenarioYears(scenario) {
  const years = new Set();
  for (const block of scenario?.blocks || []) {
    for (const key of Object.keys(block.students_by_year || {})) {
      if (/^\d{4}$/.test(key)) years.add(Number(key));
    }
  }
  return [...years].sort((a, b) => a - b);
}

// show the plan option for a scenario with pupils for at least two years
export function offerPlan(scenario) {
  const years = scenarioYears(scenario);
  const several = years.length >= 2;
  $("plan-option").hidden = !several;
  $("plan").checked = false;
  $("plan-years").value = several ? `${years[0]}-${years[years.length - 1]}` : "";
}

// the query of a plan job ("kind=plan&years=..."), empty when the option is off
export function planQuery(params) {
  if ($("plan-option").hidden || !$("plan").checked) return;
  params.set("kind", "plan");
  if ($("plan-years").value.trim()) params.set("years", $("plan-years").value.trim());
}

function targetsCell(row) {
  const met = row.targets_met || 0;
  const missed = row.targets_missed || 0;
  if (!met && !missed) return "–";
  return t("wb.timeline.targets_cell", { met: fmt(met, 0), missed: fmt(missed, 0) });
}

function renderRows(jobId, rows) {
  const table = $("timeline-table");
  const columns = [{ key: "year", label: "horizon.col.year", show: (r) => String(r.year) },
    { key: "status", label: "horizon.col.status", show: (r) => t(`wb.status.${r.status}`) },
    ...KPI_COLUMNS.map((key) => ({ key, label: `horizon.col.${key}` })),
    { key: "targets", label: "wb.timeline.targets", show: targetsCell }];
  renderTable(table, columns, rows);
  const head = table.tHead.rows[0];
  head.appendChild(document.createElement("th")).textContent = t("wb.timeline.year_result");
  rows.forEach((row, i) => {
    const tr = table.tBodies[0].rows[i];
    tr.dataset.year = String(row.year);
    if (row.targets_missed) tr.classList.add("missed");
    const button = document.createElement("button");
    button.textContent = t("wb.dl.result");
    button.addEventListener("click", () => download(`/v1/jobs/${jobId}/years/${row.year}/result`,
      `${jobId}-${row.year}-result.json`));
    tr.insertCell().appendChild(button);
  });
}

function renderTargets(targets) {
  $("timeline-targets-part").hidden = !targets.length;
  const columns = [{ key: "year", label: "horizon.target.year", show: (r) => String(r.year) },
    ...TARGET_COLUMNS.map((key) => ({ key, label: `horizon.target.${key}` })),
    { key: "met", label: "horizon.target.met",
      show: (r) => t(r.met ? "wb.timeline.met" : "wb.timeline.missed") }];
  renderTable($("timeline-targets"), columns, targets);
}

// show the timeline of the finished plan job `jobId` on the timeline tab
export async function showTimeline(jobId) {
  const timeline = await call(`/v1/jobs/${jobId}/timeline`);
  state.timelineJob = jobId;
  state.timeline = timeline;
  $("timeline-empty").hidden = true;
  $("timeline-body").hidden = false;
  renderTimeline();
  showTab("timeline");
  await loadTimelinePage();
  document.body.dataset.timeline = jobId;
}

// the offline timeline page (charts) of the shown plan, in the page's language, in the frame
export async function loadTimelinePage() {
  if (!state.timelineJob) return;
  const page = await call(`/v1/jobs/${state.timelineJob}/timeline.html?lang=${currentLang()}`);
  $("timeline-frame").srcdoc = page;
}

// draw the shown timeline again (after a language switch)
export function renderTimeline() {
  const timeline = state.timeline;
  if (!timeline) return;
  $("timeline-name").textContent = t("wb.timeline.name", { name: timeline.scenario,
    first: timeline.years[0], last: timeline.years[timeline.years.length - 1] });
  renderRows(state.timelineJob, timeline.rows);
  renderTargets(timeline.targets || []);
}

export function wireTimeline() {
  $("timeline-html").addEventListener("click", () => download(
    `/v1/jobs/${state.timelineJob}/timeline.html?lang=${currentLang()}`,
    `${state.timelineJob}-timeline-${currentLang()}.html`));
  $("timeline-json").addEventListener("click", () => download(
    `/v1/jobs/${state.timelineJob}/timeline`, `${state.timelineJob}-timeline.json`));
  $("plan").addEventListener("change", () => { $("plan-years").disabled = !$("plan").checked; });
}
