"use strict";
// The inspector: the journal's rows newest first (pushed by /_mock/feed as they happen),
// one exchange in detail, and what to do with it. Plain DOM, no build step, no network
// beyond this server.
const $ = (id) => document.getElementById(id);
const rows = $("rows");
let olderThan = null;   // the `before` of the next older page, or null at the end
let selected = null;    // the number of the exchange shown

function filters() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData($("filters"))) if (value) params.set(name, value);
  return params;
}

// The server's filter, for rows the feed pushes (the list pages come filtered).
function kept(row) {
  const f = filters();
  const status = f.get("status");
  if (status && !(String(row.status) === status ||
                  (status.endsWith("xx") && String(row.status)[0] === status[0]))) return false;
  if (f.get("violations") && !row.violation) return false;
  if (f.get("unmatched") && !row.unmatched) return false;
  if (f.get("model") && !(row.model || "").includes(f.get("model"))) return false;
  return !f.get("api") || row.api === f.get("api");
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function rowElement(row) {
  const tr = document.createElement("tr");
  tr.dataset.n = row.n;
  tr.dataset.status = row.status;
  const usage = row.usage.input === undefined ? "" : `${row.usage.input}/${row.usage.output}`;
  const by = row.rule ? `${row.answered_by} · ${row.rule}` : row.answered_by;
  tr.append(
    cell(row.n),
    cell(new Date(row.started * 1000).toLocaleTimeString()),
    cell(row.api),
    cell(`${row.method} ${row.path}`),
    cell(row.status, `s${String(row.status)[0]}`),
    cell(row.model || ""),
    cell(row.streamed ? "stream" : ""),
    cell(usage),
    cell(by, row.violation || row.unmatched ? "warn" : ""),
    cell((row.duration * 1000).toFixed(1)),
  );
  if (row.n === selected) tr.classList.add("selected");
  tr.onclick = () => show(row.n);
  return tr;
}

function refreshEmpty() { $("empty").hidden = rows.children.length > 0; }

async function loadPage(before) {
  const params = filters();
  if (before !== null) params.set("before", before);
  const answer = await fetch(`/_mock/exchanges?${params}`);
  const page = await answer.json();
  for (const row of page.exchanges) rows.append(rowElement(row));
  olderThan = page.before;
  $("more").hidden = olderThan === null;
  refreshEmpty();
}

function reloadList() {
  rows.replaceChildren();
  loadPage(null);
}

function listen() {
  const feed = new EventSource("/_mock/feed");
  feed.onopen = () => { $("live").textContent = "live"; $("live").className = "live on"; };
  feed.onerror = () => { $("live").textContent = "reconnecting…"; $("live").className = "live"; };
  feed.addEventListener("exchange", (event) => {
    const row = JSON.parse(event.data);
    if (!kept(row) || rows.querySelector(`tr[data-n="${row.n}"]`)) return;
    rows.prepend(rowElement(row));
    refreshEmpty();
  });
  feed.addEventListener("reload", () => { feed.close(); reloadList(); listen(); });
}

function section(title, ...children) {
  const h = document.createElement("h2");
  h.textContent = title;
  const div = document.createElement("div");
  div.append(h, ...children);
  return div;
}

function facts(pairs) {
  const dl = document.createElement("dl");
  for (const [name, value] of pairs) {
    if (value === null || value === undefined || value === "") continue;
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    dl.append(dt, dd);
  }
  return dl;
}

function problemList(problems, kind) {
  return problems.map((p) => {
    const div = document.createElement("div");
    div.className = `problem ${kind}`;
    const rule = document.createElement("span");
    rule.className = "rule";
    rule.textContent = p.rule;
    div.append(rule, ` ${p.message}`, p.path ? ` (at ${p.path})` : "");
    return div;
  });
}

function eventsTable(events, times) {
  const table = document.createElement("table");
  table.className = "events";
  events.forEach((e, i) => {
    const tr = document.createElement("tr");
    const at = times.length ? `+${(times[i] * 1000).toFixed(1)} ms` : "at once";
    tr.append(cell(at), cell(e.event), cell(JSON.stringify(e.data)));
    table.append(tr);
  });
  return table;
}

function shellQuote(text) { return `'${text.replaceAll("'", "'\\''")}'`; }

// The request as a curl command; the key was never journaled, so it comes from the shell.
function curlOf(x) {
  const skip = new Set(["host", "content-length", "connection", "accept-encoding",
                        "x-api-key", "authorization"]);
  const lines = [`curl ${shellQuote(location.origin + x.path)}`];
  if (x.method !== "GET" && x.method !== "POST") lines.push(`-X ${x.method}`);
  if ("x-api-key" in x.headers) lines.push(`-H "x-api-key: $ANTHROPIC_API_KEY"`);
  if ("authorization" in x.headers) lines.push(`-H "authorization: Bearer $ANTHROPIC_API_KEY"`);
  for (const [name, value] of Object.entries(x.headers)) {
    if (!skip.has(name) && !name.startsWith("x-stainless")) {
      lines.push(`-H ${shellQuote(`${name}: ${value}`)}`);
    }
  }
  if (x.body !== null) lines.push(`--data-raw ${shellQuote(JSON.stringify(x.body))}`);
  return lines.join(" \\\n  ");
}

function showCopied(label, text) {
  const out = $("copied");
  out.hidden = false;
  out.value = text;
  out.setAttribute("aria-label", label);
  if (navigator.clipboard) navigator.clipboard.writeText(text).catch(() => {});
}

function button(label, id, onclick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.id = id;
  b.onclick = onclick;
  return b;
}

async function show(n) {
  selected = n;
  for (const tr of rows.querySelectorAll("tr.selected")) tr.classList.remove("selected");
  rows.querySelector(`tr[data-n="${n}"]`)?.classList.add("selected");
  const detail = $("detail");
  const answer = await fetch(`/_mock/exchanges/${n}`);
  if (!answer.ok) { detail.hidden = false; detail.textContent = (await answer.json()).error; return; }
  const { exchange: x, usage, answered_by: by } = await answer.json();
  const copied = document.createElement("textarea");
  copied.id = "copied";
  copied.hidden = true;
  copied.readOnly = true;
  const actions = document.createElement("div");
  actions.className = "actions";
  actions.append(
    button("Copy as curl", "copy-curl", () => showCopied("curl", curlOf(x))),
    button("Copy as scenario step", "copy-scenario", async () => {
      const yaml = await fetch(`/_mock/exchanges/${n}/scenario`);
      showCopied("scenario", yaml.ok ? await yaml.text() : `# ${(await yaml.json()).error}`);
    }),
  );
  const parts = [
    section(`#${n} ${x.method} ${x.path} → ${x.status}`, facts([
      ["request id", x.request_id], ["door", x.api],
      ["time", new Date(x.started * 1000).toLocaleString()],
      ["duration", `${(x.duration * 1000).toFixed(1)} ms`], ["model", x.body?.model],
      ["stream", x.streamed ? `yes, ${x.events_sent} events${x.interrupted ? ", cut" : ""}` : "no"],
      ["answered by", by],
    ]), actions, copied),
  ];
  const problems = problemList(x.problems, "");
  const notices = problemList(x.notices, "notice");
  if (problems.length || notices.length) {
    parts.push(section("Contract problems", ...problems, ...notices));
  }
  const scenario = [];
  if (x.step) scenario.push(facts([["step", x.step]]));
  if (x.scenario_error) scenario.push(...problemList([{ rule: "scenario error", message: x.scenario_error }], ""));
  if (x.near_misses.length) {
    const ul = document.createElement("ul");
    for (const miss of x.near_misses) { const li = document.createElement("li"); li.textContent = miss; ul.append(li); }
    scenario.push(ul);
  }
  if (!scenario.length) scenario.push(facts([["answered by", by]]));
  parts.push(section(x.near_misses.length ? "Scenario: near misses" : "Scenario", ...scenario));
  if (usage.input !== undefined) {
    parts.push(section("Tokens", facts([
      ["input", usage.input], ["output", usage.output],
      ["cache read", usage.cache_read], ["cache write", usage.cache_write],
    ])));
  }
  parts.push(section("Request headers", jsonView(x.headers, 1)));
  parts.push(section("Request body", x.body === null ? facts([["body", x.body_omitted || "none"]]) : jsonView(x.body, 1)));
  parts.push(section(x.streamed ? "Response events" : "Response",
    x.streamed ? eventsTable(x.response, x.event_times) : jsonView(x.response, 2)));
  detail.replaceChildren(...parts);
  detail.hidden = false;
  detail.scrollTop = 0;
}

$("filters").addEventListener("change", reloadList);
$("filters").addEventListener("submit", (e) => { e.preventDefault(); reloadList(); });
$("more").onclick = () => { if (olderThan !== null) loadPage(olderThan); };
$("reset").onclick = async () => {
  await fetch("/_mock/reset", { method: "POST" });
  selected = null;
  $("detail").hidden = true;
  reloadList();
};
loadPage(null);
listen();
