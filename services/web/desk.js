// The matching desk: the secretariat picks an open need, reads the offers that could serve it ranked
// with every term of their score explained (matchSuggestions), and proposes a match from one. The
// requesting state then accepts or declines it; nothing is committed until it does. Below, the
// matches not yet dispatched, each of which the secretariat may cancel where the policy lets it.

import { run } from "/static/graphql.js";
import { codeLists, option } from "./codes.js";
import { commandForm } from "./forms.js";
import { may } from "./permissions.js";
import { requireSignIn } from "./session.js";
import { $, after, cell, followChanges, number, secretariatPage } from "./secretariat.js";

const token = requireSignIn();
const LIVE = ["OPEN", "PARTIALLY_COVERED"];
const TERMS = {
  priority: "Priority",
  urgency: "Urgency",
  coverage: "Coverage",
  proximity: "Proximity",
  timeliness: "Timeliness",
};
const RULES = {
  CRISIS: "another crisis",
  ITEM: "another item",
  UNIT: "another unit",
  STATE: "does not serve the requesting state",
  TOO_LATE: "not available by the needed-by date",
  EXPIRED: "expired",
  DECLINED: "its party's match for this need was declined",
  EXHAUSTED: "nothing of it remains",
  MET: "the need is met",
};
const UNDERWAY = {
  PROPOSED: "Proposed: awaiting the requesting state",
  ACCEPTED: "Accepted: awaiting the offering party",
  CONFIRMED: "Confirmed: awaiting dispatch",
};
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });
let states = new Map();
let organisations = new Map();
let needs = new Map();
let cancelling = false; // the policy lets the caller cancel matches
let underway = new Map(); // match id → its row, kept while listed: a reason being typed survives a re-read

function params() {
  return new URLSearchParams(location.search);
}

function setParam(name, value) {
  const query = params();
  if (value) query.set(name, value);
  else query.delete(name);
  history.replaceState(null, "", `${location.pathname}${query.size ? `?${query}` : ""}`);
}

function needRow(need) {
  const tr = document.createElement("tr");
  tr.dataset.request = need.id;
  if (need.id === params().get("need")) tr.className = "chosen";
  const title = cell("");
  const strong = document.createElement("strong");
  strong.textContent = need.title;
  title.append(strong, document.createElement("br"), `${need.item} · ${need.sector}`);
  const pick = document.createElement("button");
  pick.type = "button";
  pick.className = "secondary";
  pick.textContent = "Suggestions";
  pick.setAttribute("aria-label", `Suggestions for ${need.title}`);
  pick.addEventListener("click", () => choose(need.id));
  const action = cell("");
  action.append(pick);
  tr.append(
    title,
    cell(states.get(need.memberState)?.name ?? need.memberState),
    cell(need.adminCode),
    cell(String(need.priority)),
    cell(need.neededBy),
    cell(`${number.format(need.quantity)} ${need.unit}`, "num"),
    cell(number.format(need.committed), "num"),
    cell(number.format(need.gap), "num"),
    action,
  );
  return tr;
}

