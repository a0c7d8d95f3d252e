// What the page holds: the server's settings, the loaded scenario, the base job (the plan of
// the scenario as loaded) and the job whose result is shown.
export const state = {
  config: {},
  scenario: null,
  source: "",
  baseJob: null,
  shownJob: null,
  result: null,
  edits: [],
  editState: null,
  editsAvailable: false,
  layoutOps: [],
  picked: [],
  polling: null,
  runningJob: null,
  timelineJob: null,
  timeline: null,
};

export function $(id) { return document.getElementById(id); }

export function showTab(name) {
  for (const section of document.querySelectorAll("section.tab")) {
    section.hidden = section.id !== `tab-${name}`;
  }
  for (const button of document.querySelectorAll("#tabs button")) {
    button.classList.toggle("active", button.dataset.tab === name);
  }
  document.dispatchEvent(new CustomEvent("wb:tab", { detail: name }));
}

export function notify(text, kind = "info") {
  const box = $("notice");
  box.textContent = text;
  box.className = kind;
  box.hidden = !text;
}
