// The desk: filters, the two time sliders and "what changed" around the axis.
"use strict";

const state = {
  story: "", // "" is every story
  reportStops: [], // report times (reported_at) of every revision, oldest first
  recordStops: [], // record times: the last recorded_at of each burst of writes
  entries: [],
  titles: new Map(), // occurrence id → title, for the panel's relations
  storyTitles: new Map(),
  entities: new Map(), // entity name → its id and types
  kinds: [],
  changes: null, // the last "what changed" answer, merged over the stories shown
  selected: null,
  request: 0,
};
let axis = null;
const MAX_RECORD_STOPS = 2000;

function stopAt(slider, stops) {
  const index = Number($(slider).value);
  return index < stops.length ? stops[index] : null;
}

// The two points in time the whole picture is drawn at.
function times() {
  return { as_of: stopAt("as-of", state.reportStops), recorded_as_of: stopAt("recorded-as-of", state.recordStops) };
}

function setStops(slider, stops, keep) {
  const input = $(slider);
  const wasLatest = Number(input.value) >= Number(input.max);
  input.max = String(stops.length);
  if (!keep || wasLatest) input.value = input.max;
  input.disabled = stops.length === 0;
}

async function loadReportStops() {
  // Every revision's report time, from the NDJSON export of what is shown.
  const path = state.story ? `/v1/stories/${encodeURIComponent(state.story)}/timeline` : "/v1/timeline";
  const text = await (await api(`${path}?format=ndjson`)).text();
  const seen = new Map();
  for (const line of text.split("\n").filter(Boolean)) {
    const reported = JSON.parse(line).reported_at;
    if (reported) seen.set(new Date(reported).getTime(), instant(reported));
  }
  state.reportStops = [...seen.entries()].sort((a, b) => a[0] - b[0]).map((entry) => entry[1]);
  for (const id of ["since", "until"]) {
    const select = $(id);
    const previous = select.value;
    select.replaceChildren(...state.reportStops.map((stop) => el("option", { value: stop, textContent: when(stop) })));
    if (id === "until") select.append(el("option", { value: "", textContent: "latest" }));
    if ([...select.options].some((option) => option.value === previous)) select.value = previous;
    else select.selectedIndex = id === "until" ? select.options.length - 1 : 0;
  }
}

async function loadRecordStops() {
  // Record times come from the event log: every write's recorded_at, thinned to at most
  // MAX_RECORD_STOPS evenly spread stops (always keeping the latest) on a large store.
  const recorded = [];
  let after = 0;
  for (let page = 0; page < 100; page += 1) {
    const { items, next } = await getJson(`/v1/events?after=${after}&limit=1000`);
    recorded.push(...items.map((event) => event.recorded_at));
    if (items.length < 1000) break;
    after = next;
  }
  const step = Math.ceil(recorded.length / MAX_RECORD_STOPS);
  state.recordStops = recorded.filter((_, index) => (recorded.length - 1 - index) % step === 0);
}

function filterParams() {
  const params = new URLSearchParams();
  if (state.story) params.set("story", state.story);
  const q = $("q").value.trim();
  if (q) params.set("q", q);
  const kind = $("kind").value;
  if (kind) params.set("kind", kind);
  // A known place filters by place, anything else by actor (an unknown name then finds nothing).
  const named = $("entity").value.trim();
  const entity = state.entities.get(named);
  if (named) params.set(entity && !entity.types.includes("actor") ? "place" : "actor", named);
  if ($("include-retracted").checked || $("what-changed").checked) params.set("include_retracted", "true");
  return params;
}

// What changed between the two report times, over the stories shown: id → "added" | "changed" | "retracted".
async function loadChanges(until) {
  const slugs = state.story ? [state.story] : [...state.storyTitles.keys()];
  const merged = { added: new Map(), changed: new Map(), retracted: new Map() };
  const query = new URLSearchParams({ since: $("since").value });
  if (until) query.set("until", until);
  const recorded = times().recorded_as_of;
  if (recorded) query.set("recorded_as_of", recorded);
  for (const slug of slugs) {
    const answer = await getJson(`/v1/stories/${encodeURIComponent(slug)}/changes?${query}`);
    for (const part of ["added", "changed", "retracted"]) for (const item of answer[part]) merged[part].set(item.id, item);
  }
  state.changes = merged;
  const marks = new Map();
  for (const part of ["added", "changed", "retracted"]) for (const id of merged[part].keys()) marks.set(id, part);
  return marks;
}

function showChanges() {
  const list = $("changes-list");
  if (!state.changes) { list.hidden = true; return; }
  const title = (id, item) => state.titles.get(id) || (item && item.title) || id;
  const rows = [];
  for (const [id, item] of state.changes.added) rows.push(el("li", { className: "added" }, el("b", { textContent: "added " }), title(id, item)));
  for (const [id, item] of state.changes.changed) {
    rows.push(el("li", { className: "changed" }, el("b", { textContent: "changed " }), title(id), changesTable(item.changes)));
  }
  for (const [id, item] of state.changes.retracted) {
    const reason = item.retraction && item.retraction.reason ? ` (${item.retraction.reason})` : "";
    rows.push(el("li", { className: "retracted" }, el("b", { textContent: "retracted " }), title(id, item) + reason));
  }
  if (!rows.length) rows.push(el("li", { textContent: "nothing changed between these report times" }));
  list.replaceChildren(...rows);
  list.hidden = false;
}

