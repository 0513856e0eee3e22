// The history page, /workbench/history?kind=…&id=…: any object's changes (who, when, what) and the
// object as it stood at a chosen moment (the API's asOf). Each kind names its two operations
// (<Kind>History, <Kind>AsOf); the object as it stood is whatever its AsOf operation selects.
// Whether the caller may read the history is the server's decision; the page says so in words.

import { AuthError, run, send } from "/static/graphql.js";
import { codeLists } from "./codes.js";
import { $, words } from "./field.js";
import { mountHistory, when } from "./history.js";
import { mountHeader } from "./header.js";
import { requireSignIn } from "./session.js";

const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });
const MOVEMENT_KINDS = {
  REFUGEE_REPATRIATION: "repatriation",
  IDP_RESETTLEMENT: "resettlement",
  IDP_RETURN: "return",
  RELOCATION: "relocation",
};
// Each kind: its noun, its operations' stem, the query field, the page that lists or shows it, and
// how the page names one.
const KINDS = {
  request: {
    noun: "need", operations: "Request", field: "request", name: (need) => need.title,
    back: (id) => `/workbench/need?id=${encodeURIComponent(id)}`, backTo: "the need",
    forbidden: "Only the coordinators of the need's own state and the secretariat read its history.",
  },
  "safe-haven": {
    noun: "safe haven", operations: "SafeHaven", field: "safeHaven", name: (haven) => haven.name,
    back: () => "/workbench/safe-havens", backTo: "the safe havens",
  },
  crisis: { noun: "crisis", operations: "Crisis", field: "crisis", name: (c) => c.name, back: () => "/workbench/crises",
    backTo: "the crises" },
  offer: {
    noun: "offer", operations: "Offer", field: "offer", back: () => "/workbench/offers", backTo: "the offers",
    name: (offer) => `the offer of ${number.format(offer.quantity)} ${offer.unit} of ${offer.item}`,
  },
  match: {
    noun: "match", operations: "Match", field: "match", back: () => "/workbench/deliveries", backTo: "the matches",
    name: (match) => `the match of ${number.format(match.quantity)} ${match.unit}`,
  },
  pledge: {
    noun: "pledge", operations: "Pledge", field: "pledge", back: () => "/workbench/pledges", backTo: "the pledges",
    name: (pledge) => `the pledge of ${number.format(pledge.amount)} ${pledge.currency}`,
  },
  fund: { noun: "fund", operations: "Fund", field: "fund", name: (fund) => fund.name, back: () => "/workbench/fund",
    backTo: "the Stability Fund" },
  movement: {
    noun: "movement", operations: "Movement", field: "movement", back: () => "/workbench/movements", backTo: "the movements",
    name: (m) => `the ${MOVEMENT_KINDS[m.kind] ?? words(m.kind)} of ${m.people ?? "some"} people leaving ${m.plannedDeparture}`,
  },
  project: {
    noun: "project", operations: "Project", field: "project", name: (project) => project.title,
    back: (id) => `/workbench/projects/project?id=${encodeURIComponent(id)}`, backTo: "the project",
  },
};
// How a field of an object as it stood is labelled and shown, whatever its kind.
const LABELS = {
  adminCode: "Admin area", neededBy: "Needed by", capacityDay: "Capacity by day", capacityNight: "Capacity by night",
  occupancy: "Sheltered", reserved: "Held for arrivals", cancellationReason: "Reason for cancelling",
  memberState: "Member state", usdAmount: "In US dollars", usdPaid: "Paid, in US dollars", inKind: "In kind",
  originAdminCode: "Leaving from (admin area)", destinationAdminCode: "Going to (admin area)",
  originCountry: "Leaving from (country)", affectedStates: "Affected states", serves: "Can serve",
  overCover: "More than requested", proposedBy: "Proposed by", statusReason: "Reason for the status",
};
const CODE_WORDS = { IDP_RETURN: "IDP return", IDP_RESETTLEMENT: "IDP resettlement", IN_KIND: "In kind" };
const CODES = new Set(["status", "phase", "kind", "earmarking", "deliveryMode", "sector", "method"]);
const PLACES = new Set(["memberState", "affectedStates", "serves", "originCountry", "offeringState"]);
const UNSHOWN = new Set(["id", "version", "__typename"]);
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
const label = (name) => LABELS[name] ?? words(name.replace(/([a-z])([A-Z])/g, "$1_$2"));

// One value as words: codes spelled out, states named, yes or no, lists and parts joined.
function shown(name, value) {
  if (value == null || value === "") return "—";
  if (Array.isArray(value)) return value.length ? value.map((v) => shown(name, v)).join("; ") : "none";
  if (typeof value === "object") {
    return Object.entries(value).filter(([part]) => !UNSHOWN.has(part))
      .map(([part, v]) => `${label(part).toLowerCase()} ${shown(part, v)}`).join(", ");
  }
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (CODES.has(name)) return words(value, CODE_WORDS);
  if (PLACES.has(name)) return places(value);
  return String(value);
}

function term(name, value) {
  const wrap = document.createElement("div");
  const dt = document.createElement("dt");
  dt.textContent = label(name);
  const dd = document.createElement("dd");
  dd.textContent = shown(name, value);
  wrap.append(dt, dd);
  return wrap;
}

async function showAsOf(moment) {
  $("#asOf-error").textContent = "";
  $("#then").replaceChildren();
  $("#then-heading").textContent = "";
  const { body } = await send(`${kind.operations}AsOf`, { id, asOf: moment }, token);
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
    ...Object.entries(object).filter(([name]) => !UNSHOWN.has(name)).map(([name, value]) => term(name, value)),
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
    $("#problem").textContent = "Which history? The address names no object of a kind the workbench knows.";
    return;
  }
  $("#back").href = kind.back(id);
  $("#back").textContent = `Back to ${kind.backTo}`;
  ({ states } = await codeLists());
  const reload = mountHistory({
    list: $("#history"),
    more: $("#more"),
    count: $("#shown"),
    places,
    onMoment: pick,
    fetchPage: async (after) => {
      const object = (await run(`${kind.operations}History`, { id, after, first: PAGE }, token))[kind.field];
      const name = kind.name(object);
      $("#title").textContent = `History of ${name}`;
      document.title = `History of ${name} · Concord workbench`;
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
      $("#forbidden").textContent = kind.forbidden ?? `The history of this ${kind.noun} is not open to you.`;
      $("#forbidden").hidden = false;
    } else {
      $("#problem").textContent = `The history could not be read: ${error.message}`;
    }
  }
}

if (token) start();
