// Proposals and deliveries: the matches waiting on the coordinator's state. A proposal is accepted
// (it becomes committed) or declined with a reason; an accepted match not yet dispatched may be
// cancelled where the policy lets the coordinator; a dispatched match is received, never more
// than was sent. Rows already shown are kept as they are when the list is read again, so that a
// reason half typed survives a refresh from the Changes subscription.

import { follow, run } from "/static/graphql.js";
import { codeLists } from "./codes.js";
import { commandForm } from "./forms.js";
import { historyLink } from "./history.js";
import { mountHeader } from "./header.js";
import { may } from "./permissions.js";
import { requireSignIn, signOut } from "./session.js";

const $ = (selector) => document.querySelector(selector);
const token = requireSignIn();
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });
const RECEIVED = "[0-9]{1,12}(\\.[0-9]{1,4})?";
let me = null;
let states = new Map();

function element(tag, properties = {}, ...children) {
  const made = Object.assign(document.createElement(tag), properties);
  made.append(...children);
  return made;
}

function cell(...children) {
  return element("td", {}, ...children);
}

function needLink(match) {
  const link = element("a", { href: `/workbench/need?id=${encodeURIComponent(match.request.id)}` });
  link.textContent = match.request.title;
  const history = historyLink("match", match.id, `the match of ${number.format(match.quantity)} ${match.unit} for ${match.request.title}`);
  return [link, element("br"), `${match.request.item} · ${match.request.adminCode} · `, history];
}

function offeredBy(match) {
  const offer = match.offer;
  return offer?.organisation?.name ?? states.get(offer?.offeringState)?.name ?? offer?.offeringState ?? "—";
}

// A small command form in a row: #<id>-status and #<id>-problem as forms.js expects.
function rowForm(id, label, fields, button) {
  const form = element("form", { id, className: "decision" });
  form.setAttribute("aria-label", label);
  form.append(
    ...fields,
    element("p", { id: `${id}-problem`, className: "error" }),
    element("p", { id: `${id}-status`, className: "visually-hidden" }),
    button,
  );
  form.querySelector(`#${id}-problem`).setAttribute("role", "alert");
  form.querySelector(`#${id}-status`).setAttribute("role", "status");
  return form;
}

function field(id, name, label, attributes) {
  const input = element("input", { id, name, required: true, autocomplete: "off" });
  for (const [key, value] of Object.entries(attributes)) input.setAttribute(key, value);
  input.setAttribute("aria-describedby", `${id}-error`);
  return element(
    "div",
    { className: "field" },
    element("label", { htmlFor: id, textContent: label }),
    input,
    element("p", { id: `${id}-error`, className: "field-error" }),
  );
}

function hidden(text) {
  return element("span", { className: "visually-hidden", textContent: text });
}

// A row whose forms are wired to their commands once it is in the page (forms.js finds a form's
// status and problem by id).
function wired(wire, row) {
  row.wire = wire;
  return row;
}

function proposalRow(match) {
  const what = `${number.format(match.quantity)} ${match.unit} for ${match.request.title}`;
  const accept = rowForm(
    `accept-${match.id}`,
    `Accept ${what}`,
    [],
    element("button", { type: "submit" }, "Accept", hidden(` ${what}`)),
  );
  const decline = rowForm(
    `decline-${match.id}`,
    `Decline ${what}`,
    [field(`decline-${match.id}-reason`, "reason", "Reason", { maxlength: "1000", pattern: ".*\\S.*" })],
    element("button", { type: "submit", className: "secondary" }, "Decline", hidden(` ${what}`)),
  );
  const wire = () => {
    commandForm(accept, {
      operation: "AcceptMatch",
      token,
      variables: () => ({ input: { id: match.id } }),
      onRecorded: ({ acceptMatch }) => settled(acceptMatch.position, `Accepted: ${what}.`),
    });
    commandForm(decline, {
      operation: "DeclineMatch",
      token,
      variables: () => ({ input: { id: match.id, reason: decline.elements.namedItem("reason").value.trim() } }),
      onRecorded: ({ declineMatch }) => settled(declineMatch.position, `Declined: ${what}.`),
    });
  };
  const row = element(
    "tr",
    {},
    cell(...needLink(match)),
    cell(offeredBy(match)),
    element("td", { className: "num", textContent: `${number.format(match.quantity)} ${match.unit}` }),
    cell(match.proposedAt.slice(0, 10)),
    cell(accept),
    cell(decline),
  );
  return wired(wire, row);
}

