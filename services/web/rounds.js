// Allocation rounds: the secretariat runs a round for a crisis (or every open crisis), or opens one
// from the list of past rounds (newest first, a page at a time), and reviews it: the objective
// against the greedy baseline, each state's coverage under both, the matches it proposed as they
// stand now, and the lines it skipped. The round's id stays in the address, so a review can be
// reloaded or shared; the audit (a re-solve) is asked for separately, as it costs one.

import { run } from "/static/graphql.js";
import { codeLists, option } from "./codes.js";
import { commandForm } from "./forms.js";
import { requireSignIn } from "./session.js";
import { $, after, cell, followChanges, headerCell, number, percent, secretariatPage } from "./secretariat.js";

const token = requireSignIn();
const MATCH_STATUS = {
  PROPOSED: "Proposed: awaiting the state",
  ACCEPTED: "Accepted",
  DECLINED: "Declined",
  CONFIRMED: "Confirmed by the donor",
  DISPATCHED: "Dispatched",
  DELIVERED: "Delivered",
  CANCELLED: "Cancelled",
};
const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
let states = new Map();
let crises = new Map();
let reviewed = null;

const stateName = (code) => states.get(code)?.name ?? code;
const short = (id) => id.slice(0, 8);

function row(...cells) {
  const tr = document.createElement("tr");
  tr.append(...cells);
  return tr;
}

function fact(term, value) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value;
  return [dt, dd];
}

function showObjective(round) {
  const mine = round.objective;
  const greedy = round.greedyObjective;
  const difference = (a, b) => `${a >= b ? "+" : "−"}${percent.format(Math.abs(a - b))}`;
  $("#objective-body").replaceChildren(
    row(
      headerCell("Lowest state coverage"),
      cell(percent.format(mine.minStateCoverage), "num"),
      cell(percent.format(greedy.minStateCoverage), "num"),
      cell(difference(mine.minStateCoverage, greedy.minStateCoverage), "num"),
    ),
    row(
      headerCell("Weighted coverage of all needs"),
      cell(percent.format(mine.weightedCoverage), "num"),
      cell(percent.format(greedy.weightedCoverage), "num"),
      cell(difference(mine.weightedCoverage, greedy.weightedCoverage), "num"),
    ),
  );
  const baseline = new Map(greedy.stateCoverage.map((line) => [line.memberState, line.coverage]));
  $("#states-body").replaceChildren(
    ...mine.stateCoverage.map((line) =>
      row(
        headerCell(stateName(line.memberState)),
        cell(percent.format(line.coverage), "num"),
        cell(baseline.has(line.memberState) ? percent.format(baseline.get(line.memberState)) : "—", "num"),
      ),
    ),
  );
}

function showProposals(round) {
  $("#proposals-body").replaceChildren(
    ...round.proposedMatches.map((line) => {
      const match = line.match;
      const request = match?.request;
      const offer = match?.offer;
      const tr = row(
        cell(request ? `${request.title} (${request.adminCode})` : `need ${short(line.requestId)}`),
        cell(request ? stateName(request.memberState) : ""),
        cell(offer ? (offer.organisation?.name ?? stateName(offer.offeringState)) : `offer ${short(line.offerId)}`),
        cell(`${number.format(line.quantity)}${match ? ` ${match.unit}` : ""}`, "num"),
        cell(match ? (MATCH_STATUS[match.status] ?? match.status) : "Not yet in the read models"),
      );
      tr.dataset.match = line.matchId;
      return tr;
    }),
  );
  $("#no-proposals").hidden = round.proposedMatches.length > 0;
  $("#proposals").hidden = round.proposedMatches.length === 0;
  $("#skipped-body").replaceChildren(
    ...round.skipped.map((line) =>
      row(cell(`need ${short(line.requestId)}`), cell(`offer ${short(line.offerId)}`), cell(number.format(line.quantity), "num"), cell(line.reason)),
    ),
  );
  $("#no-skipped").hidden = round.skipped.length > 0;
  $("#skipped").hidden = round.skipped.length === 0;
}

async function review(id, headers = {}) {
  try {
    const { allocationRound: round } = await run("AllocationRoundReview", { id }, token, headers);
    $("#review-heading").textContent = `Round of ${when.format(new Date(round.ranAt))} UTC`;
    $("#facts").replaceChildren(
      ...fact("Crisis", round.crisisId ? (crises.get(round.crisisId) ?? round.crisisId) : "Every open crisis"),
      ...fact("Run by", round.ranBy),
      ...fact("Needs and offers read", `${round.needCount} needs, ${round.offerCount} offers, at log position ${round.readPosition}`),
      ...fact("Method", round.method),
      ...fact("Round", round.id),
    );
    showObjective(round);
    showProposals(round);
    if (reviewed !== round.id) $("#audit-result").textContent = ""; // a live re-read keeps the audit
    reviewed = round.id;
    markReviewed();
    $("#review").hidden = false;
    $("#problem").textContent = "";
  } catch (error) {
    $("#review").hidden = true;
    $("#problem").textContent = `The round could not be read: ${error.message}`;
  }
}