async function refresh() {
  const request = ++state.request;
  const comparing = $("what-changed").checked;
  const at = times();
  if (comparing) at.as_of = $("until").value || null;
  $("as-of-label").value = at.as_of ? `as of ${when(at.as_of)}` : "latest";
  $("recorded-as-of-label").value = at.recorded_as_of ? `as of ${when(at.recorded_as_of)}` : "latest";
  const params = filterParams();
  for (const [name, value] of Object.entries(at)) if (value) params.set(name, value);
  try {
    const entries = await allItems("/v1/occurrences", params);
    const marks = comparing ? await loadChanges(at.as_of) : new Map();
    if (request !== state.request) return; // a later move won
    if (!comparing) state.changes = null;
    state.entries = entries;
    for (const entry of entries) state.titles.set(entry.id, entry.title);
    axis.show(entries, $("group-by").value, marks, state.storyTitles);
    if (state.selected) axis.select(state.selected);
    const picture = $("axis");
    picture.dataset.asOf = at.as_of || "latest";
    picture.dataset.recordedAsOf = at.recorded_as_of || "latest";
    picture.dataset.since = comparing ? $("since").value : "";
    picture.dataset.ready = String(request);
    showChanges();
    if (state.selected) await showRevisions(state.selected, at, state.titles);
    say(entries.length ? "" : "nothing to show at this point with these filters");
  } catch (error) {
    say(error.message);
  }
}

async function chooseStory(slug) {
  state.story = slug;
  closePanel();
  await Promise.all([loadReportStops(), loadRecordStops()]);
  setStops("as-of", state.reportStops, false);
  setStops("recorded-as-of", state.recordStops, false);
  await refresh();
  axis.fit();
}

async function load() {
  say("");
  try {
    const [{ items: stories }, { items: kinds }, { items: entities }] = await Promise.all([
      getJson("/v1/stories?limit=1000"), getJson("/v1/kinds"), getJson("/v1/entities?limit=1000"),
    ]);
    state.storyTitles = new Map(stories.map((story) => [story.slug, story.title]));
    state.kinds = kinds;
    state.entities = new Map(entities.map((entity) => [entity.name, entity]));
    const chosen = $("story").value; // a story picked while this loaded stays picked
    $("story").replaceChildren(el("option", { value: "", textContent: "All stories" }),
      ...stories.map((story) => el("option", { value: story.slug, textContent: story.title })));
    $("kind").replaceChildren(el("option", { value: "", textContent: "any kind" }),
      ...kinds.map((kind) => el("option", { value: kind.kind, textContent: words(kind.kind) + (kind.custom ? " (added)" : "") })));
    $("entities").replaceChildren(...entities.map((entity) => el("option", { value: entity.name })));
    const wanted = chosen || new URLSearchParams(location.search).get("story");
    if (wanted && state.storyTitles.has(wanted)) $("story").value = wanted;
    await chooseStory($("story").value);
  } catch (error) {
    say(error.status === 401 ? "this server needs a token for reads: enter one above" : error.message);
  }
}

async function select(id) {
  state.selected = id;
  if (!id) { closePanel(); return; }
  const at = times();
  if ($("what-changed").checked) at.as_of = $("until").value || null;
  await showRevisions(id, at, state.titles);
  document.querySelector("main").classList.add("with-panel");
}

function closePanel() {
  state.selected = null;
  $("occurrence").hidden = true;
  document.querySelector("main").classList.remove("with-panel");
}

document.addEventListener("DOMContentLoaded", () => {
  axis = new Axis($("axis"), (id) => select(id).catch((error) => say(error.message)));
  $("token").value = token();
  $("use-token").addEventListener("click", () => {
    sessionStorage.setItem("newsline-token", $("token").value.trim());
    load();
  });
  $("story").addEventListener("change", (event) => chooseStory(event.target.value));
  $("group-by").addEventListener("change", refresh);
  for (const id of ["as-of", "recorded-as-of"]) $(id).addEventListener("input", refresh);
  for (const id of ["kind", "include-retracted", "since", "until"]) $(id).addEventListener("change", refresh);
  for (const id of ["q", "entity"]) $(id).addEventListener("change", refresh);
  $("what-changed").addEventListener("change", () => {
    document.body.classList.toggle("comparing", $("what-changed").checked);
    refresh();
  });
  $("fit").addEventListener("click", () => axis.fit());
  $("close").addEventListener("click", () => { axis.select(null); closePanel(); });
  setUpDrafts();
  load();
});
