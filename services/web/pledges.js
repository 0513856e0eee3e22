// My pledges and flows: pledges of the donor's organisation with their status, age and what is
// overdue; commit, record payments and cancel in their row; make a pledge; and the flows the
// organisation is the source of, as FTS counts them. Kept live. For whoever the policy lets refund
// payments (the secretariat): every pledge with money paid, and a payment of one to refund.

import { run, runPages } from "/static/graphql.js";
import { option } from "./codes.js";
import {
  $, afterCommand, cell, localDate, money, number, refreshLive, rowCommand, replaceRows,
} from "./donor.js";
import { commandForm } from "./forms.js";
import { mountHeader } from "./header.js";
import { historyLink } from "./history.js";
import { may } from "./permissions.js";
import { requireSignIn } from "./session.js";

const token = requireSignIn();
const STATUS_NAMES = {
  PLEDGED: "Pledged",
  COMMITTED: "Committed",
  PARTIALLY_PAID: "Partly paid",
  PAID: "Paid",
  CANCELLED: "Cancelled",
};
const FLOW_STATUS = { PLEDGE: "Pledge", COMMITMENT: "Commitment", PAID: "Paid" };
const EARMARKING = {
  UNEARMARKED: "Unearmarked",
  SOFTLY_EARMARKED: "Softly earmarked",
  EARMARKED: "Earmarked",
  TIGHTLY_EARMARKED: "Tightly earmarked",
};
const DECIMAL = "(?=.*[1-9])[0-9]{1,15}(\\.[0-9]{1,10})?";
let me = null;
let names = new Map();
let justMade = null;

const destination = (kind, id) => names.get(id) ?? `${kind.toLowerCase()} ${id.slice(0, 8)}`;
const days = (count) => (count === 1 ? "1 day" : `${count} days`);

function actions(pledge) {
  const subject = `the pledge of ${money.format(pledge.amount)} ${pledge.currency} to ${destination(pledge.destinationKind, pledge.destinationId)}`;
  const command = (action, label, operation, done, fields, input) =>
    rowCommand({
      id: pledge.id,
      action,
      label,
      operation,
      token,
      fields,
      variables: (form) => ({ input: { id: pledge.id, ...input((name) => form.elements.namedItem(name).value) } }),
      onRecorded: afterCommand(load, `${done}: ${subject}.`),
    });
  const today = localDate(new Date());
  let next = "";
  if (pledge.status === "PLEDGED") {
    next = command("commit", "Commit", "CommitPledge", "Committed", [
      { name: "dueDate", text: "Due", type: "date", required: true, min: today },
      { name: "reference", text: "Agreement", maxLength: 200 },
    ], (value) => ({ dueDate: value("dueDate"), reference: value("reference") }));
  } else if (["COMMITTED", "PARTIALLY_PAID"].includes(pledge.status)) {
    next = command("pay", "Record payment", "RecordPayment", "Payment recorded", [
      { name: "amount", text: `Amount (${pledge.currency})`, required: true, inputMode: "decimal", pattern: DECIMAL,
        patternMessage: "An amount greater than zero." },
      { name: "usdRate", text: "USD per unit", required: true, inputMode: "decimal", pattern: DECIMAL, value: "1",
        patternMessage: "A rate greater than zero." },
      { name: "paidOn", text: "Paid on", type: "date", required: true, value: today, max: today },
    ], (value) => ({ amount: value("amount"), usdRate: value("usdRate"), rateDate: value("paidOn"), paidOn: value("paidOn") }));
  }
  const cancellable = ["PLEDGED", "COMMITTED"].includes(pledge.status) && Number(pledge.paid) === 0;
  const cancel = cancellable
    ? command("cancel", "Cancel", "CancelPledge", "Cancelled", [{ name: "reason", text: "Reason", maxLength: 500 }],
        (value) => ({ reason: value("reason") }))
    : "";
  return [next, cancel];
}

