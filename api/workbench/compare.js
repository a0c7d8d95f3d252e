// Compare two to four finished jobs: the comparison of `allocator compare` (KPIs, schools
// before and after, blocks that change school) from /v1/compare; the first job picked is
// the base.
import { call, saveBlob } from "./api.js";
import { fmt, t } from "./i18n.js";
import { $, showTab, state } from "./state.js";

const MAX_PICKED = 4;

export async function listJobs() {
  const answer = await call("/v1/jobs?status=done&limit=50");
  answer.jobs = answer.jobs.filter((j) => j.kind !== "plan");  // a plan has no single result
  const table = $("jobs-table");
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const key of ["wb.compare.pick", "wb.compare.job", "wb.col.name", "wb.compare.finished",
    "wb.compare.objective", "wb.compare.gap"]) {
    head.appendChild(Object.assign(document.createElement("th"), { textContent: t(key) }));
  }
  const body = table.createTBody();
  state.picked = state.picked.filter((id) => answer.jobs.some((j) => j.id === id));
  for (const job of answer.jobs) {
    const tr = body.insertRow();
    const box = Object.assign(document.createElement("input"), { type: "checkbox" });
    box.dataset.job = job.id;
    box.checked = state.picked.includes(job.id);
    box.addEventListener("change", () => pick(job.id, box));
    tr.insertCell().appendChild(box);
    tr.insertCell().textContent = job.id.slice(0, 8);
    tr.insertCell().textContent = job.name;
    tr.insertCell().textContent = job.finished_at ? new Date(job.finished_at).toLocaleString() : "–";
    tr.insertCell().textContent = fmt(job.objective);
    tr.insertCell().textContent = job.gap === null ? "–" : fmt(job.gap, 4);
  }
  updateButtons();
}

function pick(jobId, box) {
  if (box.checked) {
    if (state.picked.length >= MAX_PICKED) {
      box.checked = false;
      return;
    }
    state.picked.push(jobId);
  } else {
    state.picked = state.picked.filter((id) => id !== jobId);
  }
  updateButtons();
}

function updateButtons() {
  const ok = state.picked.length >= 2 && state.picked.length <= MAX_PICKED;
  $("compare-button").disabled = !ok;
  $("compare-html").disabled = !ok;
}

// the comparison page of `allocator compare` (in the page's language) shown in a frame;
// `body[data-compared]` names the jobs compared once it is shown
export async function runComparison(jobIds) {
  const html = await call("/v1/compare", { method: "POST",
    body: { jobs: jobIds, format: "html" } });
  state.picked = [...jobIds];
  showTab("compare");
  await listJobs();
  $("compare-out").hidden = false;
  $("compare-frame").srcdoc = html;
  document.body.dataset.compared = jobIds.join(",");
}

export function wireCompare() {
  $("compare-button").addEventListener("click", () => runComparison(state.picked));
  $("jobs-refresh").addEventListener("click", listJobs);
  $("compare-html").addEventListener("click", async () => {
    const answer = await call("/v1/compare", { method: "POST", raw: true,
      body: { jobs: state.picked, format: "html" } });
    saveBlob(await answer.blob(), "compare.html");
  });
}
