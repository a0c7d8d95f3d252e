// The workbench page: start-up (settings, texts, language, token), the data tab (upload a
// scenario JSON or the Excel template; findings with sheet, row and column) and the wiring
// of the other tabs. No build step: plain ES modules served as they are.
import { askToken, call, download, useTokens } from "./api.js";
import { applyTexts, currentLang, loadTexts, pickLanguage, setLang, t } from "./i18n.js";
import { initMap, mapNote, refreshSize, setBoundary } from "./map.js";
import { $, notify, showTab, state } from "./state.js";
import { renderFindings } from "./tables.js";
import { cancelRunning, submit } from "./jobs.js";
import { renderResult, showJob } from "./result.js";
import { openBlock, wireEdits } from "./edits.js";
import { renderLayout, wireLayout } from "./layout.js";
import { listJobs, wireCompare } from "./compare.js";
import {
  loadTimelinePage, offerPlan, renderTimeline, showTimeline, wireTimeline,
} from "./timeline.js";

function showFindings(findings) {
  $("findings").hidden = !findings.length;
  renderFindings($("findings-table"), findings);
}

function jsonFinding(message) {
  return { severity: "error", code: "json", message, record: null, field: null };
}

// read the chosen file: a workbook through /v1/scenarios/import, a JSON document through
// /v1/scenarios/validate; a scenario with errors is not kept (nothing can be solved)
async function loadFile(file) {
  notify(t("wb.data.reading", { file: file.name }));
  state.scenario = null;
  $("scenario-summary").hidden = true;
  $("solve-button").disabled = true;
  let report;
  let scenario = null;
  if (/\.xls[xm]$/i.test(file.name)) {
    report = await call("/v1/scenarios/import", { method: "POST", body: file });
    scenario = report.scenario;
  } else {
    const text = await file.text();
    try {
      scenario = JSON.parse(text);
    } catch (err) {
      report = { valid: false, findings: [jsonFinding(t("wb.data.not_json",
        { error: err.message }))] };
    }
    if (scenario !== null) {
      report = await call("/v1/scenarios/validate", { method: "POST",
        body: new Blob([text], { type: "application/json" }) });
    }
  }
  showFindings(report.findings || []);
  if (!report.valid) {
    notify(t("wb.data.invalid", { n: report.errors ?? report.findings.length }), "error");
    return;
  }
  accept(scenario, file.name);
}

function accept(scenario, source) {
  state.scenario = scenario;
  state.source = source;
  state.baseJob = null;
  state.layoutOps = [];
  const facts = t("wb.data.facts", { name: scenario.name || "scenario",
    schools: scenario.schools.length, blocks: scenario.blocks.length,
    teachers: (scenario.teachers || []).length, layout: (scenario.layout || []).length });
  $("scenario-facts").textContent = facts;
  $("scenario-summary").hidden = false;
  $("solve-button").disabled = false;
  const limit = scenario.options && scenario.options.time_limit_s;
  if (limit) $("time-limit").value = String(Math.min(limit, state.config.max_time_limit_s));
  renderLayout();
  offerPlan(scenario);
  notify(t("wb.data.ok", { file: source }));
}

async function solveBase() {
  $("solve-button").disabled = true;
  try {
    const job = await submit(state.scenario, true);
    if (job.status === "done" && job.kind === "plan") {
      await showTimeline(job.id);
      notify(t("wb.job.done_in", { name: job.name }));
    } else if (job.status === "done") {
      state.baseJob = job.id;
      renderLayout();
      await showJob(job.id);
      notify(t("wb.job.done_in", { name: job.name }));
    } else if (job.status === "cancelled") {
      notify(t("wb.job.cancelled"));
    }
  } catch (err) {
    showFindings(err.problem?.findings || []);
    notify(err.message, "error");
    if (err.problem?.findings?.length) showTab("data");
  } finally {
    $("solve-button").disabled = false;
  }
}

async function loadBoundary(file) {
  try {
    setBoundary(JSON.parse(await file.text()));
    notify(t("wb.data.boundary_ok", { file: file.name }));
  } catch (err) {
    notify(t("wb.data.boundary_bad", { error: err.message }), "error");
  }
}

function switchLanguage(lang) {
  setLang(lang);
  applyTexts();
  $("map-note").textContent = mapNote(state.config);
  if (state.scenario) renderLayout();
  if (state.result) renderResult(true);
  renderTimeline();
  loadTimelinePage().catch((err) => notify(err.message, "error"));
}

function wire() {
  for (const button of document.querySelectorAll("#tabs button")) {
    button.addEventListener("click", () => showTab(button.dataset.tab));
  }
  document.addEventListener("wb:tab", (e) => {
    if (e.detail === "result") refreshSize();
    if (e.detail === "compare") listJobs().catch((err) => notify(err.message, "error"));
  });
  $("lang").addEventListener("change", () => switchLanguage($("lang").value));
  $("scenario-file").addEventListener("change", (e) => {
    if (e.target.files[0]) loadFile(e.target.files[0]).catch((err) => {
      showFindings(err.problem?.findings || []);
      notify(err.message, "error");
    });
  });
  $("boundary-file").addEventListener("change", (e) => {
    if (e.target.files[0]) loadBoundary(e.target.files[0]);
  });
  $("template-download").addEventListener("click", () => download(
    `/v1/template.xlsx?lang=${currentLang()}`, `template-${currentLang()}.xlsx`));
  $("solve-button").addEventListener("click", solveBase);
  $("cancel-button").addEventListener("click", cancelRunning);
  $("print-button").addEventListener("click", () => window.print());
  $("token-button").addEventListener("click", askToken);
  wireEdits();
  wireLayout();
  wireCompare();
  wireTimeline();
}

async function start() {
  state.config = await (await fetch("/workbench/config.json")).json();
  await loadTexts();
  const lang = pickLanguage();
  $("lang").value = lang;
  setLang(lang);
  applyTexts();
  useTokens(state.config.tokens);
  $("token-button").hidden = !state.config.tokens;
  initMap(state.config, openBlock);
  $("map-note").textContent = mapNote(state.config);
  wire();
  showTab("data");
  const linked = location.hash.match(/job=([0-9a-f]+)/);  // a bookmarked result: #job=<id>
  if (linked) await showJob(linked[1]).catch((err) => notify(err.message, "error"));
  document.body.dataset.ready = "true";
}

start().catch((err) => notify(String(err), "error"));
