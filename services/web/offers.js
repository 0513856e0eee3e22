// My offers: what the donor's organisation offers, what of it is allocated, and withdrawal; and the
// form that posts a new offer. The list is read after each command and kept live.

import { run } from "/static/graphql.js";
import { codeLists, option } from "./codes.js";
import {
  $, afterCommand, cell, localDate, myOffers, number, refreshLive, rowCommand, startDonorPage, replaceRows,
} from "./donor.js";
import { commandForm } from "./forms.js";
import { historyLink } from "./history.js";
import { requireSignIn } from "./session.js";

const token = requireSignIn();
const STATUS_NAMES = {
  OPEN: "Open",
  PARTIALLY_ALLOCATED: "Partly allocated",
  FULLY_ALLOCATED: "Fully allocated",
  WITHDRAWN: "Withdrawn",
  EXPIRED: "Expired",
};
let me = null;
let justPosted = null;

function row(offer) {
  const tr = document.createElement("tr");
  tr.dataset.offer = offer.id;
  if (offer.id === justPosted) tr.className = "just-posted";
  const item = document.createElement("strong");
  item.textContent = offer.item;
  const withdrawable = !["WITHDRAWN", "EXPIRED"].includes(offer.status);
  const named = document.createElement("div");
  named.append(item, " ", historyLink("offer", offer.id, `the offer of ${number.format(offer.quantity)} ${offer.unit} of ${offer.item}`));
  tr.append(
    cell(named),
    cell(offer.serves.join(", ")),
    cell(`${offer.availableFrom} to ${offer.availableUntil}`),
    cell(`${number.format(offer.quantity)} ${offer.unit}`, "num"),
    cell(number.format(offer.allocated), "num"),
    cell(number.format(offer.remaining), "num"),
    cell(STATUS_NAMES[offer.status] ?? offer.status),
    cell(
      withdrawable
        ? rowCommand({
            id: offer.id,
            action: "withdraw",
            label: "Withdraw",
            operation: "WithdrawOffer",
            token,
            fields: [{ name: "reason", text: "Reason", maxLength: 500 }],
            variables: (form) => ({ input: { id: offer.id, reason: form.elements.namedItem("reason").value } }),
            onRecorded: afterCommand(load, `Withdrawn: the offer of ${offer.item}. Matches already made go on.`),
          })
        : "",
    ),
  );
  return tr;
}

async function load(headers = {}) {
  try {
    const offers = await myOffers(token, me.organisationId, headers);
    replaceRows($("#offers-body"), offers.map(row));
    $("#count").textContent = offers.length === 1 ? "1 offer" : `${offers.length} offers`;
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The list could not be read: ${error.message}`;
  }
}

function requireAState() {
  const boxes = [...document.querySelectorAll('input[name="serves"]')];
  const message = boxes.some((box) => box.checked) ? "" : "Choose at least one member state.";
  boxes[0].setCustomValidity(message);
  return message;
}

async function startForm() {
  const form = $("#offer");
  const { states, sectors } = await codeLists();
  const { crises } = await run("Crises", { includeClosed: false }, token);
  for (const crisis of crises) $("#crisisId").append(option(crisis.id, crisis.name));
  for (const sector of sectors.values()) $("#sector").append(option(sector.code, sector.name));
  for (const state of states.values()) {
    const label = document.createElement("label");
    label.className = "check";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "serves";
    box.value = state.code;
    box.id = $("#serves-choices").childElementCount ? `serves-${state.code}` : "serves";
    label.append(box, ` ${state.name}`);
    $("#serves-choices").append(label);
  }
  const today = localDate(new Date());
  $("#availableFrom").value = today;
  $("#availableUntil").min = today;
  requireAState();
  $("#serves-choices").addEventListener("change", () => {
    $("#serves-error").textContent = requireAState();
  });
  form.addEventListener("submit", () => {
    $("#serves-error").textContent = requireAState();
  }, { capture: true });

  let items = new Map();
  $("#sector").addEventListener("change", async () => {
    const sector = $("#sector").value;
    const picker = $("#item");
    picker.replaceChildren(option("", sector ? "Choose an item" : "Choose a sector first"));
    $("#unit").value = "";
    picker.disabled = true;
    if (!sector) return;
    const listed = (await run("Items", { sector }, token)).items;
    if ($("#sector").value !== sector) return;
    items = new Map(listed.map((item) => [item.code, item]));
    for (const item of items.values()) picker.append(option(item.code, `${item.name} (${item.unit})`));
    picker.disabled = false;
  });
  $("#item").addEventListener("change", () => {
    $("#unit").value = items.get($("#item").value)?.unit ?? "";
  });

  commandForm(form, {
    operation: "PostOffer",
    token,
    variables: () => {
      const value = (name) => form.elements.namedItem(name).value;
      return {
        input: {
          crisisId: value("crisisId"),
          sector: value("sector"),
          item: value("item"),
          quantity: value("quantity"),
          unit: value("unit"),
          availableFrom: value("availableFrom"),
          availableUntil: value("availableUntil"),
          serves: [...form.querySelectorAll('input[name="serves"]:checked')].map((box) => box.value),
          deliveryMode: value("deliveryMode"),
          description: value("description"),
        },
      };
    },
    onRecorded: async ({ postOffer }) => {
      justPosted = postOffer.offer.id;
      form.reset();
      $("#item").replaceChildren(option("", "Choose a sector first"));
      $("#item").disabled = true;
      $("#availableFrom").value = today;
      requireAState();
      await load({ "Concord-Consistent-With": String(postOffer.position) });
      $("#done").textContent = "Posted: the offer is marked in the list.";
      $("#done").hidden = false;
      $("#done").focus();
    },
  });
}

async function start() {
  me = await startDonorPage(token);
  if (!me) return;
  const position = new URLSearchParams(location.search).get("consistentWith"); // after an upload
  await Promise.all([load(position ? { "Concord-Consistent-With": position } : {}), startForm()]);
  refreshLive(token, load);
}

if (token) start();
