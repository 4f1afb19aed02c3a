// "New from an article": POST /v1/drafts, the drafts beside the text with their evidence marked,
// every field editable, and each accepted draft posted once (an Idempotency-Key per draft).
"use strict";

const drafting = { text: "", publishedAt: "", drafts: [] };

// Fields of a draft's occurrence as the editor sees and types them.
// (name, label, hint): the hint says how a list is typed.
const FIELDS = [
  ["title", "title", ""], ["kind", "kind", ""], ["occurred", "occurred (EDTF)", ""],
  ["summary", "summary", ""], ["actors", "actors", "one a line: Name (agent|target|mentioned)"],
  ["places", "places", "comma-separated"], ["figures", "figures", "killed: 7, injured: 3"],
  ["source", "source", ""], ["quote", "quote", ""], ["reported_at", "reported at", ""],
  ["stories", "stories", "comma-separated slugs"],
];

function fieldText(occurrence, name) {
  switch (name) {
    case "actors": return occurrence.actors.map((actor) => `${actor.name} (${actor.role})`).join("\n");
    case "places": return occurrence.places.join(", ");
    case "stories": return (occurrence.stories || []).join(", ");
    case "figures": return Object.entries(occurrence.figures).map(([key, value]) => `${key}: ${value}`).join(", ");
    case "source": return occurrence.source.name;
    case "quote": return occurrence.source.quote || "";
    default: return occurrence[name] || "";
  }
}

const list = (text) => text.split(",").map((part) => part.trim()).filter(Boolean);

// Reads an edited field back into the occurrence body; throws a message the card shows.
function setField(occurrence, name, text) {
  switch (name) {
    case "actors":
      occurrence.actors = text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
        const found = /^(.*?)\s*\((agent|target|mentioned)\)$/.exec(line);
        return found ? { name: found[1], role: found[2] } : { name: line, role: "mentioned" };
      });
      break;
    case "places": occurrence.places = list(text); break;
    case "stories": occurrence.stories = list(text); break;
    case "figures":
      occurrence.figures = Object.fromEntries(list(text).map((pair) => {
        const [key, value] = pair.split(":").map((part) => part.trim());
        if (!key || value === undefined || value === "" || Number.isNaN(Number(value))) throw new Error(`figures: "${pair}" is not name: number`);
        return [key, Number(value)];
      }));
      break;
    case "source": occurrence.source = { ...occurrence.source, name: text }; break;
    case "quote": occurrence.source = { ...occurrence.source, quote: text || null }; break;
    default: occurrence[name] = text;
  }
}

function fieldInput(draft, name, label, hint) {
  const value = fieldText(draft.occurrence, name);
  let input;
  if (name === "kind") {
    input = el("select", {}, ...state.kinds.map((kind) => el("option", { value: kind.kind, textContent: words(kind.kind) })));
    input.value = value;
  } else if (name === "summary" || name === "actors") {
    input = el("textarea", { value, rows: 2, placeholder: hint });
  } else {
    input = el("input", { value, type: "text", placeholder: hint });
  }
  input.name = name;
  input.addEventListener("input", () => {
    try {
      setField(draft.occurrence, name, input.value);
      draft.key = freshKey(); // another body: a fresh key, or the server would answer 409
      draft.card.querySelector(".draft-error").textContent = "";
    } catch (error) {
      draft.card.querySelector(".draft-error").textContent = error.message;
    }
  });
  return el("label", { className: `field field-${name}` }, el("span", { textContent: label }), input);
}

function draftCard(draft, index) {
  const time = draft.time ? `“${draft.time.text}” → ${draft.time.edtf}` : "no time expression found: the publication day";
  const suggested = draft.relations.map((relation) => `${words(relation.type)} draft ${relation.draft + 1}`).join(", ");
  const accept = el("button", { type: "button", className: "accept", textContent: "Accept" });
  const card = el("article", { className: "draft" },
    el("header", {},
      el("span", { className: "draft-number", textContent: `${index + 1}` }),
      el("span", { className: "draft-time", textContent: time }),
      el("span", { className: "confidence", textContent: `confidence ${Math.round(draft.confidence * 100)} %` }),
      accept),
    suggested ? el("div", { className: "suggested", textContent: `suggested: ${suggested}` }) : null,
    el("div", { className: "fields" }, ...FIELDS.map(([name, label, hint]) => fieldInput(draft, name, label, hint))),
    el("div", { className: "draft-error", role: "alert" }));
  card.dataset.index = String(index);
  accept.addEventListener("click", () => acceptDraft(index).catch(() => { /* shown on the card */ }));
  card.addEventListener("mouseenter", () => markEvidence(index));
  card.addEventListener("focusin", () => markEvidence(index));
  draft.card = card;
  return card;
}