async function loadNeeds(headers = {}) {
  const filter = { status: LIVE };
  if ($("#crisis").value) filter.crisis = [$("#crisis").value];
  try {
    const { requests } = await run("Requests", { filter, first: 100, orderBy: "PRIORITY" }, token, headers);
    needs = new Map(requests.edges.map(({ node }) => [node.id, node]));
    $("#needs-body").replaceChildren(...[...needs.values()].map(needRow));
    $("#count").textContent = requests.totalCount === 1 ? "1 open need" : `${requests.totalCount} open needs`;
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The needs could not be read: ${error.message}`;
  }
}

function termsTable(suggestion, index) {
  const table = document.createElement("table");
  table.className = "list terms";
  const caption = document.createElement("caption");
  caption.textContent = "How the score is made up";
  caption.id = `terms-${index}`;
  const head = document.createElement("thead");
  head.innerHTML =
    '<tr><th scope="col">Term</th><th scope="col" class="num">Value</th><th scope="col" class="num">Weight</th>' +
    '<th scope="col" class="num">Contribution</th><th scope="col">Why</th></tr>';
  const body = document.createElement("tbody");
  for (const term of suggestion.terms) {
    const tr = document.createElement("tr");
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = TERMS[term.name] ?? term.name;
    const multiplies = term.weight === 0;
    tr.append(
      name,
      cell(decimal.format(term.value), "num"),
      cell(multiplies ? "multiplies" : decimal.format(term.weight), "num"),
      cell(multiplies ? "×" : decimal.format(term.contribution), "num"),
      cell(term.note),
    );
    body.append(tr);
  }
  table.append(caption, head, body);
  const region = document.createElement("div");
  region.className = "scroll";
  region.tabIndex = 0;
  region.setAttribute("role", "region");
  region.setAttribute("aria-labelledby", caption.id);
  region.append(table);
  return region;
}

function proposeForm(suggestion, need, index, party) {
  const form = document.createElement("form");
  form.id = `propose-${index}`;
  form.className = "propose";
  form.setAttribute("aria-label", `Propose a match with ${party}`);
  const quantityId = `${form.id}-quantity`;
  form.innerHTML = `
    <div class="field">
      <label for="${quantityId}"></label>
      <input id="${quantityId}" name="quantity" inputmode="decimal" required autocomplete="off"
             pattern="(?=.*[1-9])[0-9]{1,12}(\\.[0-9]{1,4})?"
             data-pattern-message="A number greater than zero, with at most 4 decimal places."
             aria-describedby="${quantityId}-error">
      <p id="${quantityId}-error" class="field-error"></p>
    </div>
    <p id="${form.id}-problem" class="error" role="alert"></p>
    <p id="${form.id}-status" class="muted" role="status" aria-live="polite"></p>
    <div class="actions"><button type="submit">Propose this match</button></div>`;
  form.querySelector("label").textContent = `Quantity to propose (${need.unit})`;
  form.querySelector("input").value = suggestion.quantity;
  return form;
}

function suggestionCard(suggestion, need, index) {
  const offer = suggestion.offer;
  const party = offer?.organisationId
    ? (organisations.get(offer.organisationId) ?? offer.organisationId)
    : (states.get(offer?.offeringState)?.name ?? "A member state");
  const li = document.createElement("li");
  li.className = "card";
  li.dataset.offer = suggestion.offerId;
  const heading = document.createElement("h3");
  heading.textContent = `${party}: score ${decimal.format(suggestion.score)}`;
  const facts = document.createElement("p");
  facts.textContent =
    `Could cover ${number.format(suggestion.quantity)} ${need.unit} of the need; ` +
    `${number.format(offer?.remaining ?? 0)} of ${offer?.item ?? "the item"} remain, ` +
    `available ${offer?.availableFrom ?? "?"} to ${offer?.availableUntil ?? "?"}.`;
  const multipliers = suggestion.terms.filter((term) => term.weight === 0);
  const sum = suggestion.terms.reduce((total, term) => total + (term.weight === 0 ? 0 : term.contribution), 0);
  const equation = document.createElement("p");
  equation.className = "muted equation";
  equation.textContent =
    `Score = ${multipliers.map((term) => `${TERMS[term.name] ?? term.name} ${decimal.format(term.value)}`).join(" × ")}` +
    ` × the sum of the contributions ${decimal.format(sum)} = ${decimal.format(suggestion.score)}.`;
  li.append(heading, facts, termsTable(suggestion, index), equation);
  if (suggestion.excludedBy.length) {
    const rules = document.createElement("p");
    rules.className = "flag";
    rules.textContent = `Not allowed: ${suggestion.excludedBy.map((rule) => RULES[rule] ?? rule).join("; ")}.`;
    li.append(rules);
    return li;
  }
  const form = proposeForm(suggestion, need, index, party);
  li.append(form);
  // forms.js finds the form's status and problem by id: wired once the card is in the page.
  li.wire = () =>
    commandForm(form, {
      operation: "ProposeMatch",
      token,
      variables: () => ({
        input: { requestId: need.id, offerId: suggestion.offerId, quantity: form.elements.namedItem("quantity").value },
      }),
      onRecorded: async ({ proposeMatch }) => {
        const { match, position } = proposeMatch;
        await Promise.all([loadNeeds(after(position)), loadSuggestions(after(position)), loadUnderway(after(position))]);
        const done = $("#done");
        done.textContent =
          `Proposed ${number.format(match.quantity)} ${match.unit} from ${party} for “${need.title}”. ` +
          `${states.get(need.memberState)?.name ?? need.memberState} now accepts or declines it.`;
        done.hidden = false;
        done.focus();
      },
    });
  return li;
}

async function loadSuggestions(headers = {}) {
  const needId = params().get("need");
  const need = needs.get(needId);
  $("#suggestions").hidden = !needId;
  if (!needId) return;
  $("#suggestions-heading").textContent = need ? `Suggestions for “${need.title}”` : "Suggestions";
  if (!need) {
    $("#suggestion-list").replaceChildren();
    $("#suggestions-count").textContent = "This need is no longer open.";
    return;
  }
  try {
    const variables = { requestId: needId, first: 10, includeExcluded: $("#includeExcluded").checked };
    const { matchSuggestions } = await run("MatchSuggestions", variables, token, headers);
    const cards = matchSuggestions.map((suggestion, index) => suggestionCard(suggestion, need, index));
    $("#suggestion-list").replaceChildren(...cards);
    for (const card of cards) card.wire?.();
    const usable = matchSuggestions.filter((s) => !s.excludedBy.length).length;
    $("#suggestions-count").textContent =
      usable === 0 ? "No offer could serve this need now." : `${usable} offer${usable === 1 ? "" : "s"} could serve it, best first.`;
    $("#suggestions-problem").textContent = "";
  } catch (error) {
    $("#suggestions-problem").textContent = `The suggestions could not be read: ${error.message}`;
  }
}

function cancelForm(match, what) {
  const form = document.createElement("form");
  form.id = `cancel-${match.id}`;
  form.className = "in-row";
  form.setAttribute("aria-label", `Cancel ${what}`);
  const reasonId = `${form.id}-reason`;
  form.innerHTML = `
    <div class="field">
      <label for="${reasonId}">Why</label>
      <input id="${reasonId}" name="reason" required maxlength="1000" autocomplete="off" pattern=".*\\S.*"
             data-pattern-message="Say why, for both parties." aria-describedby="${reasonId}-error">
      <p id="${reasonId}-error" class="field-error"></p>
    </div>
    <p id="${form.id}-problem" class="error" role="alert"></p>
    <p id="${form.id}-status" class="visually-hidden" role="status"></p>
    <button type="submit" class="secondary">Cancel<span class="visually-hidden"></span></button>`;
  form.querySelector("button span").textContent = ` ${what}`;
  return form;
}

function underwayRow(match) {
  const party = match.offer?.organisation?.name ?? states.get(match.offer?.offeringState)?.name ?? "A member state";
  const quantity = `${number.format(match.quantity)} ${match.unit}`;
  const what = `${quantity} from ${party} for ${match.request?.title ?? "the need"}`;
  const tr = document.createElement("tr");
  tr.dataset.match = match.id;
  const form = cancelForm(match, what);
  const status = cell(UNDERWAY[match.status] ?? match.status);
  const action = cell("");
  action.append(form);
  tr.append(
    cell(match.request?.title ?? ""),
    cell(states.get(match.request?.memberState)?.name ?? match.request?.memberState ?? ""),
    cell(party),
    cell(quantity, "num"),
    status,
    action,
  );
  tr.status = status;
  tr.wire = () =>
    commandForm(form, {
      operation: "CancelMatch",
      token,
      variables: () => ({ input: { id: match.id, reason: form.elements.namedItem("reason").value.trim() } }),
      onRecorded: async ({ cancelMatch: { position } }) => {
        await Promise.all([loadNeeds(after(position)), loadUnderway(after(position)), loadSuggestions(after(position))]);
        const done = $("#done");
        done.textContent = `Cancelled: ${what}. What it held is released.`;
        done.hidden = false;
        done.focus();
      },
    });
  return tr;
}

async function loadUnderway(headers = {}) {
  if (!cancelling) return;
  const filter = { status: Object.keys(UNDERWAY) };
  if ($("#crisis").value) filter.crisis = [$("#crisis").value];
  try {
    const { matches } = await run("Matches", { filter, first: 100 }, token, headers);
    const listed = matches.edges.map(({ node }) => node);
    const before = [...underway.keys()];
    const kept = new Map();
    for (const match of listed) {
      const row = underway.get(match.id) ?? underwayRow(match);
      row.status.textContent = UNDERWAY[match.status] ?? match.status;
      kept.set(match.id, row);
    }
    underway = kept;
    if (before.join() !== [...kept.keys()].join()) $("#underway-body").replaceChildren(...kept.values());
    for (const [id, row] of kept) if (!before.includes(id)) row.wire();
    const count = matches.totalCount;
    $("#underway-count").textContent = count === 0 ? "No match is waiting for dispatch." : `${count} ${count === 1 ? "match" : "matches"} not yet dispatched.`;
    $("#underway-problem").textContent = "";
  } catch (error) {
    $("#underway-problem").textContent = `The matches could not be read: ${error.message}`;
  }
}

async function choose(needId) {
  setParam("need", needId);
  for (const row of document.querySelectorAll("#needs-body tr")) {
    row.classList.toggle("chosen", row.dataset.request === needId);
  }
  await loadSuggestions();
  $("#suggestions-heading").focus();
}

async function start() {
  const me = await secretariatPage(token);
  if (!me) return;
  ({ states } = await codeLists());
  const [{ crises }, { organisations: listed }] = await Promise.all([
    run("Crises", { includeClosed: false }, token),
    run("Organisations", { first: 100 }, token),
  ]);
  organisations = new Map(listed.edges.map(({ node }) => [node.id, node.name]));
  for (const crisis of crises) $("#crisis").append(option(crisis.id, crisis.name));
  $("#crisis").value = params().get("crisis") ?? "";
  cancelling = may(me, "cancelMatch");
  const reload = (headers) => Promise.all([loadNeeds(headers), loadUnderway(headers)]);
  $("#crisis").addEventListener("change", async () => {
    setParam("crisis", $("#crisis").value);
    await reload();
  });
  $("#filters").addEventListener("submit", (event) => event.preventDefault());
  $("#includeExcluded").addEventListener("change", () => loadSuggestions());
  await reload();
  await loadSuggestions();
  $("#underway").hidden = !cancelling;
  followChanges(token, () => reload());
}

if (token) start();