async function audit(id) {
  $("#audit").disabled = true;
  $("#audit-result").textContent = "Re-solving the recorded inputs…";
  try {
    const { allocationRound } = await run("AllocationRound", { id }, token);
    $("#audit-result").textContent = allocationRound.reproduced
      ? "Reproduced: the recorded inputs, re-solved with the recorded parameters, give exactly these lines."
      : "Not reproduced: re-solving the recorded inputs gives other lines. Keep this round for the audit.";
  } catch (error) {
    $("#audit-result").textContent = `The audit could not run: ${error.message}`;
  } finally {
    $("#audit").disabled = false;
  }
}

const PAST_PAGE = 20;
let pastShown = 0;
let pastAfter = null;

function markReviewed() {
  for (const tr of document.querySelectorAll("#past-body tr")) {
    if (tr.dataset.round === reviewed) tr.setAttribute("aria-current", "true");
    else tr.removeAttribute("aria-current");
  }
}

function pastRow(round) {
  const link = document.createElement("a");
  link.href = `/workbench/rounds?round=${encodeURIComponent(round.id)}`;
  link.textContent = `${when.format(new Date(round.ranAt))} UTC`;
  link.addEventListener("click", (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return; // a new tab
    event.preventDefault();
    open(round.id);
  });
  const ran = document.createElement("th");
  ran.scope = "row";
  ran.append(link);
  const coverage = `${percent.format(round.objective.minStateCoverage)} (${percent.format(round.greedyObjective.minStateCoverage)})`;
  const tr = row(
    ran,
    cell(round.crisisId ? (crises.get(round.crisisId) ?? round.crisisId) : "Every open crisis"),
    cell(`${round.needCount} · ${round.offerCount}`, "num"),
    cell(`${round.proposalCount} · ${round.skippedCount}`, "num"),
    cell(coverage, "num"),
    cell(round.ranBy),
  );
  tr.dataset.round = round.id;
  return tr;
}

// The newest rounds, or (with `older`) the next page after those shown; a re-read keeps as many
// rows as were shown, so a live update does not fold the list back to one page.
async function loadPast({ older = false, headers = {} } = {}) {
  const first = older ? PAST_PAGE : Math.max(PAST_PAGE, pastShown);
  try {
    const { allocationRounds: rounds } = await run(
      "AllocationRounds",
      { first, after: older ? pastAfter : null },
      token,
      headers,
    );
    const rows = rounds.edges.map((edge) => pastRow(edge.node));
    if (older) $("#past-body").append(...rows);
    else $("#past-body").replaceChildren(...rows);
    pastShown = $("#past-body").rows.length;
    pastAfter = rounds.pageInfo.endCursor ?? pastAfter;
    $("#past-more").hidden = !rounds.pageInfo.hasNextPage;
    $("#past-table").hidden = rounds.totalCount === 0;
    $("#past-count").textContent =
      rounds.totalCount === 0
        ? "No round has been run yet."
        : `${rounds.totalCount === 1 ? "1 round" : `${rounds.totalCount} rounds`}, ${pastShown} shown.`;
    $("#past-problem").textContent = "";
    markReviewed();
  } catch (error) {
    $("#past-problem").textContent = `The past rounds could not be read: ${error.message}`;
  }
}

// Opens a past round for review, as after a run: its id in the address, the focus on its heading.
async function open(id) {
  history.pushState(null, "", `${location.pathname}?round=${encodeURIComponent(id)}`);
  $("#round").value = id;
  await review(id);
  if (!$("#review").hidden) $("#review-heading").focus();
}

async function start() {
  const me = await secretariatPage(token);
  ({ states } = await codeLists());
  const listed = (await run("Crises", { includeClosed: true }, token)).crises;
  crises = new Map(listed.map((crisis) => [crisis.id, crisis.name]));
  const shown = () => new URLSearchParams(location.search).get("round");
  if (me) {
    for (const crisis of listed.filter((c) => c.phase !== "CLOSED")) $("#crisisId").append(option(crisis.id, crisis.name));
    const form = $("#run");
    commandForm(form, {
      operation: "RunAllocationRound",
      token,
      variables: () => ({ input: { crisisId: $("#crisisId").value || null } }),
      onRecorded: async ({ runAllocationRound }) => {
        const { position, round } = runAllocationRound;
        history.pushState(null, "", `${location.pathname}?round=${encodeURIComponent(round.id)}`);
        $("#round").value = round.id;
        await review(round.id, after(position));
        await loadPast({ headers: after(position) });
        $("#review-heading").focus();
      },
    });
    $("#past-more").addEventListener("click", () => loadPast({ older: true }));
    await loadPast();
  }
  $("#audit").addEventListener("click", () => audit(shown()));
  window.addEventListener("popstate", () => (shown() ? review(shown()) : ($("#review").hidden = true)));
  if (shown()) {
    $("#round").value = shown();
    await review(shown());
  }
  followChanges(token, () => {
    if (me) loadPast();
    if (shown() && !$("#review").hidden) review(shown());
  });
}

if (token) start();
