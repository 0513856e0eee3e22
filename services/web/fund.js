// The Stability Fund: its balance, allocations and ledger for everyone signed in; opening a fund,
// allocating with a rationale and disbursing for the secretariat (the API's policy decides; the
// page only leaves out forms the role could not use). After a command the page reads with
// Concord-Consistent-With; the Changes subscription keeps it current.

import { follow, run } from "/static/graphql.js";
import { codeLists, option } from "./codes.js";
import { commandForm } from "./forms.js";
import { mountHeader } from "./header.js";
import { requireSignIn, signOut } from "./session.js";

const $ = (selector) => document.querySelector(selector);
const token = requireSignIn();
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const KINDS = { CONTRIBUTION: "Contribution", REFUND: "Refund", ALLOCATION: "Allocation", DISBURSEMENT: "Disbursement" };
const OPEN_PROJECTS = new Set(["PIPELINE", "IMPLEMENTATION"]);
const OPEN_NEEDS = new Set(["OPEN", "PARTIALLY_COVERED"]);
const PAGES = 20; // at most 2,000 ledger entries or allocations on the page
let fundId = null;
let destinations = { PROJECT: [], REQUEST: [] };
let names = new Map();
let states = new Map();
let commanding = false; // the secretariat's forms are mounted
let latest = 0;

const money = (value) => usd.format(Number(value));
const consistent = (position) => (position ? { "Concord-Consistent-With": String(position) } : {});
const moment = (at) => `${at.slice(0, 16).replace("T", " ")} UTC`;

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

// Every page of a fund's connection (`field`: ledger or allocations), oldest first.
async function everything(operation, field, headers) {
  const nodes = [];
  let after = null;
  let fund = null;
  for (let page = 0; page < PAGES; page += 1) {
    ({ fund } = await run(operation, { id: fundId, first: 100, after }, token, headers));
    nodes.push(...fund[field].edges.map((edge) => edge.node));
    if (!fund[field].pageInfo.hasNextPage) break;
    after = fund[field].pageInfo.endCursor;
  }
  return { fund, nodes };
}

async function readDestinations(headers) {
  const [{ projects }, { requests }] = await Promise.all([
    run("Projects", { first: 100 }, token, headers),
    run("Needs", { first: 100 }, token, headers),
  ]);
  const stateOf = (code) => states.get(code)?.name ?? code;
  const labelled = (node) => ({ ...node, label: `${node.title} · ${stateOf(node.memberState)}` });
  return { projects: projects.edges.map(({ node }) => labelled(node)), needs: requests.edges.map(({ node }) => labelled(node)) };
}

function showDestinations({ projects, needs }) {
  names = new Map([...projects, ...needs].map((one) => [one.id, one.label]));
  destinations = {
    PROJECT: projects.filter((project) => OPEN_PROJECTS.has(project.status)),
    REQUEST: needs.filter((need) => OPEN_NEEDS.has(need.status)),
  };
  fillDestinations();
}

function fillDestinations() {
  const picker = $("#destinationId");
  const kept = picker.value;
  const kind = $("#destinationKind").value;
  const choices = destinations[kind];
  const none = kind === "PROJECT" ? "No project is in the pipeline or under way" : "No need is open";
  picker.replaceChildren(option("", choices.length ? "Choose one" : none));
  for (const one of choices) picker.append(option(one.id, one.label));
  picker.value = choices.some((one) => one.id === kept) ? kept : "";
}

function showFunds(funds, chosen) {
  const picker = $("#fund");
  const label = (fund) =>
    fund.memberState ? `${fund.name} (${states.get(fund.memberState)?.name ?? fund.memberState})` : fund.name;
  picker.replaceChildren(...funds.map((fund) => option(fund.id, label(fund))));
  const wanted = chosen ?? fundId ?? new URLSearchParams(location.search).get("fund");
  fundId = funds.some((fund) => fund.id === wanted) ? wanted : (funds[0]?.id ?? null);
  picker.value = fundId ?? "";
  $("#fund-history").href = `/workbench/history?kind=fund&id=${encodeURIComponent(fundId ?? "")}`;
  $("#no-fund").hidden = funds.length > 0;
  for (const id of ["#balance", "#allocations-section", "#ledger-section"]) $(id).hidden = !fundId;
  if (commanding) $("#allocate").hidden = $("#disburse").hidden = !fundId;
}

function showLedger(fund, entries) {
  $("#received").textContent = money(fund.received);
  $("#allocated").textContent = money(fund.allocated);
  $("#disbursed").textContent = money(fund.disbursed);
  $("#fund-balance").textContent = money(fund.balance);
  $("#allocate-hint").textContent = `The fund holds ${money(fund.balance)} unallocated.`;
  $("#ledger-body").replaceChildren(
    ...entries.map((entry) => {
      const tr = document.createElement("tr");
      tr.append(
        cell(entry.valueDate),
        cell(KINDS[entry.kind] ?? entry.kind),
        cell(money(entry.usdAmount), "num"),
        cell(money(entry.received), "num"),
        cell(money(entry.allocated), "num"),
        cell(money(entry.disbursed), "num"),
        cell(money(entry.balance), "num"),
      );
      return tr;
    }),
  );
  $("#ledger-count").textContent = entries.length === 1 ? "1 entry" : `${entries.length} entries`;
}

