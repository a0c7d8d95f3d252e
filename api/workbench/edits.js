// Hand edits: click a block, reassign its level to another admissible school (or lock it);
// the server recomputes KPIs, violations and per-school figures by the verifier's code, no
// solve. Edits are kept with the job, undoable, and "re-solve keeping my edits" starts a
// new job with them as locked assignments.
import { ApiProblem, call } from "./api.js";
import { fmt, pct, t } from "./i18n.js";
import { highlight } from "./map.js";
import { $, notify, state } from "./state.js";
import { follow } from "./jobs.js";
import { renderResult, showJob } from "./result.js";

let openBlockId = null;

function applyState(editState) {
  state.editState = editState;
  state.edits = editState.edits || [];
  $("edit-count").textContent = t("wb.edits.count", { n: state.edits.length });
  $("undo-button").disabled = !state.edits.length;
  $("resolve-button").disabled = !state.edits.length;
  $("edit-note").textContent = editState.changed && editState.changed.length
    ? t("wb.edits.changed", { n: editState.changed.length,
      seconds: fmt(editState.elapsed_s, 3) }) : "";
  renderResult();
}

// the job's stored edits; hides the edit bar when the server has no hand-edit routes
export async function loadEdits(jobId) {
  try {
    const editState = await call(`/v1/jobs/${jobId}/edits`);
    state.editsAvailable = true;
    $("edit-bar").hidden = false;
    applyState(editState);
  } catch (err) {
    if (!(err instanceof ApiProblem) || err.status !== 404) throw err;
    state.editsAvailable = false;
    $("edit-bar").hidden = true;
  }
}

export async function openBlock(blockId) {
  openBlockId = blockId;
  $("block-panel").hidden = false;
  $("block-title").textContent = t("wb.edits.block", { block: blockId });
  highlight("block", blockId);
  await loadOptions();
}

async function loadOptions() {
  const level = $("block-level").value;
  const body = $("options-table").tBodies[0];
  body.replaceChildren();
  $("block-current").textContent = "";
  $("lock-button").disabled = !state.editsAvailable;
  if (!state.editsAvailable) {
    $("block-current").textContent = t("wb.edits.unavailable");
    return;
  }
  let answer;
  try {
    answer = await call(`/v1/jobs/${state.shownJob}/blocks/${encodeURIComponent(openBlockId)}`
      + `/options?level=${level}`);
  } catch (err) {
    $("block-current").textContent = err.message;
    return;
  }
  $("block-current").textContent = t("wb.edits.current", { school: answer.current || "–" });
  for (const option of answer.options) body.appendChild(optionRow(answer, option, level));
}

function optionRow(answer, option, level) {
  const tr = document.createElement("tr");
  tr.insertCell().textContent = `${option.name || ""} (${option.school})`;
  tr.insertCell().textContent = fmt(option.distance_km);
  tr.insertCell().textContent = `${fmt(option.load, 0)} / ${fmt(option.capacity, 0)} `
    + `(${pct(option.utilisation)})`;
  const cell = tr.insertCell();
  if (option.school === answer.current) {
    cell.textContent = t("wb.edits.is_current");
  } else if (!option.admissible) {
    cell.textContent = option.reason || t("wb.edits.inadmissible");
    tr.className = "inadmissible";
  } else {
    const button = document.createElement("button");
    button.textContent = t("wb.edits.assign");
    button.dataset.school = option.school;
    button.addEventListener("click", () => sendEdit(
      { block: answer.block, level, school: option.school, lock: false }));
    cell.appendChild(button);
  }
  return tr;
}

async function sendEdit(edit) {
  const kept = state.edits.filter((e) => !(e.block === edit.block && e.level === edit.level));
  try {
    applyState(await call(`/v1/jobs/${state.shownJob}/edits`, { method: "POST",
      body: { edits: [...kept, edit] } }));
    await loadOptions();
  } catch (err) {
    const findings = err.problem?.findings || [];
    notify([err.message, ...findings.map((f) => `${f.path || f.record || ""} ${f.message}`)]
      .join(" · "), "error");
  }
}

export function wireEdits() {
  $("block-level").addEventListener("change", loadOptions);
  $("block-close").addEventListener("click", () => { $("block-panel").hidden = true; });
  $("lock-button").addEventListener("click", () => sendEdit(
    { block: openBlockId, level: $("block-level").value, school: null, lock: true }));
  $("undo-button").addEventListener("click", async () => {
    applyState(await call(`/v1/jobs/${state.shownJob}/edits/undo`, { method: "POST" }));
    if (openBlockId && !$("block-panel").hidden) await loadOptions();
  });
  $("resolve-button").addEventListener("click", async () => {
    const job = await call(`/v1/jobs/${state.shownJob}/resolve`, { method: "POST",
      body: { time_limit: Number($("time-limit").value) || 10 } });
    const done = await follow(job);
    if (done.status === "done") await showJob(done.id);
  });
}
