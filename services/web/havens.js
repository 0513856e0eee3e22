// My safe havens: the state's havens with their occupancy against capacity; designate one (its
// location must lie in the state: the server decides and says so at the field), admit people,
// record departures, change status. An admission beyond the room left is refused in words. Below,
// the state's displacement figures by area, and an assessment's figures to record where the
// policy lets the caller.

import { run } from "/static/graphql.js";
import { areaPicker } from "./areas.js";
import { codeLists, option } from "./codes.js";
import { $, after, announce, cell, count, fillCrises, keepCurrent, localDate, valueOf, words } from "./field.js";
import { commandForm } from "./forms.js";
import { historyLink } from "./history.js";
import { mountHeader } from "./header.js";
import { may } from "./permissions.js";
import { requireSignIn } from "./session.js";

const token = requireSignIn();
const STATUS = { OPEN: "Open", FULL: "Full", CLOSED: "Closed", SUSPENDED: "Suspended for security" };
let me = null;
let crises = new Map();
let havens = new Map();
let figures = false; // the policy lets the caller record displacement figures here

const people = (n) => `${count.format(n)} ${n === 1 ? "person" : "people"}`;

function occupancy(haven) {
  const wrap = document.createElement("div");
  wrap.className = "occupancy";
  const meter = document.createElement("meter");
  meter.min = 0;
  meter.max = Math.max(haven.capacity, 1);
  meter.value = haven.occupancy ?? 0;
  meter.high = haven.capacity * 0.9;
  meter.optimum = 0;
  meter.setAttribute("aria-label", `${haven.name}: occupancy`);
  const text = document.createElement("span");
  text.textContent = `${count.format(haven.occupancy ?? 0)} of ${count.format(haven.capacity)} sheltered`;
  wrap.append(text, meter);
  return wrap;
}

function row(haven) {
  const tr = document.createElement("tr");
  tr.dataset.haven = haven.id;
  const name = document.createElement("strong");
  name.textContent = haven.name;
  const named = document.createElement("div");
  named.append(name, " ", historyLink("safe-haven", haven.id, haven.name));
  tr.append(
    cell(named),
    cell(haven.adminCode ?? ""),
    cell(crises.get(haven.crisisId) ?? ""),
    cell(words(haven.status, STATUS)),
    cell(occupancy(haven)),
    cell(count.format(haven.reserved ?? 0), "num"),
    cell(count.format(haven.available ?? 0), "num"),
  );
  return tr;
}

function describeChosen() {
  const haven = havens.get($("#haven").value);
  $("#haven-room").textContent = haven
    ? `${words(haven.status, STATUS)}: ${count.format(haven.occupancy ?? 0)} of ${count.format(haven.capacity)} sheltered, ` +
      `${count.format(haven.reserved ?? 0)} held for arriving groups, room for ${people(haven.available ?? 0)}.`
    : "";
}