function row(pledge) {
  const tr = document.createElement("tr");
  tr.dataset.pledge = pledge.id;
  if (pledge.id === justMade) tr.className = "just-posted";
  const age = [`pledged ${days(pledge.daysSincePledged)} ago`];
  if (pledge.daysCommittedUnpaid !== null) age.push(`committed ${days(pledge.daysCommittedUnpaid)} unpaid`);
  const due = document.createElement("span");
  due.textContent = pledge.dueDate ?? "";
  if (pledge.overdue) {
    due.className = "overdue";
    due.textContent = `${pledge.dueDate}: overdue`;
  }
  const [next, cancel] = actions(pledge);
  const named = document.createElement("div");
  named.append(
    `${destination(pledge.destinationKind, pledge.destinationId)} · ${EARMARKING[pledge.earmarking]} `,
    historyLink("pledge", pledge.id, `the pledge of ${number.format(pledge.amount)} ${pledge.currency}`),
  );
  tr.append(
    cell(named),
    cell(`${money.format(pledge.amount)} ${pledge.currency}`, "num"),
    cell(`${money.format(pledge.paid)} ${pledge.currency}`, "num"),
    cell(STATUS_NAMES[pledge.status] ?? pledge.status),
    cell(age.join("; ")),
    cell(due),
    cell(next),
    cell(cancel),
  );
  return tr;
}

function flowRow(flow) {
  const tr = document.createElement("tr");
  tr.append(
    cell(flow.decidedOn),
    cell(destination(flow.destinationKind, flow.destinationId)),
    cell(FLOW_STATUS[flow.status] ?? flow.status),
    cell(`${money.format(flow.amount)} ${flow.currency}`, "num"),
    cell(money.format(flow.usdAmount), "num"),
    cell(money.format(flow.usdPaid), "num"),
    cell(EARMARKING[flow.earmarking] ?? ""),
  );
  return tr;
}

// The donor's own flows, a page at a time (at most FLOW_PAGES pages of 100).
const FLOW_PAGES = 10;

async function ownFlows(headers) {
  if (!me.organisationId) return [];
  const variables = { sourceId: [me.organisationId] };
  return (await runPages("Flows", variables, token, "flowsConnection", { headers, pages: FLOW_PAGES })).nodes;
}

async function loadFlows(headers) {
  const [mine, { flowTotals }] = await Promise.all([
    ownFlows(headers),
    run("FundingByDonor", {}, token, headers),
  ]);
  $("#flows-body").replaceChildren(...mine.map(flowRow));
  const totals = flowTotals.filter((total) => total.sourceId === me.organisationId);
  const total = (label, usd) => {
    const item = document.createElement("li");
    const amount = document.createElement("strong");
    amount.textContent = `USD ${money.format(usd)}`;
    item.append(`${label}: `, amount);
    return item;
  };
  const paid = totals.reduce((sum, found) => sum + Number(found.usdPaid), 0);
  $("#flow-totals").replaceChildren(
    ...["PLEDGE", "COMMITMENT", "PAID"].map((status) =>
      total(FLOW_STATUS[status], totals.find((found) => found.status === status)?.usdAmount ?? 0)),
    total("Paid so far", paid),
  );
}

