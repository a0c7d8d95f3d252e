// Calls to the /v1 routes: the page's language as Accept-Language, the bearer token when the
// server has tokens (asked once, kept in sessionStorage), a Problem body turned into an error.
import { currentLang, t } from "./i18n.js";

let needsToken = false;

export function useTokens(flag) { needsToken = flag; }

export function askToken() {
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  input.value = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (input.value.trim()) sessionStorage.setItem("workbench.token", input.value.trim());
      resolve();
    }, { once: true });
    dialog.showModal();
  });
}

function headers(extra = {}) {
  const out = { "Accept-Language": currentLang(), ...extra };
  const token = sessionStorage.getItem("workbench.token");
  if (needsToken && token) out.Authorization = `Bearer ${token}`;
  return out;
}

export class ApiProblem extends Error {
  constructor(status, problem) {
    super(problem.message || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// fetch `path`; `body` an object (sent as JSON) or a Blob/File (sent as is)
export async function call(path, { method = "GET", body = undefined, raw = false } = {}) {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const extra = {};
    let payload = body;
    if (body !== undefined && !(body instanceof Blob)) {
      extra["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    if (needsToken && !sessionStorage.getItem("workbench.token")) await askToken();
    const answer = await fetch(path, { method, body: payload, headers: headers(extra) });
    if (answer.status === 401 && needsToken) {
      sessionStorage.removeItem("workbench.token");
      await askToken();
      continue;
    }
    if (!answer.ok) {
      let problem = { message: `HTTP ${answer.status}` };
      try { problem = await answer.json(); } catch (e) { /* not a Problem body */ }
      throw new ApiProblem(answer.status, problem);
    }
    if (raw) return answer;
    const type = answer.headers.get("content-type") || "";
    return type.includes("json") ? answer.json() : answer.text();
  }
  throw new ApiProblem(401, { message: t("wb.token.refused") });
}

// download `path` as `filename` (fetched with the token, then saved from a blob)
export async function download(path, filename, options = {}) {
  const answer = await call(path, { ...options, raw: true });
  saveBlob(await answer.blob(), filename);
}

export function saveBlob(blob, filename) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}
