// Layout operations on the page: close, merge, open and expand schools. The variant (the
// loaded scenario with these operations added) is solved as a job and compared with the
// base job through /v1/compare.
import { fmt, t } from "./i18n.js";
import { $, notify, state } from "./state.js";
import { submit } from "./jobs.js";
import { runComparison } from "./compare.js";

function opText(op) {
  if (op.op === "close") return t("wb.op.close", { school: op.school });
  if (op.op === "merge") return t("wb.op.merge", { from: op.from.join(", "), into: op.into });
  if (op.op === "expand") return t("wb.op.expand", { school: op.school,
    classrooms: op.classrooms, beds: op.boarding_beds });
  return t("wb.op.open", { school: op.school.id, name: op.school.name || "" });
}

export function renderLayout() {
  const table = $("layout-schools");
  table.replaceChildren();
  const schools = state.scenario ? state.scenario.schools : [];
  const head = table.createTHead().insertRow();
  for (const key of ["wb.col.school", "wb.col.name", "wb.col.classrooms", "wb.col.beds",
    "wb.layout.actions"]) {
    head.appendChild(Object.assign(document.createElement("th"), { textContent: t(key) }));
  }
  const body = table.createTBody();
  for (const school of schools) body.appendChild(schoolRow(school, schools));
  renderOps();
}

function schoolRow(school, schools) {
  const tr = document.createElement("tr");
  tr.dataset.school = school.id;
  tr.insertCell().textContent = school.id;
  tr.insertCell().textContent = school.name || "";
  tr.insertCell().textContent = fmt(school.classrooms ?? null, 0);
  tr.insertCell().textContent = fmt(school.boarding_beds ?? 0, 0);
  const cell = tr.insertCell();
  const close = button("wb.layout.close", () => addOp({ op: "close", school: school.id }));
  close.dataset.op = "close";
  const into = document.createElement("select");
  for (const other of schools) {
    if (other.id !== school.id) into.add(new Option(`${other.id} ${other.name || ""}`, other.id));
  }
  const merge = button("wb.layout.merge", () => addOp({ op: "merge", from: [school.id],
    into: into.value }));
  const rooms = Object.assign(document.createElement("input"),
    { type: "number", min: "1", value: "4", size: 3 });
  const expand = button("wb.layout.expand", () => addOp({ op: "expand", school: school.id,
    classrooms: Number(rooms.value) || 0, boarding_beds: 0 }));
  cell.append(close, merge, into, expand, rooms);
  return tr;
}

function button(key, onClick) {
  const b = document.createElement("button");
  b.textContent = t(key);
  b.addEventListener("click", onClick);
  return b;
}

function addOp(op) {
  state.layoutOps.push(op);
  renderOps();
}

function renderOps() {
  const list = $("layout-ops");
  list.replaceChildren();
  state.layoutOps.forEach((op, i) => {
    const li = document.createElement("li");
    li.textContent = `${opText(op)} `;
    li.appendChild(button("wb.layout.remove", () => {
      state.layoutOps.splice(i, 1);
      renderOps();
    }));
    list.appendChild(li);
  });
  $("layout-solve").disabled = !state.layoutOps.length || !state.baseJob;
  $("layout-errors").hidden = true;
}

function openSchool() {
  const value = (id) => $(id).value.trim();
  if (!value("open-id") || value("open-x") === "" || value("open-y") === "") {
    $("layout-errors").hidden = false;
    $("layout-errors").textContent = t("wb.layout.open_missing");
    return;
  }
  addOp({ op: "open", school: { id: value("open-id"), name: value("open-name") || undefined,
    kind: $("open-kind").value, location: [Number(value("open-x")), Number(value("open-y"))],
    classrooms: Number(value("open-classrooms")) || 1,
    boarding_beds: Number(value("open-beds")) || 0 } });
}

async function solveVariant() {
  const variant = structuredClone(state.scenario);
  variant.name = `${state.scenario.name || "scenario"} · ${t("wb.layout.variant")}`;
  variant.layout = [...(variant.layout || []), ...state.layoutOps];
  $("layout-solve").disabled = true;
  try {
    const job = await submit(variant);
    if (job.status === "done") await runComparison([state.baseJob, job.id]);
  } catch (err) {
    $("layout-errors").hidden = false;
    $("layout-errors").textContent = [err.message, ...(err.problem?.findings || [])
      .map((f) => `${f.path || f.record || ""}: ${f.message}`)].join("\n");
    notify(err.message, "error");
  } finally {
    $("layout-solve").disabled = false;
  }
}

export function wireLayout() {
  $("open-add").addEventListener("click", openSchool);
  $("layout-solve").addEventListener("click", solveVariant);
}
