// The revision panel: an occurrence as of the chosen times, and every revision with who wrote it.
"use strict";

// A changed value as table-cell content: relations name their target by title, beside its id.
function changed(field, value) {
  if (field !== "relations" || !Array.isArray(value) || !value.length) return [show(value)];
  return value.map((relation) => el("div", { className: "relation" },
    `${words(relation.type)} `,
    el("span", { className: "target-title", textContent: relation.target_title || "(unknown occurrence)" }),
    " ",
    el("span", { className: "target-id", textContent: relation.target })));
}

function changesTable(changes) {
  const rows = changes.map((change) => el("tr", {},
    el("td", { className: "field", textContent: change.field }),
    el("td", { className: "old" }, ...changed(change.field, change.old)),
    el("td", { className: "new" }, ...changed(change.field, change.new))));
  return el("table", { className: "changes" }, el("tbody", {}, ...rows));
}

function revisionNode(revision, at) {
  const item = el("li", {},
    el("span", { className: "revision-type", textContent: revision.type }),
    ` reported ${when(revision.reported_at)} by `,
    el("span", { className: "by", textContent: revision.by }),
    el("div", { className: "recorded", textContent: `recorded ${when(revision.recorded_at)} · source ${revision.source ? revision.source.name : "—"}` }));
  item.dataset.type = revision.type;
  if (at && new Date(revision.reported_at) > new Date(at)) {
    item.classList.add("after-as-of");
    item.append(el("em", { textContent: " (reported after this point)" }));
  }
  if (revision.reason) item.append(el("div", { className: "reason", textContent: `reason: ${revision.reason}` }));
  if (revision.type !== "reported" && revision.changes.length) item.append(changesTable(revision.changes)); // a first report changes every field
  return item;
}

// Fills the panel for occurrence `id` as of `times` ({as_of, recorded_as_of}, either may be absent).
async function showRevisions(id, times, titles) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(times)) if (value) query.set(name, value);
  const record = times.recorded_as_of ? `?recorded_as_of=${encodeURIComponent(times.recorded_as_of)}` : "";
  const history = await getJson(`/v1/occurrences/${id}/history${record}`);
  let view = null;
  try {
    view = await getJson(`/v1/occurrences/${id}?${query}`);
  } catch (error) {
    if (error.status !== 404) throw error;
  }
  $("occurrence").dataset.id = id;
  $("occurrence-title").textContent = view ? view.title : "Not yet reported at this point";
  $("occurrence-meta").textContent = view
    ? `${words(view.kind)} · occurred ${view.occurred.edtf} · ${view.status} · version ${view.version}`
    : "";
  const relations = view ? view.relations.map((relation) => el("li", { className: "relation" },
    `${words(relation.type)} `,
    el("span", { className: "target-title", textContent: titles.get(relation.target) || relation.target_title || relation.target }))) : [];
  const against = view ? [
    ...view.disputed_by.map((other) => el("li", { className: "disputed-by", textContent: `disputed by ${titles.get(other) || other}` })),
    ...view.corroborated_by.map((other) => el("li", { className: "corroborated-by", textContent: `corroborated by ${titles.get(other) || other}` })),
  ] : [];
  $("occurrence-relations").replaceChildren(...relations, ...against);
  $("revisions").replaceChildren(...history.revisions.map((revision) => revisionNode(revision, times.as_of)));
  $("occurrence").hidden = false;
}