async function load(headers = {}, choose = null) {
  try {
    const { safeHavens } = await run("StateSafeHavens", { memberState: [me.memberState] }, token, headers);
    havens = new Map(safeHavens.map((haven) => [haven.id, haven]));
    $("#havens-body").replaceChildren(...safeHavens.map(row));
    $("#none").hidden = safeHavens.length > 0;
    $("#desk").hidden = safeHavens.length === 0;
    const chosen = choose ?? $("#haven").value;
    $("#haven").replaceChildren(...safeHavens.map((haven) => option(haven.id, haven.name)));
    if (havens.has(chosen)) $("#haven").value = chosen;
    describeChosen();
    await loadFigures(headers);
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The safe havens could not be read: ${error.message}`;
  }
}

// The latest figures of each area: the series is oldest first within each area.
async function loadFigures(headers = {}) {
  if (!figures) return;
  const { displacement } = await run("Displacement", { memberState: [me.memberState] }, token, headers);
  const latest = new Map(displacement.map((point) => [point.adminCode, point]));
  $("#displacement-body").replaceChildren(
    ...[...latest.values()].map((point) => {
      const tr = document.createElement("tr");
      tr.dataset.area = point.adminCode;
      const shown = (value) => (value == null ? "fewer than 5" : count.format(value));
      tr.append(
        cell(point.adminCode),
        cell(point.asOf),
        cell(shown(point.displaced), "num"),
        cell(shown(point.returned), "num"),
        cell(shown(point.resettled), "num"),
      );
      return tr;
    }),
  );
  $("#no-figures").hidden = latest.size > 0;
}

function mountFigures(state) {
  const form = $("#figures");
  areaPicker($("#figures-adminCode"), { state, token, hint: $("#figures-adminCode-hint") });
  const today = localDate();
  $("#figures-asOf").max = today;
  $("#figures-asOf").value = today;
  form.addEventListener("reset", () => setTimeout(() => { $("#figures-asOf").value = today; }));
  const whole = (name) => Number(valueOf(form, name));
  commandForm(form, {
    operation: "RecordDisplacementFigures",
    token,
    variables: () => ({
      input: {
        crisisId: valueOf(form, "crisisId"),
        memberState: me.memberState,
        adminCode: valueOf(form, "adminCode"),
        asOf: valueOf(form, "asOf"),
        displaced: whole("displaced"),
        returned: whole("returned"),
        resettled: whole("resettled"),
        source: valueOf(form, "source").trim(),
      },
    }),
    onRecorded: async ({ recordDisplacementFigures: { position } }) => {
      const area = valueOf(form, "adminCode");
      await loadFigures(after(position));
      announce(`Recorded the figures of ${area} as of ${valueOf(form, "asOf")}.`);
      form.reset();
    },
  });
  $("#displacement").hidden = false;
}

// Words for a refusal over capacity: how much room there is, and what to do.
function overCapacity(message) {
  const haven = havens.get($("#haven").value);
  const room = /room for (\d+(?:,\d{3})*)/.exec(message)?.[1] ?? count.format(haven?.available ?? 0);
  const name = haven?.name ?? "The safe haven";
  return (
    `Not admitted: ${name} has room for only ${room} more ${room === "1" ? "person" : "people"} ` +
    "(its capacity less those sheltered and the places held for arriving groups). " +
    "Admit no more than that, or find the others room at another safe haven."
  );
}

function havenCommand(form, operation, extra, said) {
  commandForm(form, {
    operation,
    token,
    variables: () => ({ input: { id: $("#haven").value, ...extra(form) } }),
    reasons: { OVER_CAPACITY: overCapacity },
    onRecorded: async (data) => {
      const { position, safeHaven } = Object.values(data)[0];
      await load(after(position), safeHaven.id);
      announce(said(form, havens.get(safeHaven.id) ?? safeHaven));
      form.reset();
    },
  });
}

async function start() {
  me = await mountHeader(token);
  if (me.role !== "COORDINATOR") {
    $("#not-for-role").hidden = false;
    return;
  }
  const { states } = await codeLists();
  const state = states.get(me.memberState);
  figures = may(me, "recordDisplacementFigures", { memberState: me.memberState });
  crises = await fillCrises(token, me.memberState, [$("#crisisId"), $("#figures-crisisId")]);
  areaPicker($("#adminCode"), { state, token, hint: $("#adminCode-hint") });
  if (figures) mountFigures(state);
  $("#haven").addEventListener("change", describeChosen);

  const number = (form, name) => Number(valueOf(form, name));
  havenCommand($("#admit"), "AdmitToSafeHaven", (form) => ({ people: number(form, "people") }), (form, haven) =>
    `Admitted ${people(number(form, "people"))} to ${haven.name}: ${count.format(haven.occupancy)} of ${count.format(haven.capacity)} sheltered.`);
  havenCommand($("#depart"), "RecordDeparture", (form) => ({ people: number(form, "people") }), (form, haven) =>
    `Recorded ${people(number(form, "people"))} leaving ${haven.name}: ${count.format(haven.occupancy)} of ${count.format(haven.capacity)} sheltered.`);
  havenCommand(
    $("#standing"),
    "ChangeSafeHavenStatus",
    (form) => ({ status: valueOf(form, "status"), reason: valueOf(form, "reason") }),
    (form, haven) => `${haven.name} is now ${words(haven.status, STATUS).toLowerCase()}.`,
  );

  const designate = $("#designate");
  commandForm(designate, {
    operation: "DesignateSafeHaven",
    token,
    variables: () => {
      const night = valueOf(designate, "capacityNight");
      return {
        input: {
          crisisId: valueOf(designate, "crisisId"),
          memberState: me.memberState,
          name: valueOf(designate, "name"),
          adminCode: valueOf(designate, "adminCode"),
          latitude: valueOf(designate, "latitude"),
          longitude: valueOf(designate, "longitude"),
          capacityDay: Number(valueOf(designate, "capacityDay")),
          capacityNight: night === "" ? null : Number(night),
        },
      };
    },
    onRecorded: async ({ designateSafeHaven: { position, safeHaven } }) => {
      await load(after(position), safeHaven.id);
      announce(`Designated ${safeHaven.name}, with room for ${people(safeHaven.capacity)}.`);
      designate.reset();
    },
  });

  await load();
  $("#work").hidden = false;
  keepCurrent(token, () => load());
}

if (token) start();