async function load(headers = {}) {
  try {
    const { pledges } = await run("Pledges", { filter: { organisation: [me.organisationId] }, first: 100 }, token, headers);
    const listed = pledges.edges.map(({ node }) => node);
    replaceRows($("#pledges-body"), listed.map(row));
    $("#count").textContent = pledges.totalCount === 1 ? "1 pledge" : `${pledges.totalCount} pledges`;
    const overdue = listed.filter((pledge) => pledge.overdue).length;
    $("#overdue-count").textContent = overdue ? `${overdue} overdue: committed and unpaid past the due date.` : "";
    await loadFlows(headers);
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The lists could not be read: ${error.message}`;
  }
}

async function startForm() {
  const form = $("#pledge");
  const [{ crises }, { funds }] = await Promise.all([
    run("Crises", { includeClosed: true }, token),
    run("FundingByDonor", {}, token),
  ]);
  names = new Map([...crises.map((c) => [c.id, c.name]), ...funds.map((f) => [f.id, f.name])]);
  const choices = {
    CRISIS: crises.filter((c) => c.phase !== "CLOSED").map((c) => option(c.id, c.name)),
    FUND: funds.map((f) => option(f.id, f.name)),
  };
  const offer = () => {
    const kind = $("#destinationKind").value;
    $("#destinationId").replaceChildren(option("", choices[kind].length ? "Choose one" : "None open"), ...choices[kind].map((o) => o.cloneNode(true)));
  };
  offer();
  $("#destinationKind").addEventListener("change", offer);
  form.addEventListener("reset", () => setTimeout(() => { offer(); $("#rateDate").value = localDate(new Date()); }));
  $("#rateDate").value = localDate(new Date());
  $("#currency").addEventListener("input", (event) => {
    event.target.value = event.target.value.toUpperCase();
  });
  commandForm(form, {
    operation: "MakePledge",
    token,
    variables: () => {
      const value = (name) => form.elements.namedItem(name).value;
      return {
        input: {
          destinationKind: value("destinationKind"),
          destinationId: value("destinationId"),
          amount: value("amount"),
          currency: value("currency"),
          usdRate: value("usdRate"),
          rateDate: value("rateDate"),
          earmarking: value("earmarking"),
          description: value("description"),
        },
      };
    },
    onRecorded: async ({ makePledge }) => {
      justMade = makePledge.pledge.id;
      form.reset();
      await load({ "Concord-Consistent-With": String(makePledge.position) });
      $("#done").textContent = "Pledged: the pledge is marked in the list.";
      $("#done").hidden = false;
      $("#done").focus();
    },
  });
}

// Refunds: every pledge with money paid, and one of its payments to refund.
let paidPledges = new Map();
let organisations = new Map();
let payments = new Map();

function paidRow(pledge) {
  const tr = document.createElement("tr");
  tr.dataset.pledge = pledge.id;
  tr.append(
    cell(organisations.get(pledge.organisationId) ?? pledge.organisationId),
    cell(destination(pledge.destinationKind, pledge.destinationId)),
    cell(`${money.format(pledge.amount)} ${pledge.currency}`, "num"),
    cell(`${money.format(pledge.paid)} ${pledge.currency}`, "num"),
    cell(STATUS_NAMES[pledge.status] ?? pledge.status),
  );
  return tr;
}

function pledgeLabel(pledge) {
  const from = organisations.get(pledge.organisationId) ?? "An organisation";
  return `${from}: ${money.format(pledge.paid)} of ${money.format(pledge.amount)} ${pledge.currency} paid to ${destination(pledge.destinationKind, pledge.destinationId)}`;
}

async function loadPaid(headers = {}) {
  try {
    const filter = { status: ["PARTIALLY_PAID", "PAID"] };
    const { pledges } = await run("Pledges", { filter, first: 100 }, token, headers);
    const listed = pledges.edges.map(({ node }) => node);
    paidPledges = new Map(listed.map((pledge) => [pledge.id, pledge]));
    $("#paid-body").replaceChildren(...listed.map(paidRow));
    $("#paid-count").textContent = pledges.totalCount === 1 ? "1 pledge with payments" : `${pledges.totalCount} pledges with payments`;
    const picker = $("#refund-pledgeId");
    const kept = picker.value;
    picker.replaceChildren(
      option("", listed.length ? "Choose a pledge" : "No pledge has a payment"),
      ...listed.map((pledge) => option(pledge.id, pledgeLabel(pledge))),
    );
    picker.value = paidPledges.has(kept) ? kept : "";
    await loadPayments(headers);
    $("#paid-problem").textContent = "";
  } catch (error) {
    $("#paid-problem").textContent = `The pledges could not be read: ${error.message}`;
  }
}

// The chosen pledge's payments, with what remains of each to refund.
async function loadPayments(headers = {}) {
  const chosen = $("#refund-pledgeId").value;
  const picker = $("#refund-paymentId");
  const kept = picker.value;
  payments = new Map();
  if (chosen) {
    const { pledge } = await run("PledgePayments", { id: chosen }, token, headers);
    for (const payment of pledge.payments) payments.set(payment.id, { ...payment, currency: pledge.currency });
  }
  const open = [...payments.values()].filter((payment) => Number(payment.amount) > Number(payment.refunded));
  picker.replaceChildren(
    option("", !chosen ? "Choose a pledge first" : open.length ? "Choose a payment" : "Nothing of its payments remains"),
    ...open.map((payment) =>
      option(payment.id, `${payment.paidOn}: ${money.format(payment.amount)} ${payment.currency}` +
        (Number(payment.refunded) ? `, ${money.format(payment.refunded)} refunded` : ""))),
  );
  picker.value = open.some((payment) => payment.id === kept) ? kept : "";
  describePayment();
}

function describePayment() {
  const payment = payments.get($("#refund-paymentId").value);
  const currency = paidPledges.get($("#refund-pledgeId").value)?.currency ?? "";
  $("#refund-currency").textContent = currency ? `(${currency})` : "";
  $("#refund-amount-hint").textContent = payment
    ? `At most ${money.format(Number(payment.amount) - Number(payment.refunded))} ${payment.currency} remain of this payment.`
    : "";
}

async function startRefunds() {
  $("#title").textContent = "Pledges and refunds";
  document.title = "Pledges and refunds · Concord workbench";
  const [{ crises }, { funds }, { organisations: listed }] = await Promise.all([
    run("Crises", { includeClosed: true }, token),
    run("Funds", {}, token),
    run("Organisations", { first: 100 }, token),
  ]);
  names = new Map([...crises.map((c) => [c.id, c.name]), ...funds.map((f) => [f.id, f.name])]);
  organisations = new Map(listed.edges.map(({ node }) => [node.id, node.name]));
  const form = $("#refund");
  $("#refund-pledgeId").addEventListener("change", () => loadPayments());
  $("#refund-paymentId").addEventListener("change", describePayment);
  commandForm(form, {
    operation: "RefundPayment",
    token,
    variables: () => ({
      input: {
        pledgeId: valueOf(form, "pledgeId"),
        paymentId: valueOf(form, "paymentId"),
        amount: valueOf(form, "amount"),
        reason: valueOf(form, "reason").trim(),
      },
    }),
    onRecorded: async ({ refundPayment: { position, pledge } }) => {
      const refunded = `${money.format(valueOf(form, "amount"))} ${pledge.currency}`;
      const from = organisations.get(paidPledges.get(pledge.id)?.organisationId) ?? "the donor";
      form.reset();
      await loadPaid({ "Concord-Consistent-With": String(position) });
      $("#done").textContent = `Refunded ${refunded} to ${from}.`;
      $("#done").hidden = false;
      $("#done").focus();
    },
  });
  form.addEventListener("reset", () => setTimeout(() => loadPayments()));
  await loadPaid();
  for (const id of ["#paid-pledges", "#refunds"]) $(id).hidden = false;
  refreshLive(token, (headers) => loadPaid(headers));
}

const valueOf = (form, name) => form.elements.namedItem(name).value;

async function start() {
  me = await mountHeader(token);
  if (me.role === "DONOR") {
    for (const element of document.querySelectorAll("[data-donor]")) element.hidden = false;
    await startForm();
    await load();
    refreshLive(token, load);
  } else if (may(me, "refundPayment")) {
    await startRefunds();
  } else {
    $("#not-for-role").hidden = false;
  }
}

if (token) start();
