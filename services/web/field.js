// What the coordinator's field pages (safe havens, movements, security incidents) share: the
// state's crises, table cells, code words, a read after a command and live refresh.

import { follow, run } from "/static/graphql.js";
import { option } from "./codes.js";
import { signOut } from "./session.js";

export const $ = (selector) => document.querySelector(selector);
export const count = new Intl.NumberFormat("en-US");

// A code (OPEN, ATTACK_ON_AID_WORKERS) in words: the page's own name for it, or the code spelled out.
export function words(code, names = {}) {
  if (code == null) return "";
  if (names[code]) return names[code];
  const text = String(code).toLowerCase().replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function cell(content, className) {
  const td = document.createElement("td");
  if (content instanceof Node) td.append(content);
  else td.textContent = content ?? "";
  if (className) td.className = className;
  return td;
}

export function localDate(date = new Date()) {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 10);
}

// The open crises that affect the coordinator's state, into each of the given <select>s.
export async function fillCrises(token, memberState, selects) {
  const { crises } = await run("Crises", { includeClosed: false }, token);
  const mine = crises.filter((crisis) => crisis.affectedStates.includes(memberState));
  for (const select of selects) for (const crisis of mine) select.append(option(crisis.id, crisis.name));
  return new Map(crises.map((crisis) => [crisis.id, crisis.name]));
}

// The value of a form's field by its name.
export function valueOf(form, name) {
  return form.elements.namedItem(name).value;
}

// Says what was just recorded, in the page's polite live region.
export function announce(text) {
  const notice = $("#done");
  notice.textContent = text;
  notice.hidden = false;
}

// Re-reads on every change in the log, a little after the last one.
export function keepCurrent(token, reload) {
  let timer = null;
  follow("Changes", token, {
    onNext: () => {
      clearTimeout(timer);
      timer = setTimeout(() => reload(), 300);
    },
    onStatus: () => {},
    onAuthError: signOut,
  });
}

// The header that makes the next read wait for a command's position.
export function after(position) {
  return position ? { "Concord-Consistent-With": String(position) } : {};
}
