// What the secretariat's pages share: the role check (the page hides what the role may not do; the
// server's policy refuses it anyway), table cells, and live re-reads from the Changes subscription.

import { follow } from "/static/graphql.js";
import { mountHeader } from "./header.js";
import { signOut } from "./session.js";

export const $ = (selector) => document.querySelector(selector);
export const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });
export const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });

// Mounts the header; resolves to `me` when the secretariat is signed in, else shows #not-for-role.
export async function secretariatPage(token) {
  const me = await mountHeader(token);
  if (me.role !== "SECRETARIAT") {
    $("#not-for-role").hidden = false;
    return null;
  }
  for (const section of document.querySelectorAll("[data-secretariat]")) section.hidden = false;
  return me;
}

export function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

export function headerCell(text) {
  const th = document.createElement("th");
  th.scope = "row";
  th.textContent = text;
  return th;
}

// Calls `reload` (debounced) each time the read models move on.
export function followChanges(token, reload) {
  let timer = null;
  follow("Changes", token, {
    onNext: () => {
      clearTimeout(timer);
      timer = setTimeout(reload, 300);
    },
    onStatus: () => {},
    onAuthError: signOut,
  });
}

// The named read with Concord-Consistent-With when a command's position is known.
export function after(position) {
  return position ? { "Concord-Consistent-With": String(position) } : {};
}
