// greenmark moderator page: plain DOM, no framework. Submitted text is only ever put into the page as
// text nodes (textContent), never parsed as HTML; the CSP (Trusted Types) would refuse innerHTML anyway.
// The API key lives in the `session` variable below and nowhere else: no storage, no cookie.
"use strict";

const DECISIONS = {
  watermarked: "Watermarked",
  not_watermarked: "Not watermarked",
  insufficient_evidence: "Insufficient evidence",
};
const NORMALIZATIONS = {
  nfkc: "Unicode compatibility characters (fullwidth forms, ligatures, special spaces) were normalised (NFKC)",
  invisible: "zero-width or bidirectional control characters were removed",
  homoglyphs: "Cyrillic or Greek look-alike letters were replaced by Latin ones",
};

let session = null; // {apiKey, tenant, apiKeyId, scopes, maxInputs}
let batchRows = [];
let batchSort = { key: "index", ascending: true };

const $ = (id) => document.getElementById(id);

function show(element, visible) {
  element.hidden = !visible;
}

function setError(id, message) {
  const element = $(id);
  element.textContent = message || "";
  show(element, Boolean(message));
}

// One call to the API; a problem+json answer becomes an Error carrying the problem's detail.
async function api(path, body) {
  const options = { headers: { Authorization: `Bearer ${session.apiKey}` } };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new Error(`the detection API cannot be reached (${error.message})`);
  }
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = payload && (payload.detail || payload.title);
    throw new Error(detail || `the API answered ${response.status}`);
  }
  return payload;
}

// ---- sign-in -------------------------------------------------------------------------------
async function signIn(event) {
  event.preventDefault();
  const apiKey = $("api-key").value.trim();
  setError("sign-in-error", "");
  if (!apiKey) {
    setError("sign-in-error", "Enter an API key.");
    return;
  }
  session = { apiKey };
  try {
    const me = await api("/v1/whoami");
    session = { apiKey, tenant: me.tenant, apiKeyId: me.api_key_id, scopes: me.scopes, maxInputs: me.max_inputs };
  } catch (error) {
    session = null;
    setError("sign-in-error", error.message);
    return;
  }
  $("api-key").value = "";
  $("session-tenant").textContent = session.tenant;
  $("session-key").textContent = session.apiKeyId;
  show($("marks-option"), session.scopes.includes("green-marks"));
  $("want-marks").checked = false;
  show($("session"), true);
  show($("sign-in"), false);
  show($("work"), true);
  $("text-input").focus();
}

function signOut() {
  session = null;
  batchRows = [];
  for (const id of ["result", "work", "session", "batch-table"]) show($(id), false);
  $("text-input").value = "";
  $("batch-input").value = "";
  show($("sign-in"), true);
  $("api-key").focus();
}

// ---- tabs ----------------------------------------------------------------------------------
function selectTab(tab) {
  for (const other of document.querySelectorAll('[role="tab"]')) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    show($(other.getAttribute("aria-controls")), selected);
  }
  tab.focus();
}

function onTabKey(event) {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
  if (step) {
    event.preventDefault();
    selectTab(tabs[(tabs.indexOf(event.currentTarget) + step + tabs.length) % tabs.length]);
  }
}

// ---- one text ------------------------------------------------------------------------------
function readTextFile(file) {
  if (!file) return;
  if (file.type && file.type !== "text/plain") {
    setError("single-error", `${file.name} is not a plain-text file.`);
    return;
  }
  file.text().then((text) => {
    $("text-input").value = text;
    setError("single-error", "");
    $("text-input").focus();
  });
}

async function checkText(event) {
  event.preventDefault();
  const text = $("text-input").value;
  setError("single-error", "");
  if (!text.trim()) {
    setError("single-error", "Paste a text or drop a .txt file first.");
    return;
  }
  const wantMarks = session.scopes.includes("green-marks") && $("want-marks").checked;
  const request = {
    inputs: [{ id: "text", text }],
    return_spans: true,
    return_marks: wantMarks,
    return_receipt: $("want-receipt").checked,
  };
  try {
    const response = await api("/v1/detect", request);
    renderResult(text, response.results[0]);
  } catch (error) {
    show($("result"), false);
    setError("single-error", error.message);
  }
}