function deliveryRow(match) {
  const what = `${match.request.title} from ${offeredBy(match)}`;
  const receive = rowForm(
    `receive-${match.id}`,
    `Record receipt of ${what}`,
    [
      field(`receive-${match.id}-quantity`, "quantityReceived", `Quantity received (${match.unit})`, {
        inputmode: "decimal",
        pattern: RECEIVED,
        "data-pattern-message": "What arrived: zero or more, with at most 4 decimal places.",
      }),
    ],
    element("button", { type: "submit" }, "Record receipt", hidden(` of ${what}`)),
  );
  receive.elements.namedItem("quantityReceived").value = match.dispatched ?? "";
  const wire = () =>
    commandForm(receive, {
      operation: "RecordDelivery",
      token,
      variables: () => ({
        input: { id: match.id, quantityReceived: receive.elements.namedItem("quantityReceived").value },
      }),
      onRecorded: ({ recordDelivery }) => {
        const received = `${number.format(recordDelivery.match.received)} ${match.unit}`;
        return settled(recordDelivery.position, `Received: ${received} of ${what}.`);
      },
    });
  const row = element(
    "tr",
    {},
    cell(...needLink(match)),
    cell(offeredBy(match)),
    element("td", { className: "num", textContent: `${number.format(match.dispatched ?? 0)} ${match.unit}` }),
    cell(receive),
  );
  return wired(wire, row);
}

const UNDERWAY_STATUS = { ACCEPTED: "Accepted: the offering party confirms next", CONFIRMED: "Confirmed: waiting for dispatch" };

function underwayRow(match) {
  const what = `${number.format(match.quantity)} ${match.unit} for ${match.request.title} from ${offeredBy(match)}`;
  const cancel = rowForm(
    `cancel-${match.id}`,
    `Cancel ${what}`,
    [field(`cancel-${match.id}-reason`, "reason", "Why", { maxlength: "1000", pattern: ".*\\S.*" })],
    element("button", { type: "submit", className: "secondary" }, "Cancel", hidden(` ${what}`)),
  );
  const wire = () =>
    commandForm(cancel, {
      operation: "CancelMatch",
      token,
      variables: () => ({ input: { id: match.id, reason: cancel.elements.namedItem("reason").value.trim() } }),
      onRecorded: ({ cancelMatch }) => settled(cancelMatch.position, `Cancelled: ${what}. Its quantities are released.`),
    });
  const row = element(
    "tr",
    {},
    cell(...needLink(match)),
    cell(offeredBy(match)),
    element("td", { className: "num", textContent: `${number.format(match.quantity)} ${match.unit}` }),
    cell(UNDERWAY_STATUS[match.status] ?? match.status),
    cell(cancel),
  );
  return wired(wire, row);
}

const SECTIONS = [
  { name: "proposals", status: ["PROPOSED"], row: proposalRow, one: "proposal", many: "proposals" },
  { name: "deliveries", status: ["DISPATCHED"], row: deliveryRow, one: "delivery", many: "deliveries" },
  // Offered only where the policy lets the coordinator cancel its own state's matches.
  { name: "underway", status: ["ACCEPTED", "CONFIRMED"], row: underwayRow, one: "match", many: "matches",
    where: "under way", command: "cancelMatch" },
];
const shown = new Map(SECTIONS.map((section) => [section.name, new Map()]));
let sections = [];

async function loadSection(section, headers) {
  const variables = { memberState: me.memberState, status: section.status, first: 100 };
  const { matches } = await run("WaitingMatches", variables, token, headers);
  const rows = shown.get(section.name);
  const ids = matches.edges.map(({ node }) => node.id);
  const body = $(`#${section.name}-body`);
  const before = [...rows.keys()];
  for (const { node } of matches.edges) if (!rows.has(node.id)) rows.set(node.id, section.row(node));
  for (const id of before) if (!ids.includes(id)) rows.delete(id);
  if (before.join() !== ids.join()) body.replaceChildren(...ids.map((id) => rows.get(id)));
  for (const id of ids.filter((id) => !before.includes(id))) rows.get(id).wire();
  const count = matches.totalCount;
  const where = section.where ?? "waiting";
  $(`#${section.name}-count`).textContent =
    count === 0 ? `No ${section.many} ${where}.` : `${count} ${count === 1 ? section.one : section.many} ${where}.`;
}

async function load(headers = {}) {
  try {
    await Promise.all(sections.map((section) => loadSection(section, headers)));
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The lists could not be read: ${error.message}`;
  }
}

async function settled(position, text) {
  await load({ "Concord-Consistent-With": position });
  const done = $("#done");
  done.textContent = text;
  done.hidden = false;
  done.focus();
}

async function start() {
  me = await mountHeader(token);
  if (me.role !== "COORDINATOR") {
    $("#not-for-role").hidden = false;
    return;
  }
  ({ states } = await codeLists());
  sections = SECTIONS.filter((section) => !section.command || may(me, section.command, { memberState: me.memberState }));
  await load();
  for (const section of sections) $(`#${section.name}`).hidden = false;
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
