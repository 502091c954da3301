"use strict";
// A collapsible JSON view. Children are built only when their node is first opened, so a
// 120 KB agent request costs a handful of DOM nodes until someone looks inside it.
const LONG_STRING = 2000;

function jsonLeaf(value) {
  const span = document.createElement("span");
  if (typeof value === "string") {
    span.className = "s";
    const shown = value.length > LONG_STRING ? value.slice(0, LONG_STRING) : value;
    span.textContent = JSON.stringify(shown);
    if (shown !== value) {
      const more = document.createElement("button");
      more.type = "button";
      more.textContent = `+${value.length - LONG_STRING} characters`;
      more.onclick = () => { span.textContent = JSON.stringify(value); };
      span.append(" ", more);
    }
  } else {
    span.className = typeof value === "number" ? "n" : "b";
    span.textContent = JSON.stringify(value);
  }
  return span;
}

function jsonKey(key) {
  const span = document.createElement("span");
  if (key !== null) {
    span.className = "k";
    span.textContent = `${JSON.stringify(key)}: `;
  }
  return span;
}

function jsonPreview(value) {
  if (Array.isArray(value)) return `[${value.length} items]`;
  const keys = Object.keys(value);
  const head = keys.slice(0, 4).join(", ");
  return `{${head}${keys.length > 4 ? ", …" : ""}}`;
}

// `openDepth`: how many levels start open (0: only the node itself, closed).
function renderJson(value, key = null, openDepth = 1) {
  if (value === null || typeof value !== "object") {
    const div = document.createElement("div");
    div.className = "leaf";
    div.append(jsonKey(key), jsonLeaf(value));
    return div;
  }
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  const preview = document.createElement("span");
  preview.className = "muted";
  preview.textContent = jsonPreview(value);
  summary.append(jsonKey(key), preview);
  details.append(summary);
  let built = false;
  const build = () => {
    if (built) return;
    built = true;
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const fragment = document.createDocumentFragment();
    for (const [k, v] of entries) fragment.append(renderJson(v, k, openDepth - 1));
    details.append(fragment);
  };
  details.addEventListener("toggle", () => { if (details.open) build(); });
  if (openDepth > 0) { details.open = true; build(); }
  return details;
}

function jsonView(value, openDepth = 1) {
  const div = document.createElement("div");
  div.className = "json";
  div.append(renderJson(value, null, openDepth));
  return div;
}
