// Movements leaving or reaching the coordinator's state: plan one (from a safe haven or an admin
// area, the group counted by sex and age), then walk it through its life — voluntariness
// confirmed, approved, cleared for security where the destination is at the highest risk, set
// out, arrived — or postpone or cancel it. Only the steps its status allows are offered, and a
// step marked with its command (data-command) only where the policy lets the caller use it on
// this movement; the server's policy and the domain decide again.

import { run, runPages } from "/static/graphql.js";
import { areaPicker } from "./areas.js";
import { codeLists, option } from "./codes.js";
import { $, after, announce, cell, count, fillCrises, keepCurrent, localDate, valueOf, words } from "./field.js";
import { commandForm } from "./forms.js";
import { historyLink } from "./history.js";
import { mountHeader } from "./header.js";
import { may } from "./permissions.js";
import { requireSignIn } from "./session.js";

const token = requireSignIn();
const KIND = {
  IDP_RETURN: "Return",
  IDP_RESETTLEMENT: "Resettlement",
  RELOCATION: "Relocation",
  REFUGEE_REPATRIATION: "Repatriation",
};
const STATUS = {
  PLANNED: "Planned",
  VOLUNTARINESS_CONFIRMED: "Voluntariness confirmed",
  APPROVED: "Approved",
  IN_TRANSIT: "In transit",
  ARRIVED: "Arrived",
  POSTPONED: "Postponed",
  CANCELLED: "Cancelled",
};
const SEX = { FEMALE: "F", MALE: "M" };
const AGE = { AGE_0_4: "0–4", AGE_5_17: "5–17", AGE_18_59: "18–59", AGE_60_PLUS: "60+" };
const STEPS = ["voluntariness", "approve", "clearance", "start", "arrival", "postpone", "cancel"];
const RISK = { MINIMAL: "minimal", LOW: "low", MODERATE: "moderate", SUBSTANTIAL: "substantial", HIGH: "high", EXTREME: "extreme" };
let me = null;
let movements = new Map();

const place = (haven, country, area) => haven?.name ?? [area, country].filter(Boolean).join(", ");
const label = (m) => `${KIND[m.kind] ?? words(m.kind)} of ${m.people ?? "?"} · ${place(m.originSafeHaven, m.originCountry, m.originAdminCode)} → ${place(m.destinationSafeHaven, m.memberState, m.destinationAdminCode)} · ${m.plannedDeparture}`;

function row(movement) {
  const tr = document.createElement("tr");
  tr.dataset.movement = movement.id;
  const cells = movement.group
    .filter((g) => g.people)
    .map((g) => `${SEX[g.sex]} ${AGE[g.ageGroup]}: ${count.format(g.people)}`)
    .join(" · ");
  const arrived = movement.peopleArrived == null ? "" : `, ${count.format(movement.peopleArrived)} arrived`;
  const named = document.createElement("div");
  named.append(KIND[movement.kind] ?? words(movement.kind), " ", historyLink("movement", movement.id, label(movement)));
  tr.append(
    cell(named),
    cell(place(movement.originSafeHaven, movement.originCountry, movement.originAdminCode)),
    cell(place(movement.destinationSafeHaven, movement.memberState, movement.destinationAdminCode)),
    cell(`${count.format(movement.people ?? 0)}${arrived}`, "num"),
    cell(cells),
    cell(`${movement.departedOn ?? movement.plannedDeparture} → ${movement.arrivedOn ?? movement.plannedArrival}`),
    cell(words(movement.status, STATUS)),
  );
  return tr;
}

function showSteps() {
  const movement = movements.get($("#movement").value);
  let any = false;
  for (const step of STEPS) {
    const form = $(`#${step}`);
    const allowed = !form.dataset.command || may(me, form.dataset.command, { memberState: movement?.memberState });
    form.hidden = !movement || !allowed || !form.dataset.when.split(" ").includes(movement.status);
    any ||= !form.hidden;
  }
  $("#clearance-risk").textContent = movement ? clearanceState(movement) : "";
  $("#nothing-left").hidden = any || !movement;
  const volunteered = movement?.voluntariness
    ? ` Voluntariness confirmed by ${movement.voluntariness.confirmedBy} on ${movement.voluntariness.confirmedOn}.`
    : "";
  $("#movement-state").textContent = movement ? `${words(movement.status, STATUS)}.${volunteered}` : "";
}

// Where the movement stands on security: the destination's risk, and any clearance given.
function clearanceState(movement) {
  const risk = `The destination is at ${RISK[movement.risk] ?? words(movement.risk).toLowerCase()} risk`;
  const cleared = movement.clearedRisk
    ? `; cleared at ${RISK[movement.clearedRisk] ?? movement.clearedRisk} risk (clear again if the area's picture has changed).`
    : ".";
  const needed = movement.risk === "EXTREME" && !movement.clearedRisk ? " It may not set out without a clearance." : "";
  return `${risk}${cleared}${needed}`;
}