function showAllocations(allocations) {
  $("#allocations-body").replaceChildren(
    ...allocations.map((allocation) => {
      const tr = document.createElement("tr");
      tr.dataset.allocation = allocation.id;
      const kind = allocation.destinationKind === "PROJECT" ? "Project" : "Need";
      tr.append(
        cell(moment(allocation.decidedAt)),
        cell(`${kind}: ${names.get(allocation.destinationId) ?? allocation.destinationId}`),
        cell(allocation.window === "RESERVE" ? "Reserve" : "Standard"),
        cell(money(allocation.usdAmount), "num"),
        cell(money(allocation.disbursed), "num"),
        cell(allocation.rationale),
        cell(allocation.decidedBy),
      );
      return tr;
    }),
  );
  const picker = $("#allocationId");
  const kept = picker.value;
  const open = allocations.filter((allocation) => Number(allocation.disbursed) < Number(allocation.usdAmount));
  picker.replaceChildren(option("", open.length ? "Choose an allocation" : "No allocation remains to disburse"));
  for (const allocation of open) {
    const remaining = Number(allocation.usdAmount) - Number(allocation.disbursed);
    const to = names.get(allocation.destinationId) ?? allocation.destinationId;
    picker.append(option(allocation.id, `${to}: ${money(remaining)} of ${money(allocation.usdAmount)} to disburse`));
  }
  picker.value = open.some((allocation) => allocation.id === kept) ? kept : "";
}

// Reads everything the page shows; `position`: the command to include, if one was just sent;
// `chosenFund`: the fund to show. Refreshes overlap (a live update during a command's): only the
// latest one started may draw, so that an older read never paints over a newer one.
async function refresh(position, chosenFund) {
  const mine = ++latest;
  const headers = consistent(position);
  try {
    const [{ funds }, listed] = await Promise.all([run("Funds", {}, token, headers), readDestinations(headers)]);
    if (mine !== latest) return;
    showFunds(funds, chosenFund);
    showDestinations(listed);
    if (!fundId) return;
    const [ledger, allocations] = await Promise.all([
      everything("StabilityFundBalance", "ledger", headers),
      everything("FundAllocations", "allocations", headers),
    ]);
    if (mine !== latest) return;
    showLedger(ledger.fund, ledger.nodes);
    showAllocations(allocations.nodes);
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The fund could not be read: ${error.message}`;
  }
}

function mountForms() {
  const allocate = $("#allocate");
  const value = (form, name) => form.elements.namedItem(name).value;
  commandForm(allocate, {
    operation: "AllocateFromFund",
    token,
    variables: () => ({
      input: {
        fundId,
        window: value(allocate, "window"),
        destinationKind: value(allocate, "destinationKind"),
        destinationId: value(allocate, "destinationId"),
        usdAmount: value(allocate, "usdAmount"),
        rationale: value(allocate, "rationale"),
      },
    }),
    onRecorded: async ({ allocateFromFund: { allocation, position } }) => {
      const to = names.get(value(allocate, "destinationId"));
      allocate.reset();
      await refresh(position);
      $("#allocate-status").textContent = `Allocated ${money(allocation.usdAmount)} to ${to}.`;
    },
  });
  const disburse = $("#disburse");
  commandForm(disburse, {
    operation: "Disburse",
    token,
    variables: () => ({
      input: { fundId, allocationId: value(disburse, "allocationId"), usdAmount: value(disburse, "usdAmount") },
    }),
    onRecorded: async ({ disburse: { position } }) => {
      const amount = money(value(disburse, "usdAmount"));
      disburse.reset();
      await refresh(position);
      $("#disburse-status").textContent = `Disbursed ${amount}.`;
    },
  });
  const opening = $("#open-fund");
  commandForm(opening, {
    operation: "OpenFund",
    token,
    variables: () => ({ input: { name: value(opening, "name"), memberState: value(opening, "memberState") || null } }),
    onRecorded: async ({ openFund: { fund, position } }) => {
      opening.reset();
      await refresh(position, fund.id);
      $("#open-fund-status").textContent = `Opened ${fund.name}.`;
    },
  });
  $("#destinationKind").addEventListener("change", fillDestinations);
  allocate.addEventListener("reset", () => setTimeout(fillDestinations));
  opening.hidden = false;
  commanding = true;
}

async function start() {
  const me = await mountHeader(token);
  ({ states } = await codeLists());
  for (const state of states.values()) $("#memberState").append(option(state.code, state.name));
  $("#fund").addEventListener("change", (event) => {
    fundId = event.target.value;
    history.replaceState(null, "", `${location.pathname}?fund=${encodeURIComponent(fundId)}`);
    refresh();
  });
  if (me.role === "SECRETARIAT") mountForms();
  await refresh();
  let timer = null;
  follow("Changes", token, {
    onNext: () => {
      clearTimeout(timer);
      timer = setTimeout(() => refresh(), 300);
    },
    onStatus: () => {},
    onAuthError: signOut,
  });
}

if (token) start();