function keyLabel(result) {
  if (!result.key_id) return "none";
  return result.key_name ? `${result.key_name} v${result.key_version} (${result.key_id})` : result.key_id;
}

function formatP(value) {
  return value < 1e-3 ? value.toExponential(2) : value.toPrecision(3);
}

function renderResult(text, result) {
  const decision = $("decision");
  decision.textContent = DECISIONS[result.decision];
  decision.dataset.decision = result.decision;
  $("fact-p-value").textContent = formatP(result.p_value);
  $("fact-scored").textContent = String(result.num_scored_tokens);
  $("fact-key").textContent = keyLabel(result);
  $("fact-hypotheses").textContent = String(result.num_hypotheses);

  const insufficient = $("insufficient");
  insufficient.textContent =
    result.decision === "insufficient_evidence"
      ? `Too short to decide: ${result.num_scored_tokens} tokens could be scored; ` +
        `at least ${result.tokens_needed} more are needed before the text can be called either way.`
      : "";
  show(insufficient, result.decision === "insufficient_evidence");

  const list = $("tampering-list");
  list.replaceChildren(
    ...result.normalizations.map((name) => {
      const item = document.createElement("li");
      item.textContent = NORMALIZATIONS[name] || name;
      return item;
    }),
  );
  show($("tampering"), result.normalizations.length > 0);

  // Offsets refer to the canonical text: show that one when canonicalisation changed the input.
  const shown = result.canonical_text ?? text;
  $("text-view-note").textContent = result.canonical_text ? "(canonical form: what was tested)" : "";
  renderSpans(shown, result.spans || []);
  renderMarks(shown, result.marks);
  renderReceipt(result.receipt);
  show($("result"), true);
}

// Character offsets count Unicode code points (as Python does); JavaScript strings count UTF-16
// units, so slice an array of code points.
function renderSpans(text, spans) {
  const characters = Array.from(text);
  const ordered = [...spans].sort((a, b) => a.start_char - b.start_char);
  const view = $("highlighted");
  const parts = [];
  let position = 0;
  for (const span of ordered) {
    const start = Math.max(span.start_char, position);
    if (span.end_char <= start) continue; // overlaps a span already shown
    parts.push(document.createTextNode(characters.slice(position, start).join("")));
    const mark = document.createElement("mark");
    mark.className = "span";
    mark.dataset.start = String(span.start_char);
    mark.dataset.end = String(span.end_char);
    mark.title = `characters ${span.start_char}–${span.end_char}, p = ${formatP(span.p_value)}`;
    mark.textContent = characters.slice(start, span.end_char).join("");
    parts.push(mark);
    position = span.end_char;
  }
  parts.push(document.createTextNode(characters.slice(position).join("")));
  view.replaceChildren(...parts);

  $("span-list").replaceChildren(
    ...ordered.map((span) => {
      const item = document.createElement("li");
      item.textContent =
        `characters ${span.start_char}–${span.end_char}: ${span.num_green_tokens} of ${span.num_scored_tokens} ` +
        `scored tokens green, p = ${formatP(span.p_value)}`;
      return item;
    }),
  );
  show($("no-spans"), ordered.length === 0);
}

function renderMarks(text, marks) {
  show($("marks-block"), Boolean(marks));
  if (!marks) return;
  const characters = Array.from(text);
  const parts = [];
  let position = 0;
  for (const mark of marks) {
    if (mark.start_char < position) continue;
    parts.push(document.createTextNode(characters.slice(position, mark.start_char).join("")));
    const token = document.createElement("span");
    token.className = mark.scored ? (mark.green ? "token green" : "token red") : "token";
    token.title = mark.scored ? (mark.green ? "green" : "red") : "not scored";
    token.textContent = characters.slice(mark.start_char, mark.end_char).join("");
    parts.push(token);
    position = mark.end_char;
  }
  parts.push(document.createTextNode(characters.slice(position).join("")));
  $("marks-view").replaceChildren(...parts);
}

function renderReceipt(receipt) {
  const link = $("receipt-download");
  if (link.dataset.url) URL.revokeObjectURL(link.dataset.url);
  show($("receipt-block"), Boolean(receipt));
  if (!receipt) return;
  const json = JSON.stringify(receipt, null, 2);
  $("receipt-view").textContent = json;
  link.dataset.url = URL.createObjectURL(new Blob([json + "\n"], { type: "application/json" }));
  link.href = link.dataset.url;
}

