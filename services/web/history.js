// A history of any object, as its API's `history(first, after)` connection gives it: when, who
// (role, state or organisation; the person only where the API shows it), what event, and each
// field's change, oldest first, a page at a time behind "Show more". Any page can mount one.

import { words } from "./field.js";

const ROLES = { COORDINATOR: "Relief coordinator", DONOR: "Donor", SECRETARIAT: "Secretariat", VIEWER: "Viewer" };
export const when = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "medium",
  timeZone: "UTC",
});

// Who made a change, in words; `places` names a state's or an organisation's code.
export function who(actor, places = (code) => code) {
  if (!actor) return "Not shown to you";
  const where = actor.memberState ?? actor.organisationId;
  const role = ROLES[String(actor.role).toUpperCase()] ?? words(actor.role);
  const person = actor.principal ? ` (${actor.principal})` : "";
  return `${role}${where ? ` · ${places(where)}` : ""}${person}`;
}

function change({ field, before, after }) {
  const item = document.createElement("li");
  const name = document.createElement("span");
  name.className = "field-name";
  name.textContent = field;
  const old = document.createElement("del");
  old.textContent = before || "—";
  const now = document.createElement("ins");
  now.textContent = after || "—";
  item.append(name, ": ", old, " → ", now);
  return item;
}

function entry(node, places, onMoment) {
  const item = document.createElement("li");
  item.className = "history-entry";
  const head = document.createElement("p");
  const time = document.createElement("time");
  time.dateTime = node.at;
  time.textContent = `${when.format(new Date(node.at))} UTC`;
  const event = document.createElement("strong");
  event.textContent = words(node.event.replace(/([a-z])([A-Z])/g, "$1_$2"));
  const actor = document.createElement("span");
  actor.className = "actor";
  actor.textContent = who(node.actor, places);
  head.append(time, " · ", event, " · ", actor);
  const changes = document.createElement("ul");
  changes.className = "changes";
  changes.append(...node.changes.map(change));
  item.append(head, changes);
  if (onMoment) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "As it stood after this";
    button.addEventListener("click", () => onMoment(node.at));
    item.append(button);
  }
  return item;
}

// Lists a history in `list` (an <ol>), with `more` (a button) fetching the next page from
// `fetchPage(after)`, which resolves to the connection. Resolves to a reload function.
export function mountHistory({ list, more, count, fetchPage, places, onMoment }) {
  let after = null;
  async function next() {
    more.disabled = true;
    const connection = await fetchPage(after);
    list.append(...connection.edges.map(({ node }) => entry(node, places, onMoment)));
    after = connection.pageInfo.endCursor ?? after;
    more.hidden = !connection.pageInfo.hasNextPage;
    more.disabled = false;
    if (count) count.textContent = `${list.children.length} of ${connection.totalCount} changes shown.`;
  }
  more.addEventListener("click", () => next());
  return async function reload() {
    list.replaceChildren();
    after = null;
    await next();
  };
}

// The link from an object's row or page to its history page, named for what it is the history of.
export function historyLink(kind, id, of) {
  const link = document.createElement("a");
  link.href = `/workbench/history?kind=${encodeURIComponent(kind)}&id=${encodeURIComponent(id)}`;
  link.className = "history-link";
  link.textContent = "History";
  link.setAttribute("aria-label", `History of ${of}`);
  return link;
}
