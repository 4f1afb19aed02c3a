// The Newsline timeline explorer: plain JavaScript over the public API, no build step.
"use strict";

const state = { token: sessionStorage.getItem("newsline-token") || "", story: null, stops: [], selected: null, shown: 0 };
const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

async function api(path) {
  const headers = { Accept: "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const answer = await fetch(path, { headers });
  if (!answer.ok) {
    let detail = answer.statusText;
    try { detail = (await answer.json()).detail || detail; } catch (_) { /* not a problem body */ }
    const error = new Error(`${answer.status}: ${detail}`);
    error.status = answer.status;
    throw error;
  }
  return answer;
}
const getJson = async (path) => (await api(path)).json();

function say(text) { $("message").textContent = text; }

function when(iso) {
  return new Date(iso).toISOString().replace("T", " ").replace(/:00\.000Z$|\.\d{3}Z$/, "").replace(/Z$/, "") + " UTC";
}

function asOf() {
  const index = Number($("as-of").value);
  return index < state.stops.length ? state.stops[index] : null;
}

function show(value) {
  if (value === null || value === undefined) return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

// A changed value as table-cell content: relations name their target by title, beside its id.
function changed(field, value) {
  if (field !== "relations" || !Array.isArray(value) || !value.length) return [show(value)];
  return value.map((relation) => el("div", { className: "relation" },
    `${relation.type.replace(/_/g, " ")} `,
    el("span", { className: "target-title", textContent: relation.target_title || "(unknown occurrence)" }),
    " ",
    el("span", { className: "target-id", textContent: relation.target })));
}

async function loadStories() {
  say("");
  try {
    const { items } = await getJson("/v1/stories?limit=1000");
    const select = $("story");
    select.replaceChildren(...items.map((story) => el("option", { value: story.slug, textContent: story.title })));
    const wanted = new URLSearchParams(location.search).get("story");
    if (wanted && items.some((story) => story.slug === wanted)) select.value = wanted;
    if (items.length) await chooseStory(select.value);
    else say("no stories yet");
  } catch (error) {
    say(error.status === 401 ? "this server needs a token for reads: enter one above" : error.message);
  }
}

async function chooseStory(slug) {
  state.story = slug;
  closePanel();
  // The slider stops at every report time of the story's revisions (its NDJSON export lists them).
  const text = await (await api(`/v1/stories/${encodeURIComponent(slug)}/timeline?format=ndjson`)).text();
  const times = new Map();
  for (const line of text.split("\n").filter(Boolean)) {
    const reported = JSON.parse(line).reported_at;
    if (!reported) continue; // a story line
    times.set(new Date(reported).getTime(), reported);
  }
  state.stops = [...times.entries()].sort((a, b) => a[0] - b[0]).map((entry) => entry[1]);
  const slider = $("as-of");
  slider.max = String(state.stops.length);
  slider.value = slider.max;
  slider.disabled = state.stops.length === 0;
  await showTimeline();
}

function entryNode(entry) {
  const item = el("li", { className: `status-${entry.status}` });
  item.dataset.id = entry.id;
  item.dataset.status = entry.status;
  const heading = el("div", {},
    el("span", { className: "when", textContent: entry.occurred.edtf }),
    el("span", { className: "kind", textContent: entry.kind.replace(/_/g, " ") }),
    el("span", { className: "title", textContent: entry.title }));
  if (entry.status !== "reported") heading.append(el("span", { className: `badge ${entry.status}`, textContent: entry.status }));
  const figures = Object.entries(entry.figures).map(([name, number]) => `${name}: ${number}`).join(", ");
  const source = el("div", { className: "source", textContent: `${entry.source.name}${figures ? ` · ${figures}` : ""}` });
  item.append(heading, source);
  item.addEventListener("click", () => showOccurrence(entry.id));
  if (entry.id === state.selected) item.classList.add("selected");
  return item;
}

async function showTimeline() {
  const request = ++state.shown;
  const at = asOf();
  $("as-of-label").value = at ? `as of ${when(at)}` : "latest";
  const params = new URLSearchParams({ include_retracted: "true", limit: "1000" });
  if (at) params.set("as_of", at);
  try {
    const { items } = await getJson(`/v1/stories/${encodeURIComponent(state.story)}/timeline?${params}`);
    if (request !== state.shown) return; // a later move of the slider won
    $("timeline").replaceChildren(...items.map(entryNode));
    $("timeline").dataset.asOf = at || "latest";
    if (state.selected) await showOccurrence(state.selected);
  } catch (error) {
    say(error.message);
  }
}

function revisionNode(revision, at) {
  const item = el("li", {},
    el("span", { className: "revision-type", textContent: revision.type }),
    ` reported ${when(revision.reported_at)} by ${revision.by}`);
  item.dataset.type = revision.type;
  if (at && new Date(revision.reported_at) > new Date(at)) {
    item.classList.add("after-as-of");
    item.append(el("em", { textContent: " (reported after this point)" }));
  }
  if (revision.reason) item.append(el("div", { textContent: `reason: ${revision.reason}` }));
  if (revision.type !== "reported" && revision.changes.length) { // a first report changes every field
    const rows = revision.changes.map((change) => el("tr", {},
      el("td", { className: "field", textContent: change.field }),
      el("td", { className: "old" }, ...changed(change.field, change.old)),
      el("td", { className: "new" }, ...changed(change.field, change.new))));
    item.append(el("table", { className: "changes" }, el("tbody", {}, ...rows)));
  }
  return item;
}

async function showOccurrence(id) {
  state.selected = id;
  const at = asOf();
  for (const node of $("timeline").children) node.classList.toggle("selected", node.dataset.id === id);
  const history = await getJson(`/v1/occurrences/${id}/history`);
  let view = null;
  try {
    view = await getJson(`/v1/occurrences/${id}${at ? `?as_of=${encodeURIComponent(at)}` : ""}`);
  } catch (error) {
    if (error.status !== 404) throw error;
  }
  $("occurrence-title").textContent = view ? view.title : "Not yet reported at this point";
  $("occurrence-meta").textContent = view
    ? `${view.kind.replace(/_/g, " ")} · occurred ${view.occurred.edtf} · ${view.status} · version ${view.version}`
    : "";
  $("revisions").replaceChildren(...history.revisions.map((revision) => revisionNode(revision, at)));
  $("occurrence").hidden = false;
  document.querySelector("main").classList.add("with-panel");
}

function closePanel() {
  state.selected = null;
  $("occurrence").hidden = true;
  document.querySelector("main").classList.remove("with-panel");
}

document.addEventListener("DOMContentLoaded", () => {
  $("token").value = state.token;
  $("use-token").addEventListener("click", () => {
    state.token = $("token").value.trim();
    sessionStorage.setItem("newsline-token", state.token);
    loadStories();
  });
  $("story").addEventListener("change", (event) => chooseStory(event.target.value));
  $("as-of").addEventListener("input", showTimeline);
  $("close").addEventListener("click", closePanel);
  loadStories();
});
