// The desk's small helpers: DOM building, the public API with the token, times.
"use strict";

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function token() { return sessionStorage.getItem("newsline-token") || ""; }

// Every request the desk makes goes through here, with the token when one is set.
async function api(path, { method = "GET", body, headers = {} } = {}) {
  const sent = { Accept: "application/json", ...headers };
  if (token()) sent.Authorization = `Bearer ${token()}`;
  if (body !== undefined) sent["Content-Type"] = "application/json";
  const answer = await fetch(path, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!answer.ok) {
    let detail = answer.statusText;
    let errors = [];
    try {
      const problem = await answer.json();
      detail = problem.detail || detail;
      errors = problem.errors || [];
    } catch (_) { /* not a problem body */ }
    const named = errors.map((error) => `${error.field}: ${error.message}`).join("; ");
    const error = new Error(`${answer.status}: ${detail}${named ? ` (${named})` : ""}`);
    error.status = answer.status;
    throw error;
  }
  return answer;
}
const getJson = async (path) => (await api(path)).json();
const postJson = async (path, body, headers = {}) => (await api(path, { method: "POST", body, headers })).json();

// Every page of a timeline answer (at most `pages` of 1000).
async function allItems(path, params, pages = 10) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < pages; page += 1) {
    const query = new URLSearchParams(params);
    query.set("limit", "1000");
    if (cursor) query.set("cursor", cursor);
    const answer = await getJson(`${path}?${query}`);
    items.push(...answer.items);
    cursor = answer.next_cursor;
    if (!cursor) break;
  }
  return items;
}

function say(text) { $("message").textContent = text; }

function when(iso) {
  return new Date(iso).toISOString().replace("T", " ").replace(/:00\.000Z$|\.\d{3}Z$/, "").replace(/Z$/, "") + " UTC";
}

// An instant in the API's own form (2014-05-19T08:15:00Z), whatever offset it was written with.
const instant = (text) => new Date(text).toISOString().replace(/\.000Z$/, "Z");

function show(value) {
  if (value === null || value === undefined) return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

const words = (slug) => slug.replace(/_/g, " ");

// An Idempotency-Key; crypto.getRandomValues works on plain-HTTP hosts too (randomUUID does not).
function freshKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "desk-" + [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