// ---- batch ---------------------------------------------------------------------------------
function splitByDelimiter(value, delimiter) {
  const texts = [];
  let current = [];
  for (const line of value.split(/\r?\n/)) {
    if (line.trim() === delimiter) {
      texts.push(current.join("\n"));
      current = [];
    } else {
      current.push(line);
    }
  }
  texts.push(current.join("\n"));
  return texts.filter((text) => text.trim()).map((text, index) => ({ id: `text ${index + 1}`, text }));
}

function parseJsonl(content) {
  const inputs = [];
  content.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim()) return;
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      throw new Error(`line ${index + 1} of the JSONL file is not JSON`);
    }
    if (typeof record !== "object" || record === null || typeof record.text !== "string") {
      throw new Error(`line ${index + 1} of the JSONL file has no "text" string`);
    }
    inputs.push({ id: String(record.id ?? `line ${index + 1}`), text: record.text });
  });
  return inputs;
}

async function checkBatch(event) {
  event.preventDefault();
  setError("batch-error", "");
  let inputs;
  try {
    const file = $("jsonl-input").files[0];
    inputs = file
      ? parseJsonl(await file.text())
      : splitByDelimiter($("batch-input").value, $("delimiter").value.trim() || "---");
  } catch (error) {
    setError("batch-error", error.message);
    return;
  }
  if (!inputs.length) {
    setError("batch-error", "Paste texts separated by the delimiter, or choose a JSONL file.");
    return;
  }
  const status = $("batch-status");
  const rows = [];
  try {
    for (let start = 0; start < inputs.length; start += session.maxInputs) {
      status.textContent = `Checking ${start + 1}–${Math.min(start + session.maxInputs, inputs.length)} of ${inputs.length}…`;
      const chunk = inputs.slice(start, start + session.maxInputs);
      const response = await api("/v1/detect", { inputs: chunk });
      response.results.forEach((result, offset) => rows.push({ index: start + offset + 1, ...result }));
    }
  } catch (error) {
    status.textContent = "";
    setError("batch-error", error.message);
    return;
  }
  status.textContent = `${rows.length} texts checked.`;
  batchRows = rows;
  renderBatch();
}

function sortValue(row, key) {
  if (key === "key") return keyLabel(row);
  if (key === "tampering") return row.normalizations.join(", ");
  return row[key];
}

function renderBatch() {
  const { key, ascending } = batchSort;
  const rows = [...batchRows].sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    const order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
    return (ascending ? order : -order) || a.index - b.index;
  });
  $("batch-table").tBodies[0].replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement("tr");
      const cells = [
        String(row.index),
        row.id,
        DECISIONS[row.decision],
        formatP(row.p_value),
        String(row.num_scored_tokens),
        keyLabel(row),
        row.normalizations.length ? `possible: ${row.normalizations.join(", ")}` : "",
      ];
      for (const value of cells) {
        const td = document.createElement("td");
        td.textContent = value;
        tr.append(td);
      }
      tr.dataset.decision = row.decision;
      return tr;
    }),
  );
  for (const button of document.querySelectorAll("#batch-table th button")) {
    const th = button.parentElement;
    th.setAttribute("aria-sort", button.dataset.sort === key ? (ascending ? "ascending" : "descending") : "none");
  }
  show($("batch-table"), true);
}

function onSort(event) {
  const key = event.currentTarget.dataset.sort;
  batchSort = { key, ascending: batchSort.key === key ? !batchSort.ascending : true };
  renderBatch();
}

// ---- wiring --------------------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("single-form").addEventListener("submit", checkText);
  $("batch-form").addEventListener("submit", checkBatch);
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", onTabKey);
  }
  for (const button of document.querySelectorAll("#batch-table th button")) button.addEventListener("click", onSort);

  const zone = $("drop-zone");
  const picker = $("file-input");
  zone.addEventListener("click", () => picker.click());
  zone.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      picker.click();
    }
  });
  picker.addEventListener("change", () => readTextFile(picker.files[0]));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    readTextFile(event.dataTransfer.files[0]);
  });
  $("api-key").focus();
});