async function load(headers = {}, choose = null) {
  try {
    const variables = { memberState: [me.memberState] };
    const { nodes: listed } = await runPages("StateMovements", variables, token, "movementsConnection", { headers });
    movements = new Map(listed.map((movement) => [movement.id, movement]));
    $("#movements-body").replaceChildren(...listed.map(row));
    $("#none").hidden = listed.length > 0;
    $("#desk").hidden = listed.length === 0;
    const chosen = choose ?? $("#movement").value;
    $("#movement").replaceChildren(...listed.map((movement) => option(movement.id, label(movement))));
    if (movements.has(chosen)) $("#movement").value = chosen;
    showSteps();
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The movements could not be read: ${error.message}`;
  }
}

function step(id, operation, input, said) {
  const form = $(`#${id}`);
  commandForm(form, {
    operation,
    token,
    variables: () => ({ input: { id: $("#movement").value, ...input(form) } }),
    onRecorded: async (data) => {
      const { position, movement } = Object.values(data)[0];
      await load(after(position), movement.id);
      announce(said(movements.get(movement.id) ?? movement));
      form.reset();
      for (const field of form.querySelectorAll('input[type="date"]')) field.value = localDate();
    },
  });
}

function placeInput(choice, area) {
  if (choice === "area") return { country: me.memberState, adminCode: area };
  return { safeHavenId: choice };
}

async function start() {
  me = await mountHeader(token);
  if (me.role !== "COORDINATOR") {
    $("#not-for-role").hidden = false;
    return;
  }
  const { states } = await codeLists();
  const state = states.get(me.memberState);
  await fillCrises(token, me.memberState, [$("#crisisId")]);
  const { safeHavens } = await run("StateSafeHavens", { memberState: [me.memberState] }, token);
  for (const haven of safeHavens) {
    $("#from").append(option(haven.id, `Safe haven: ${haven.name}`));
    $("#to").append(option(haven.id, `Safe haven: ${haven.name}`));
  }
  for (const [select, area] of [["#from", "#fromArea"], ["#to", "#toArea"]]) {
    areaPicker($(area), { state, token });
    $(select).addEventListener("change", () => {
      const byArea = $(select).value === "area";
      $(`${area}-field`).hidden = !byArea;
      $(area).required = byArea;
    });
  }
  const cells = [...document.querySelectorAll("input.cell")];
  const total = () => cells.reduce((sum, input) => sum + (Number(input.value) || 0), 0);
  const sayTotal = () => {
    $("#group-total").textContent = `${count.format(total())} people in all.`;
  };
  for (const input of cells) input.addEventListener("input", sayTotal);
  sayTotal();
  const today = localDate();
  for (const field of document.querySelectorAll('input[type="date"]')) {
    field.value = today;
    if (["plannedDeparture", "plannedArrival"].includes(field.name)) field.min = today;
    else field.max = today;
  }

  const plan = $("#plan");
  plan.addEventListener("reset", () => setTimeout(sayTotal));
  commandForm(plan, {
    operation: "PlanMovement",
    token,
    variables: () => ({
      input: {
        crisisId: valueOf(plan, "crisisId"),
        kind: valueOf(plan, "kind"),
        origin: placeInput(valueOf(plan, "origin"), valueOf(plan, "fromArea")),
        destination: placeInput(valueOf(plan, "destination"), valueOf(plan, "toArea")),
        group: cells
          .filter((input) => Number(input.value) > 0)
          .map((input) => ({ sex: input.dataset.sex, ageGroup: input.dataset.age, people: Number(input.value) })),
        plannedDeparture: valueOf(plan, "plannedDeparture"),
        plannedArrival: valueOf(plan, "plannedArrival"),
      },
    }),
    onRecorded: async ({ planMovement: { position, movement } }) => {
      await load(after(position), movement.id);
      announce(`Planned: ${label(movements.get(movement.id) ?? movement)}. Confirm the group's voluntariness next.`);
      $("#desk").scrollIntoView();
    },
  });

  step("voluntariness", "ConfirmVoluntariness", (form) => ({
    confirmedBy: valueOf(form, "confirmedBy"),
    method: valueOf(form, "method"),
    confirmedOn: valueOf(form, "confirmedOn"),
  }), () => "Voluntariness confirmed. The receiving state may approve the movement now.");
  step("approve", "ApproveMovement", () => ({}), () => "Approved: the movement may set out.");
  step("start", "StartMovement", (form) => ({ departedOn: valueOf(form, "departedOn") }), () => "The group is on its way.");
  step("arrival", "RecordArrival", (form) => ({
    peopleArrived: Number(valueOf(form, "peopleArrived")),
    arrivedOn: valueOf(form, "arrivedOn"),
    notes: valueOf(form, "notes"),
  }), (movement) => `Arrived: ${count.format(movement.peopleArrived ?? 0)} people.`);
  const clearance = $("#clearance");
  commandForm(clearance, {
    operation: "ClearForSecurity",
    token,
    variables: () => ({ input: { movementId: $("#movement").value, conditions: valueOf(clearance, "conditions").trim() } }),
    onRecorded: async ({ clearForSecurity: { subjectId, risk, position } }) => {
      await load(after(position), subjectId);
      announce(`Cleared for security at ${RISK[risk] ?? words(risk).toLowerCase()} risk, under the conditions given.`);
      clearance.reset();
    },
  });
  step("postpone", "PostponeMovement", (form) => ({
    plannedDeparture: valueOf(form, "plannedDeparture"),
    plannedArrival: valueOf(form, "plannedArrival"),
    reason: valueOf(form, "reason"),
  }), (movement) => `Postponed to ${movement.plannedDeparture}.`);
  step("cancel", "CancelMovement", (form) => ({ reason: valueOf(form, "reason") }), () => "Cancelled.");

  $("#movement").addEventListener("change", showSteps);
  await load();
  $("#work").hidden = false;
  keepCurrent(token, () => load());
}

if (token) start();
