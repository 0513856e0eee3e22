// API keys: a signed-in person issues keys for their own integrations (each acts as they do, never
// wider), sees the keys they issued and revokes them; the secretariat sees and revokes any. Each
// control shows where the policy (me.permissions) lets the caller use it. The secret is in the
// issuing answer only: shown once in the page, kept in no storage, and cleared when hidden.

import { follow, run } from "/static/graphql.js";
import { codeLists } from "./codes.js";
import { commandForm } from "./forms.js";
import { mountHeader } from "./header.js";
import { may } from "./permissions.js";
import { requireSignIn, signOut } from "./session.js";

const $ = (selector) => document.querySelector(selector);
const token = requireSignIn();
const ROLE_NAMES = { COORDINATOR: "Relief coordinator", DONOR: "Donor", SECRETARIAT: "Secretariat", VIEWER: "Viewer" };
const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
let me = null;
let states = new Map();
let organisations = new Map();
let rows = new Map(); // key id → its row, kept while listed: a ticked confirmation survives a re-read
let latest = 0;

function element(tag, properties = {}, ...children) {
  const made = Object.assign(document.createElement(tag), properties);
  made.append(...children);
  return made;
}

function actsAs({ role, memberState, organisationId }) {
  const where = memberState
    ? (states.get(memberState)?.name ?? memberState)
    : organisationId ? (organisations.get(organisationId) ?? organisationId) : "";
  return `${ROLE_NAMES[role] ?? role}${where ? ` · ${where}` : ""}`;
}

function status(key) {
  return key.revokedAt ? `Revoked ${when.format(new Date(key.revokedAt))}` : "Active";
}

// A row's revocation: a confirmation to tick (checked before it is sent) and the button.
function revokeForm(key) {
  const id = `revoke-${key.id}`;
  const form = element("form", { id, className: "in-row" });
  form.setAttribute("aria-label", `Revoke the key for ${key.name}`);
  const confirm = element("input", { id: `${id}-confirm`, name: "confirm", type: "checkbox", required: true });
  confirm.setAttribute("aria-describedby", `${id}-confirm-error`);
  const label = element("label", { className: "check" }, confirm, " Stop it now");
  const problem = element("p", { id: `${id}-problem`, className: "error" });
  problem.setAttribute("role", "alert");
  const said = element("p", { id: `${id}-status`, className: "visually-hidden" });
  said.setAttribute("role", "status");
  form.append(
    element("div", { className: "field" }, label, element("p", { id: `${id}-confirm-error`, className: "field-error" })),
    problem,
    said,
    element("button", { type: "submit", className: "danger" }, "Revoke", element("span", { className: "visually-hidden", textContent: ` the key for ${key.name}` })),
  );
  return form;
}

function row(key) {
  const tr = element("tr");
  tr.dataset.key = key.id;
  const issued = element("td", {}, when.format(new Date(key.issuedAt)));
  if (!key.mine) issued.append(element("br"), element("span", { className: "muted", textContent: `by ${key.issuedBy}` }));
  const state = element("td", { textContent: status(key) });
  const action = element("td");
  tr.append(
    element("td", {}, element("strong", { textContent: key.name })),
    element("td", { textContent: actsAs(key) }),
    element("td", {}, element("code", { textContent: key.keyHint })),
    issued,
    state,
    action,
  );
  tr.state = state;
  tr.action = action;
  return tr;
}

// Offers the revocation where the key is active and the policy lets the caller revoke it.
function offerRevocation(tr, key) {
  const revocable = !key.revokedAt && may(me, "revokeApiKey", { mine: key.mine });
  if (!revocable) {
    tr.action.replaceChildren();
    return;
  }
  if (tr.action.firstChild) return;
  const form = revokeForm(key);
  tr.action.append(form);
  commandForm(form, {
    operation: "RevokeApiKey",
    token,
    variables: () => ({ input: { id: key.id } }),
    onRecorded: async ({ revokeApiKey: { position, apiKey } }) => {
      await load({ "Concord-Consistent-With": String(position) });
      announce(`Revoked the key for ${apiKey.name}: requests with it are refused from now on.`);
    },
  });
}

async function load(headers = {}) {
  const mine = ++latest;
  try {
    const variables = { includeRevoked: $("#include-revoked").checked, first: 100 };
    const { apiKeys } = await run("ApiKeys", variables, token, headers);
    if (mine !== latest) return;
    const listed = apiKeys.edges.map(({ node }) => node);
    const kept = new Map();
    for (const key of listed) {
      const tr = rows.get(key.id) ?? row(key);
      tr.state.textContent = status(key);
      kept.set(key.id, tr);
    }
    const before = [...rows.keys()].join();
    rows = kept;
    if (before !== [...kept.keys()].join()) $("#keys-body").replaceChildren(...kept.values());
    for (const key of listed) offerRevocation(kept.get(key.id), key);
    const count = apiKeys.totalCount;
    const which = $("#include-revoked").checked ? "" : "active ";
    $("#count").textContent = count === 0 ? `No ${which}key.` : `${count} ${which}${count === 1 ? "key" : "keys"}`;
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The keys could not be read: ${error.message}`;
  }
}

function announce(text) {
  $("#done").textContent = text;
  $("#done").hidden = false;
  $("#done").focus();
}

function hideSecret() {
  $("#secret-value").value = "";
  $("#secret-copied").textContent = "";
  $("#secret").hidden = true;
}

function showSecret(name, secret) {
  $("#secret-name").textContent = name;
  $("#secret-value").value = secret;
  $("#secret").hidden = false;
  $("#secret-heading").focus();
}

function mountIssuing() {
  const form = $("#issue");
  $("#secret-done").addEventListener("click", hideSecret);
  $("#secret-copy").addEventListener("click", async () => {
    const field = $("#secret-value");
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      $("#secret-copied").textContent = "Copied.";
    } catch {
      $("#secret-copied").textContent = "Selected: copy it with your keyboard or menu.";
    }
  });
  commandForm(form, {
    operation: "IssueApiKey",
    token,
    variables: () => ({ input: { name: form.elements.namedItem("name").value.trim() } }),
    onRecorded: async ({ issueApiKey: { secret, position, apiKey } }) => {
      form.reset();
      hideSecret();
      $("#secret-lost").hidden = secret !== null;
      await load({ "Concord-Consistent-With": String(position) });
      if (secret) showSecret(apiKey.name, secret);
    },
  });
  form.hidden = false;
}

async function start() {
  me = await mountHeader(token);
  if (!may(me, "issueApiKey") && !may(me, "revokeApiKey")) {
    $("#not-for-role").hidden = false;
    return;
  }
  ({ states } = await codeLists());
  if (me.organisationId) {
    const { organisation } = await run("Organisation", { id: me.organisationId }, token);
    organisations.set(me.organisationId, organisation?.name ?? me.organisationId);
  }
  const every = me.permissions.find((granted) => granted.operation === "mutation.revokeApiKey")?.scope === "ANY";
  if (every) {
    const { organisations: listed } = await run("Organisations", { first: 100 }, token);
    organisations = new Map(listed.edges.map(({ node }) => [node.id, node.name]));
    $("#keys-heading").textContent = "Every API key";
  }
  $("#acts-as").textContent = actsAs(me);
  if (may(me, "issueApiKey")) mountIssuing();
  $("#include-revoked").addEventListener("change", () => load());
  await load();
  $("#work").hidden = false;
  let timer = null;
  follow("Changes", token, {
    onNext: () => {
      clearTimeout(timer);
      timer = setTimeout(() => load(), 300);
    },
    onStatus: () => {},
    onAuthError: signOut,
  });
}

if (token) start();
