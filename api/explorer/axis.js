// The time axis: occurrences at their valid time on a vis-timeline, grouped by story or kind,
// with lines from each occurrence to those that dispute or corroborate it.
"use strict";

const DAY = 24 * 60 * 60 * 1000;

// An EDTF end written with `~`, `?` or `%`, or left open, is drawn softer.
function softEnds(occurred) {
  const parts = occurred.edtf.split("/");
  const soft = (part) => /[~?%]$/.test(part) || part === ".." || part === "";
  if (parts.length === 2) return { start: soft(parts[0]), end: soft(parts[1]) };
  const both = occurred.approximate || occurred.uncertain;
  return { start: both, end: both };
}

class Axis {
  constructor(container, onSelect) {
    this.container = container;
    this.items = new vis.DataSet();
    this.groups = new vis.DataSet();
    this.nodes = new Map(); // occurrence id → its content elements on the axis
    this.timeline = new vis.Timeline(container, this.items, this.groups, {
      orientation: "top",
      stack: true,
      align: "left", // a box starts at its occurrence's start, as a bar does
      zoomKey: "ctrlKey",
      margin: { item: { horizontal: 4, vertical: 6 } },
      showCurrentTime: false,
      groupOrder: "order",
      tooltip: { followMouse: false, overflowMethod: "cap" },
      xss: { disabled: true }, // contents are elements the desk builds from text, never HTML
    });
    this.svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    this.svg.classList.add("links");
    container.append(this.svg);
    this.timeline.on("select", ({ items }) => onSelect(items.length ? items[0].split("|")[0] : null));
    this.timeline.on("changed", () => this.drawLinks());
    this.entries = [];
  }

  // Puts `entries` on the axis; `grouping` is "story", "kind" or "none"; `marks` maps id → change.
  show(entries, grouping, marks = new Map(), storyTitles = new Map()) {
    this.entries = entries;
    this.nodes.clear();
    const groups = new Map();
    const items = [];
    for (const entry of entries) {
      const keys = grouping === "story" ? (entry.stories.length ? entry.stories : ["(no story)"])
        : grouping === "kind" ? [entry.kind] : ["all"];
      for (const key of keys) {
        if (!groups.has(key)) {
          const label = grouping === "story" ? storyTitles.get(key) || key : grouping === "kind" ? words(key) : "";
          groups.set(key, { id: key, content: label, order: label });
        }
        items.push(this.item(entry, key, keys.length > 1 ? `${entry.id}|${key}` : entry.id, marks.get(entry.id)));
      }
    }
    this.items.clear();
    this.groups.clear();
    this.groups.add([...groups.values()]);
    this.items.add(items);
    this.container.dataset.count = String(entries.length);
  }

  item(entry, group, id, mark) {
    const start = new Date(entry.occurred.start);
    const end = new Date(entry.occurred.end);
    const soft = softEnds(entry.occurred);
    const content = el("div", { className: "occ" },
      el("span", { className: "occ-title", textContent: entry.title }),
      el("span", { className: "occ-when", textContent: ` ${entry.occurred.edtf}` }));
    Object.assign(content.dataset, { id: entry.id, status: entry.status, kind: entry.kind, edtf: entry.occurred.edtf });
    if (mark) content.dataset.change = mark;
    if (!this.nodes.has(entry.id)) this.nodes.set(entry.id, []);
    this.nodes.get(entry.id).push(content);
    const classes = [`status-${entry.status}`];
    if (soft.start) classes.push("soft-start");
    if (soft.end) classes.push("soft-end");
    if (mark) classes.push(`change-${mark}`);
    const figures = Object.entries(entry.figures).map(([name, number]) => `${name}: ${number}`).join(", ");
    const tip = el("div", {},
      el("strong", { textContent: entry.title }),
      el("div", { textContent: `${words(entry.kind)} · ${entry.occurred.edtf} · ${entry.status}` }),
      el("div", { textContent: `${entry.source.name}${figures ? ` · ${figures}` : ""}` }));
    const long = end - start > 2 * DAY;
    return {
      id, group, content, title: tip, start, end: long ? end : undefined,
      type: long ? "range" : "box", className: classes.join(" "),
    };
  }

  // Every occurrence in view, with room on the right for the labels of the latest ones.
  fit() {
    this.timeline.fit({ animation: false });
    const { start, end } = this.timeline.getWindow();
    this.timeline.setWindow(start, new Date(end.getTime() + (end - start) * 0.25), { animation: false });
  }

  select(id) {
    const ids = this.items.getIds().filter((itemId) => itemId.split("|")[0] === id);
    this.timeline.setSelection(ids);
  }

  // Lines from each occurrence to those that dispute or corroborate it, in the status colours.
  drawLinks() {
    const box = this.container.getBoundingClientRect();
    this.svg.setAttribute("width", String(box.width));
    this.svg.setAttribute("height", String(box.height));
    // A line joins the starts of the two occurrences (their valid times), at mid-height.
    const anchor = (node) => {
      const rect = (node.closest(".vis-item") || node).getBoundingClientRect();
      return rect.width ? [rect.left - box.left + Math.min(10, rect.width / 2), rect.top - box.top + rect.height / 2] : null;
    };
    const lines = [];
    for (const entry of this.entries) {
      for (const [others, type] of [[entry.disputed_by, "disputes"], [entry.corroborated_by, "corroborates"]]) {
        for (const other of others || []) {
          const from = (this.nodes.get(other) || [])[0];
          const to = (this.nodes.get(entry.id) || [])[0];
          const a = from && anchor(from);
          const b = to && anchor(to);
          if (!a || !b) continue;
          const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
          line.setAttribute("x1", a[0]); line.setAttribute("y1", a[1]);
          line.setAttribute("x2", b[0]); line.setAttribute("y2", b[1]);
          line.classList.add(`link-${type}`);
          Object.assign(line.dataset, { from: other, to: entry.id, type });
          lines.push(line);
        }
      }
    }
    this.svg.replaceChildren(...lines);
  }
}
