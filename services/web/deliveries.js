// Matches to confirm and dispatch: every match of the organisation's offers, those waiting for the
// donor first; confirm once the requesting state has accepted, dispatch once confirmed, decline or
// cancel before dispatch (cancel only where the policy lets the donor). Kept live.

import { run } from "/static/graphql.js";
import {
  $, afterCommand, cell, myOffers, number, refreshLive, rowCommand, startDonorPage, replaceRows,
} from "./donor.js";
import { may } from "./permissions.js";
import { historyLink } from "./history.js";
import { requireSignIn } from "./session.js";

const token = requireSignIn();
const STATUS_NAMES = {
  PROPOSED: "Proposed: waiting for the requesting state",
  ACCEPTED: "Accepted: confirm you will deliver",
  CONFIRMED: "Confirmed: dispatch when it leaves",
  DISPATCHED: "Dispatched",
  DELIVERED: "Delivered",
  DECLINED: "Declined",
  CANCELLED: "Cancelled",
};
const BEFORE_DISPATCH = ["PROPOSED", "ACCEPTED", "CONFIRMED"];
const ORDER = ["ACCEPTED", "CONFIRMED", "PROPOSED", "DISPATCHED", "DELIVERED", "DECLINED", "CANCELLED"];
const NEXT = {
  ACCEPTED: ["confirm", "Confirm", "ConfirmMatch", "Confirmed"],
  CONFIRMED: ["dispatch", "Dispatch", "DispatchMatch", "Dispatched"],
};
let me = null;

function row(match) {
  const tr = document.createElement("tr");
  tr.dataset.match = match.id;
  const title = document.createElement("strong");
  title.textContent = match.request?.title ?? match.request?.id ?? "";
  const step = NEXT[match.status];
  const subject = `${number.format(match.quantity)} ${match.unit} for ${title.textContent}`;
  const command = (action, label, operation, done, fields = [], input = () => ({})) =>
    rowCommand({
      id: match.id,
      action,
      label,
      operation,
      token,
      fields,
      variables: (form) => ({ input: { id: match.id, ...input(form) } }),
      onRecorded: afterCommand(load, `${done}: ${subject}.`),
    });
  const declinable = BEFORE_DISPATCH.includes(match.status);
  const offerer = { memberState: match.offer?.offeringState, organisationId: match.offer?.organisationId };
  const cancellable = declinable && may(me, "cancelMatch", { memberState: match.request?.memberState }, offerer);
  const reason = (form) => ({ reason: form.elements.namedItem("reason").value });
  const named = document.createElement("div");
  named.append(title, " ", historyLink("match", match.id, `the match of ${subject}`));
  tr.append(
    cell(named),
    cell(`${match.request?.memberState ?? ""} · ${match.request?.adminCode ?? ""}`),
    cell(match.request?.neededBy ?? ""),
    cell(`${number.format(match.quantity)} ${match.unit} of ${match.offer?.item ?? ""}`, "num"),
    cell(STATUS_NAMES[match.status] ?? match.status),
    cell(step ? command(...step) : ""),
    cell(
      declinable
        ? command("decline", "Decline", "DeclineMatch", "Declined",
            [{ name: "reason", text: "Reason", maxLength: 500 }], reason)
        : "",
    ),
    cell(
      cancellable
        ? command("cancel", "Cancel", "CancelMatch", "Cancelled",
            [{ name: "reason", text: "Why", maxLength: 500 }], reason)
        : "",
    ),
  );
  return tr;
}

async function load(headers = {}) {
  try {
    const offers = await myOffers(token, me.organisationId, headers);
    const found = offers.length
      ? (await run("OfferMatches", { offers: offers.map((offer) => offer.id), first: 100 }, token, headers)).matches
      : { edges: [], totalCount: 0 };
    const matches = found.edges.map(({ node }) => node);
    matches.sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || b.proposedAt.localeCompare(a.proposedAt));
    replaceRows($("#matches-body"), matches.map(row));
    const waiting = matches.filter((match) => NEXT[match.status]).length;
    $("#count").textContent = `${found.totalCount} ${found.totalCount === 1 ? "match" : "matches"}, ${waiting} waiting for you`;
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The list could not be read: ${error.message}`;
  }
}

async function start() {
  me = await startDonorPage(token);
  if (!me) return;
  await load();
  refreshLive(token, load);
}

if (token) start();