// The article with each draft's evidence marked; overlapping spans are cut at every boundary.
function showArticle() {
  const { text, drafts } = drafting;
  const cuts = new Set([0, text.length]);
  for (const draft of drafts) { cuts.add(draft.evidence.start); cuts.add(draft.evidence.end); }
  const points = [...cuts].filter((point) => point >= 0 && point <= text.length).sort((a, b) => a - b);
  const parts = [];
  for (let i = 0; i + 1 < points.length; i += 1) {
    const [from, to] = [points[i], points[i + 1]];
    const covering = drafts.map((draft, index) => [draft, index])
      .filter(([draft]) => draft.evidence.start <= from && draft.evidence.end >= to).map(([, index]) => index);
    const piece = text.slice(from, to);
    if (!covering.length) { parts.push(piece); continue; }
    const mark = el("mark", { textContent: piece });
    mark.dataset.drafts = covering.join(" ");
    mark.addEventListener("click", () => {
      markEvidence(covering[0]);
      drafts[covering[0]].card.scrollIntoView({ block: "nearest" });
    });
    parts.push(mark);
  }
  $("article-text").replaceChildren(...parts);
}

function markEvidence(index) {
  for (const mark of $("article-text").querySelectorAll("mark")) {
    mark.classList.toggle("active", mark.dataset.drafts.split(" ").includes(String(index)));
  }
  for (const draft of drafting.drafts) draft.card.classList.toggle("active", draft.card.dataset.index === String(index));
}

async function draftArticle() {
  const text = $("article-input").value;
  const published = $("published-at").value.trim();
  $("draft-message").textContent = "";
  try {
    const body = { text, published_at: published };
    if (state.story) body.stories = [state.story];
    const { items } = await postJson("/v1/drafts", body);
    drafting.text = text;
    drafting.publishedAt = published;
    drafting.drafts = items.map((draft) => ({ ...draft, key: freshKey(), acceptedId: null, pending: null, linked: new Set() }));
    showArticle();
    $("drafts").replaceChildren(...drafting.drafts.map(draftCard));
    $("draft-review").hidden = false;
    $("article-input").hidden = true; // the text is shown beside the drafts now
    $("edit-text").hidden = false;
    $("draft-message").textContent = `${items.length} drafts`;
  } catch (error) {
    $("draft-message").textContent = error.message;
  }
}

// Posts draft `index` once: a second click while it is on its way waits for the same request,
// and its Idempotency-Key makes a retried request write nothing new.
async function acceptDraft(index, refreshAfter = true) {
  const draft = drafting.drafts[index];
  if (draft.acceptedId) return draft.acceptedId;
  if (!draft.pending) draft.pending = postDraft(draft, index).finally(() => { draft.pending = null; });
  const id = await draft.pending;
  if (refreshAfter) await afterAccepting();
  return id;
}

async function postDraft(draft, index) {
  const error = draft.card.querySelector(".draft-error");
  error.textContent = "";
  try {
    const body = structuredClone(draft.occurrence);
    const known = draft.relations.filter((relation) => drafting.drafts[relation.draft].acceptedId && relation.draft !== index);
    body.relations = [...(body.relations || []),
      ...known.map((relation) => ({ type: relation.type, target: drafting.drafts[relation.draft].acceptedId }))];
    const made = await postJson("/v1/occurrences", body, { "Idempotency-Key": draft.key });
    known.forEach((relation) => draft.linked.add(relation.draft));
    draft.acceptedId = made.id;
    // Drafts accepted earlier that answer this one get their relation now.
    for (const other of drafting.drafts) {
      for (const relation of other.relations) {
        if (relation.draft !== index || !other.acceptedId || other === draft || other.linked.has(index)) continue;
        await postJson(`/v1/occurrences/${other.acceptedId}/relations`,
          { type: relation.type, target: made.id, reported_at: other.occurrence.reported_at },
          { "Idempotency-Key": `${other.key}-${relation.type}-${index}` });
        other.linked.add(index);
      }
    }
    draft.card.classList.add("accepted");
    draft.card.dataset.id = made.id;
    draft.card.querySelector(".accept").textContent = "Accepted";
    draft.card.querySelectorAll("input, select, textarea").forEach((input) => { input.disabled = true; });
    return made.id;
  } catch (failure) {
    error.textContent = failure.message;
    throw failure;
  }
}

async function acceptAll() {
  const failed = [];
  for (const index of drafting.drafts.keys()) {
    try { await acceptDraft(index, false); } catch (_) { failed.push(index + 1); }
  }
  $("draft-message").textContent = failed.length ? `not accepted: drafts ${failed.join(", ")}` : "every draft accepted";
  await afterAccepting();
}

// Accepted occurrences join the axis: new report and record stops, the picture redrawn.
async function afterAccepting() {
  await Promise.all([loadReportStops(), loadRecordStops()]);
  setStops("as-of", state.reportStops, true);
  setStops("recorded-as-of", state.recordStops, true);
  await refresh();
  axis.fit();
}

function setUpDrafts() {
  $("new-article").addEventListener("click", () => {
    const open = $("article").hidden;
    $("article").hidden = !open;
    if (open && !$("published-at").value) $("published-at").value = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  });
  $("draft").addEventListener("click", draftArticle);
  $("edit-text").addEventListener("click", () => {
    $("article-input").hidden = false;
    $("edit-text").hidden = true;
  });
  $("accept-all").addEventListener("click", () => acceptAll().catch((error) => say(error.message)));
}
