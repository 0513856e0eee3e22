// My needs: the requests of the coordinator's own state, filtered by crisis, sector, status and
// priority (kept in the query string), with what is committed, in transit, delivered and missing.
// After a command the first read waits for it (Concord-Consistent-With); the Changes subscription
// keeps the list current.

import { follow, run } from "/static/graphql.js";
import { codeLists, option } from "./codes.js";
import { mountHeader } from "./header.js";
import { requireSignIn, signOut } from "./session.js";

const $ = (selector) => document.querySelector(selector);
const token = requireSignIn();
const FILTERS = ["crisis", "sector", "status", "priority"];
const STATUS_NAMES = {
  OPEN: "Open",
  PARTIALLY_COVERED: "Partially covered",
  COVERED: "Covered",
  CLOSED: "Closed",
  CANCELLED: "Cancelled",
};
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });
let me = null;
let crises = new Map();
let shown = 0;
let cursor = null;

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function row(need, posted) {
  const tr = document.createElement("tr");
  tr.dataset.request = need.id;
  if (need.id === posted) tr.className = "just-posted";
  const title = cell("");
  const strong = document.createElement("strong");
  const link = document.createElement("a");
  link.href = `/workbench/need?id=${encodeURIComponent(need.id)}`;
  link.textContent = need.title;
  strong.append(link);
  title.append(strong, document.createElement("br"), `${need.item} · ${need.sector}`);
  const flags = [need.transportNeeded && "transport", need.escortNeeded && "escort"].filter(Boolean);
  if (flags.length) title.append(` · needs ${flags.join(" and ")}`);
  tr.append(
    title,
    cell(crises.get(need.crisisId) ?? need.crisisId),
    cell(need.adminCode),
    cell(String(need.priority)),
    cell(need.neededBy),
    cell(`${number.format(need.quantity)} ${need.unit}`, "num"),
    cell(number.format(need.committed), "num"),
    cell(number.format(need.inTransit), "num"),
    cell(number.format(need.delivered), "num"),
    cell(number.format(need.gap), "num"),
    cell(STATUS_NAMES[need.status] ?? need.status),
  );
  return tr;
}

function filter() {
  const params = new URLSearchParams(location.search);
  const chosen = { memberState: [me.memberState] };
  if (params.get("crisis")) chosen.crisis = [params.get("crisis")];
  if (params.get("sector")) chosen.sector = [params.get("sector")];
  if (params.get("status")) chosen.status = [params.get("status")];
  if (params.get("priority")) chosen.priority = [Number(params.get("priority"))];
  return chosen;
}

// Reads a page of needs; `from`: the cursor to continue after, or null for the first page.
async function load(from, headers = {}) {
  const params = new URLSearchParams(location.search);
  const variables = { filter: filter(), first: 50, after: from };
  try {
    const { requests } = await run("Needs", variables, token, headers);
    const rows = requests.edges.map(({ node }) => row(node, params.get("posted")));
    if (from) $("#needs-body").append(...rows);
    else $("#needs-body").replaceChildren(...rows);
    shown = from ? shown + rows.length : rows.length;
    cursor = requests.pageInfo.endCursor;
    $("#more").hidden = !requests.pageInfo.hasNextPage;
    $("#count").textContent = requests.totalCount === 1 ? "1 need" : `${requests.totalCount} needs`;
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The list could not be read: ${error.message}`;
  }
}

function applyFilters() {
  const params = new URLSearchParams();
  for (const name of FILTERS) if ($(`#${name}`).value) params.set(name, $(`#${name}`).value);
  history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
  load(null);
}

async function start() {
  me = await mountHeader(token);
  if (me.role !== "COORDINATOR") {
    $("#not-for-role").hidden = false;
    return;
  }
  const { sectors } = await codeLists();
  for (const sector of sectors.values()) $("#sector").append(option(sector.code, sector.name));
  const listed = (await run("Crises", { includeClosed: true }, token)).crises;
  crises = new Map(listed.map((crisis) => [crisis.id, crisis.name]));
  for (const crisis of listed.filter((c) => c.affectedStates.includes(me.memberState))) {
    $("#crisis").append(option(crisis.id, crisis.name));
  }
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) $(`#${name}`).value = params.get(name) ?? "";
  for (const name of FILTERS) $(`#${name}`).addEventListener("change", applyFilters);
  $("#filters").addEventListener("submit", (event) => event.preventDefault());
  $("#more").addEventListener("click", () => load(cursor));

  const position = params.get("consistentWith");
  await load(null, position ? { "Concord-Consistent-With": position } : {});
  if (position) {
    const posted = $(`#needs-body tr[data-request="${CSS.escape(params.get("posted") ?? "")}"]`);
    const notice = $("#posted");
    notice.textContent = posted
      ? `Posted: ${posted.querySelector("strong").textContent}. It is marked in the list.`
      : "Posted.";
    notice.hidden = false;
    notice.focus();
    params.delete("consistentWith");
    history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
  }
  let timer = null;
  follow("Changes", token, {
    onNext: () => {
      clearTimeout(timer);
      timer = setTimeout(() => load(null), 300);
    },
    onStatus: () => {},
    onAuthError: signOut,
  });
}

if (token) start();
