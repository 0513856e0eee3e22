// The history page, /workbench/history?kind=request|safe-haven&id=…: the object's changes (who,
// when, what) and the object as it stood at a chosen moment (the API's asOf). Whether the caller
// may read the history is the server's decision; the page says so in words when it may not.

import { AuthError, run, send } from "/static/graphql.js";
import { codeLists } from "./codes.js";
import { $, words } from "./field.js";
import { mountHistory, when } from "./history.js";
import { mountHeader } from "./header.js";
import { requireSignIn } from "./session.js";

const KINDS = {
  request: {
    noun: "need",
    history: "RequestHistory",
    asOf: "RequestAsOf",
    field: "request",
    back: (id) => `/workbench/need?id=${encodeURIComponent(id)}`,
    name: (need) => need.title,
    forbidden: "Only the coordinators of the need's own state and the secretariat read its history.",
    shown: [
      ["title", "Title"], ["description", "Description"], ["quantity", "Quantity"], ["unit", "Unit"],
      ["priority", "Priority"], ["neededBy", "Needed by"], ["adminCode", "Admin area"],
      ["status", "Status"], ["cancellationReason", "Reason for cancelling"],
    ],
  },
  "safe-haven": {
    noun: "safe haven",
    history: "SafeHavenHistory",
    asOf: "SafeHavenAsOf",
    field: "safeHaven",
    back: () => "/workbench/safe-havens",
    name: (haven) => haven.name,
    forbidden: "The history of this safe haven is not open to you.",
    shown: [
      ["name", "Name"], ["adminCode", "Admin area"], ["capacityDay", "Capacity by day"],
      ["capacityNight", "Capacity by night"], ["occupancy", "Sheltered"],
      ["reserved", "Held for arrivals"], ["status", "Status"],
    ],
  },
};
const PAGE = 10;
const token = requireSignIn();
const query = new URLSearchParams(location.search);
const kind = KINDS[query.get("kind")];
const id = query.get("id") ?? "";

const organisations = new Map();
let states = new Map();

// Names the organisations a page of changes mentions, before the page is shown.
async function learnOrganisations(edges) {
  const unknown = new Set(edges.map(({ node }) => node.actor?.organisationId).filter((o) => o && !organisations.has(o)));
  await Promise.all(
    [...unknown].map((code) =>
      run("Organisation", { id: code }, token)
        .then(({ organisation }) => organisations.set(code, organisation?.name ?? code))
        .catch(() => organisations.set(code, code)),
    ),
  );
}

const places = (code) => states.get(code)?.name ?? organisations.get(code) ?? code;

function term(label, value) {
  const wrap = document.createElement("div");
  const dt = document.createElement("dt");
  dt.textContent = label;
  const dd = document.createElement("dd");
  dd.textContent = value == null || value === "" ? "—" : String(value);
  wrap.append(dt, dd);
  return wrap;
}

async function showAsOf(moment) {
  $("#asOf-error").textContent = "";
  $("#then").replaceChildren();
  $("#then-heading").textContent = "";
  const { body } = await send(kind.asOf, { id, asOf: moment }, token);
  const [error] = body.errors ?? [];
  if (error || !body.data) {
    const code = error?.extensions?.code;
    $("#asOf-error").textContent =
      code === "NOT_FOUND" ? `The ${kind.noun} did not exist yet at that moment.` : `It could not be read: ${error?.message}`;
    return;
  }
  const object = body.data[kind.field];
  $("#then-heading").textContent = `The ${kind.noun} as it stood at ${when.format(new Date(moment))} UTC:`;
  $("#then").replaceChildren(
    ...kind.shown
      .filter(([name]) => name in object && (name !== "cancellationReason" || object[name]))
      .map(([name, label]) => term(label, name === "status" ? words(object[name]) : object[name])),
  );
}

function pick(at) {
  const input = $("#asOf");
  input.value = new Date(at).toISOString().slice(0, 23);
  input.dataset.exact = at;
  showAsOf(at);
  input.focus();
}

async function start() {
  await mountHeader(token);
  if (!kind || !id) {
    $("#problem").textContent = "Which history? The address names no need or safe haven.";
    return;
  }
  $("#back").href = kind.back(id);
  $("#back").textContent = `Back to the ${kind.noun}`;
  ({ states } = await codeLists());
  const reload = mountHistory({
    list: $("#history"),
    more: $("#more"),
    count: $("#shown"),
    places,
    onMoment: pick,
    fetchPage: async (after) => {
      const object = (await run(kind.history, { id, after, first: PAGE }, token))[kind.field];
      $("#title").textContent = `History of ${kind.name(object)}`;
      document.title = `History of ${kind.name(object)} · Concord workbench`;
      await learnOrganisations(object.history.edges);
      return object.history;
    },
  });
  $("#asOf").addEventListener("input", () => delete $("#asOf").dataset.exact);
  $("#moment").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("#asOf");
    showAsOf(input.dataset.exact ?? `${input.value}Z`);
  });
  try {
    await reload();
  } catch (error) {
    if (error instanceof AuthError) {
      $("#forbidden").textContent = kind.forbidden;
      $("#forbidden").hidden = false;
    } else {
      $("#problem").textContent = `The history could not be read: ${error.message}`;
    }
  }
}

if (token) start();
