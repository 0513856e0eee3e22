// What the donor pages share: the signed-in donor, its offers, the small command forms in a row
// (each through forms.js: one Idempotency-Key per submission, refusals at the field), the read
// after a command (Concord-Consistent-With) and the live refresh from the Changes subscription.

import { follow, runPages } from "/static/graphql.js";
import { commandForm } from "./forms.js";
import { mountHeader } from "./header.js";
import { signOut } from "./session.js";

export const $ = (selector) => document.querySelector(selector);
export const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });
export const money = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
let unwired = [];

export function cell(content, className) {
  const td = document.createElement("td");
  td.append(content ?? "");
  if (className) td.className = className;
  return td;
}

export function localDate(date) {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 10);
}

// The header, and the donor signed in; null (with the page's notice shown) for any other role.
export async function startDonorPage(token) {
  const me = await mountHeader(token);
  if (me.role !== "DONOR") {
    $("#not-for-role").hidden = false;
    return null;
  }
  for (const element of document.querySelectorAll("[data-donor]")) element.hidden = false;
  return me;
}

// Every offer of the organisation, newest first.
export async function myOffers(token, organisationId, headers = {}) {
  const variables = { filter: { organisation: [organisationId] } };
  return (await runPages("Offers", variables, token, "offers", { headers, pages: Infinity })).nodes;
}

// A small form in a list's row: its fields (name, label, attributes), one submit button, and its
// own status and problem lines. It is wired to its command once it is in the document (replaceRows).
export function rowCommand({ id, action, label, operation, token, fields = [], variables, onRecorded }) {
  const form = document.createElement("form");
  form.id = `${action}-${id}`;
  form.className = "row-command";
  form.setAttribute("aria-label", label);
  for (const { name, text, patternMessage, ...attributes } of fields) {
    const field = document.createElement("div");
    field.className = "field";
    const labelElement = document.createElement("label");
    const input = document.createElement("input");
    input.id = `${form.id}-${name}`;
    input.name = name;
    input.autocomplete = "off";
    Object.assign(input, attributes);
    if (patternMessage) input.dataset.patternMessage = patternMessage;
    labelElement.htmlFor = input.id;
    labelElement.textContent = text;
    const error = document.createElement("p");
    error.id = `${input.id}-error`;
    error.className = "field-error";
    input.setAttribute("aria-describedby", error.id);
    field.append(labelElement, input, error);
    form.append(field);
  }
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = label;
  const status = document.createElement("p");
  status.id = `${form.id}-status`;
  status.className = "muted";
  status.setAttribute("role", "status");
  const problem = document.createElement("p");
  problem.id = `${form.id}-problem`;
  problem.className = "error";
  problem.setAttribute("role", "alert");
  form.append(button, status, problem);
  unwired.push(() => commandForm(form, { operation, token, variables: () => variables(form), onRecorded }));
  return form;
}

// Puts a list's new rows in place, keeping what was being typed in their forms (the fields' ids
// are stable across reloads) and where the focus was; then wires their forms.
export function replaceRows(body, rows) {
  const typed = new Map();
  for (const input of body.querySelectorAll("form.row-command input")) {
    if (input.value !== input.defaultValue) typed.set(input.id, input.value);
  }
  const focused = body.contains(document.activeElement) ? document.activeElement.id : null;
  body.replaceChildren(...rows);
  for (const [id, value] of typed) {
    const input = document.getElementById(id);
    if (input && body.contains(input)) input.value = value;
  }
  if (focused) document.getElementById(focused)?.focus();
  wireRows();
}

function wireRows() {
  const pending = unwired;
  unwired = [];
  for (const wire of pending) wire();
}

// Reloads when anything changes, but never under the hands of someone filling a row's form.
export function refreshLive(token, reload) {
  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (document.activeElement?.closest("form.row-command")) later();
      else reload();
    }, 300);
  };
  follow("Changes", token, { onNext: later, onStatus: () => {}, onAuthError: signOut });
}

// After a command: what it changed, read at its position, and said aloud.
export function afterCommand(reload, message) {
  return async (data) => {
    const { position } = Object.values(data)[0];
    await reload({ "Concord-Consistent-With": String(position) });
    const notice = $("#done");
    notice.textContent = message;
    notice.hidden = false;
  };
}
