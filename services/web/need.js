// One need: where it stands (requested, committed, in transit, delivered, gap), and, for its own
// state's coordinators, amending it, cancelling it with a reason and naming the safe haven whose
// population it serves (where the policy lets the caller). After each command the page reads the
// need with Concord-Consistent-With; the Changes subscription keeps it current.

import { follow, run } from "/static/graphql.js";
import { areaPicker } from "./areas.js";
import { codeLists, option } from "./codes.js";
import { commandForm } from "./forms.js";
import { mountHeader } from "./header.js";
import { may } from "./permissions.js";
import { requireSignIn, signOut } from "./session.js";

const $ = (selector) => document.querySelector(selector);
const token = requireSignIn();
const id = new URLSearchParams(location.search).get("id") ?? "";
$("#history-link").href = `/workbench/history?kind=request&id=${encodeURIComponent(id)}`;
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });
const STATUS_NAMES = {
  OPEN: "Open",
  PARTIALLY_COVERED: "Partially covered",
  COVERED: "Covered",
  CLOSED: "Closed",
  CANCELLED: "Cancelled",
};
const AMENDABLE = ["title", "description", "quantity", "adminCode", "priority", "neededBy"];
const FLAGS = ["transportNeeded", "escortNeeded"];
let need = null;

function show(read) {
  need = read;
  $("#title").textContent = need.title;
  document.title = `${need.title} · Concord workbench`;
  const haven = need.safeHaven ? ` · for ${need.safeHaven.name}` : "";
  $("#summary").textContent = `${need.item} · ${need.sector} · ${need.adminCode} · priority ${need.priority} · needed by ${need.neededBy}${haven}`;
  $("#requested").textContent = `${number.format(need.quantity)} ${need.unit}`;
  for (const name of ["committed", "inTransit", "delivered", "gap"]) {
    $(`#${name}`).textContent = number.format(need[name]);
  }
  const reason = need.cancellationReason ? `: ${need.cancellationReason}` : "";
  $("#status").textContent = `${STATUS_NAMES[need.status] ?? need.status}${reason}`;
  $("#link-now").textContent = need.safeHaven
    ? `Now the needs of ${need.safeHaven.name}'s population.`
    : "Not linked to a safe haven.";
}

function fillAmendment() {
  for (const name of AMENDABLE) $(`#amend-${name}`).value = String(need[name] ?? "");
  for (const name of FLAGS) $(`#amend-${name}`).checked = need[name];
  $("#amend-unit").textContent = `(${need.unit})`;
  $("#amend-adminCode").dispatchEvent(new Event("input")); // names the area the code stands for
}

async function load(headers = {}) {
  try {
    show((await run("Need", { id }, token, headers)).request);
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The need could not be read: ${error.message}`;
  }
}

function announce(text) {
  $("#done").textContent = text;
  $("#done").hidden = false;
  $("#done").focus();
}

// The safe havens of the need's state and crisis, to name as those whose population it serves.
async function mountLink() {
  const { safeHavens } = await run("StateSafeHavens", { memberState: [need.memberState] }, token);
  const ofCrisis = safeHavens.filter((haven) => haven.crisisId === need.crisisId);
  const picker = $("#link-safeHavenId");
  picker.replaceChildren(
    option("", ofCrisis.length ? "Choose a safe haven" : "No safe haven of this crisis yet"),
    ...ofCrisis.map((haven) => option(haven.id, haven.name)),
  );
  const link = $("#link");
  commandForm(link, {
    operation: "LinkRequestToSafeHaven",
    token,
    variables: () => ({ input: { id, safeHavenId: picker.value } }),
    onRecorded: async ({ linkRequestToSafeHaven }) => {
      await load({ "Concord-Consistent-With": linkRequestToSafeHaven.position });
      link.reset();
      announce(`Linked: these are now the needs of ${linkRequestToSafeHaven.request.safeHaven.name}'s population.`);
    },
  });
  link.hidden = false;
}

async function start() {
  const me = await mountHeader(token);
  await load();
  if (!need) return;
  const active = need.status !== "CANCELLED" && need.status !== "CLOSED";
  if (active && may(me, "linkRequestToSafeHaven", { memberState: need.memberState })) await mountLink();
  if (me.role !== "COORDINATOR" || me.memberState !== need.memberState || !active) {
    $("#not-yours").hidden = me.role === "COORDINATOR" && me.memberState === need.memberState;
    follow("Changes", token, { onNext: () => load(), onStatus: () => {}, onAuthError: signOut });
    return;
  }
  const { states } = await codeLists();
  await areaPicker($("#amend-adminCode"), { state: states.get(me.memberState), token });
  fillAmendment();
  const amend = $("#amend");
  commandForm(amend, {
    operation: "AmendRequest",
    token,
    variables: () => {
      const input = { id };
      for (const name of AMENDABLE) input[name] = amend.elements.namedItem(name).value;
      for (const name of FLAGS) input[name] = amend.elements.namedItem(name).checked;
      input.priority = Number(input.priority);
      input.adminCode = input.adminCode.toUpperCase();
      return { input };
    },
    onRecorded: async ({ amendRequest }) => {
      await load({ "Concord-Consistent-With": amendRequest.position });
      fillAmendment();
      announce("Amended. The need now reads as shown.");
    },
  });
  const cancel = $("#cancel");
  commandForm(cancel, {
    operation: "CancelRequest",
    token,
    variables: () => ({ input: { id, reason: cancel.elements.namedItem("reason").value.trim() } }),
    onRecorded: async ({ cancelRequest }) => {
      await load({ "Concord-Consistent-With": cancelRequest.position });
      $("#forms").hidden = true;
      $("#link").hidden = true;
      announce("Cancelled.");
    },
  });
  $("#forms").hidden = false;
  follow("Changes", token, { onNext: () => load(), onStatus: () => {}, onAuthError: signOut });
}

if (token) start();
