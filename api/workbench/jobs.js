// Solving: submit a scenario as a job, follow its progress by polling /v1/jobs/{id}
// (stage, best plan so far, bound, gap), cancel it; a finished job's result is shown.
import { call } from "./api.js";
import { fmt, hasText, pct, t } from "./i18n.js";
import { $, notify, showTab, state } from "./state.js";
import { renderFindings } from "./tables.js";
import { planQuery } from "./timeline.js";

const POLL_MS = 400;

// the query of a job; with `plan`, a plan of several years when the plan option is on
export function solveQuery(plan = false) {
  const params = new URLSearchParams();
  const limit = Number($("time-limit").value);
  if (limit > 0) params.set("time_limit", String(limit));
  if ($("strict").checked) params.set("strict", "true");
  if ($("stage").value) params.set("stage", $("stage").value);
  if (plan) planQuery(params);
  return params.toString();
}

// submit `scenario` (with `plan`, as a plan when the plan option is on); resolves with the
// finished job's status (done, failed or cancelled)
export async function submit(scenario, plan = false) {
  const job = await call(`/v1/jobs?${solveQuery(plan)}`, { method: "POST", body: scenario });
  return follow(job);
}

// follow a submitted job until it ends, showing its progress on the solve tab
export function follow(job) {
  state.runningJob = job.id;
  $("progress").hidden = false;
  $("job-findings").hidden = true;
  $("cancel-button").disabled = false;
  showTab("solve");
  showProgress(job);
  return new Promise((resolve, reject) => {
    const tick = async () => {
      try {
        const now = await call(`/v1/jobs/${job.id}`);
        showProgress(now);
        if (["done", "failed", "cancelled"].includes(now.status)) {
          state.runningJob = null;
          $("cancel-button").disabled = true;
          if (now.status === "failed") showFailure(now);
          resolve(now);
          return;
        }
        state.polling = setTimeout(tick, POLL_MS);
      } catch (err) {
        state.runningJob = null;
        reject(err);
      }
    };
    state.polling = setTimeout(tick, POLL_MS);
  });
}

function showProgress(job) {
  $("p-status").textContent = t(`wb.job.${job.status}`);
  const known = job.stage && hasText(`wb.job.${job.stage}`);  // store states; solver stages as named
  $("p-stage").textContent = known ? t(`wb.job.${job.stage}`) : (job.stage || "–");
  $("p-objective").textContent = fmt(job.objective);
  $("p-bound").textContent = fmt(job.bound);
  $("p-gap").textContent = job.gap === null || job.gap === undefined ? "–" : pct(job.gap);
  $("p-message").textContent = job.message || "";
  $("progress-bar").value = job.progress || 0;
}

function showFailure(job) {
  const box = $("job-findings");
  box.hidden = false;
  box.replaceChildren();
  const p = document.createElement("p");
  p.className = "error";
  p.textContent = t("wb.job.failed_because", { message: job.error?.message || "" });
  box.appendChild(p);
  if (job.error?.findings?.length) {
    const table = $("findings-table").cloneNode(true);
    table.id = "job-findings-table";
    renderFindings(table, job.error.findings);
    box.appendChild(table);
  }
  notify(t("wb.job.failed"), "error");
}

export async function cancelRunning() {
  if (!state.runningJob) return;
  await call(`/v1/jobs/${state.runningJob}`, { method: "DELETE" });
}
