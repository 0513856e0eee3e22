// Needs I could serve: the open needs the organisation's offers may serve, ranked as the matching
// desk ranks them, each with the terms of its score (needSuggestions). Kept live.

import { codeLists } from "./codes.js";
import { $, cell, number, refreshLive, startDonorPage } from "./donor.js";
import { run } from "/static/graphql.js";
import { requireSignIn } from "./session.js";

const token = requireSignIn();
const TERM_NAMES = {
  priority: "Priority",
  urgency: "Urgency",
  coverage: "Coverage",
  proximity: "Proximity",
  timeliness: "Timeliness",
};
const score = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
let states = new Map();

// A term in words: what it weighs and why; priority and urgency multiply the weighted sum.
function explained(term) {
  const item = document.createElement("li");
  item.dataset.term = term.name;
  const name = document.createElement("strong");
  name.textContent = TERM_NAMES[term.name] ?? term.name;
  const weight = term.weight === 0
    ? `multiplies by ${score.format(term.value)}`
    : `${score.format(term.value)} × ${score.format(term.weight)} = ${score.format(term.contribution)}`;
  item.append(name, `: ${weight} (${term.note})`);
  return item;
}

function row(line, rank) {
  const tr = document.createElement("tr");
  tr.dataset.request = line.requestId;
  const need = line.request;
  const title = document.createElement("strong");
  title.textContent = need.title;
  const what = document.createElement("span");
  what.append(title, document.createElement("br"), `${number.format(need.quantity)} ${need.unit} of ${need.item} · priority ${need.priority}`);
  const terms = document.createElement("ol");
  terms.className = "terms";
  terms.append(...line.terms.map(explained));
  tr.append(
    cell(String(rank), "num"),
    cell(what),
    cell(`${states.get(need.memberState)?.name ?? need.memberState} · ${need.adminCode}`),
    cell(need.neededBy),
    cell(`${line.offer.item} (${number.format(line.offer.remaining)} ${line.offer.unit} left)`),
    cell(`${number.format(line.quantity)} ${need.unit}`, "num"),
    cell(score.format(line.score), "num score"),
    cell(terms),
  );
  return tr;
}

async function load(headers = {}) {
  try {
    const { needSuggestions } = await run("NeedSuggestions", { first: 50 }, token, headers);
    $("#serve-body").replaceChildren(...needSuggestions.map((line, index) => row(line, index + 1)));
    $("#count").textContent = needSuggestions.length === 1
      ? "1 open need your offers could serve"
      : `${needSuggestions.length} open needs your offers could serve`;
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The list could not be read: ${error.message}`;
  }
}

async function start() {
  const me = await startDonorPage(token);
  if (!me) return;
  ({ states } = await codeLists());
  await load();
  refreshLive(token, load);
}

if (token) start();
