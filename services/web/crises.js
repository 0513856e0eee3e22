// Crises: the secretariat opens a crisis, moves it between the phases of the ASEAN joint response
// plan and closes it. The list is read after each command with Concord-Consistent-With and follows
// the Changes subscription.

import { run } from "/static/graphql.js";
import { codeLists, option } from "./codes.js";
import { commandForm } from "./forms.js";
import { historyLink } from "./history.js";
import { requireSignIn } from "./session.js";
import { $, after, cell, followChanges, secretariatPage } from "./secretariat.js";

export const PHASES = {
  STAND_BY: "Stand-by",
  ACTIVE_RESPONSE: "Active response",
  RECOVERY: "Recovery",
  CLOSED: "Closed",
};
const token = requireSignIn();
let states = new Map();

function stateNames(codes) {
  return codes.map((code) => states.get(code)?.name ?? code).join(", ");
}

function fillCrisisPicker(select, crises) {
  const chosen = select.value;
  select.replaceChildren(option("", "Choose a crisis"));
  for (const crisis of crises) select.append(option(crisis.id, crisis.name));
  select.value = crises.some((crisis) => crisis.id === chosen) ? chosen : "";
}

async function load(position) {
  try {
    const { crises } = await run("Crises", { includeClosed: true }, token, after(position));
    $("#crises-body").replaceChildren(
      ...crises.map((crisis) => {
        const tr = document.createElement("tr");
        tr.dataset.crisis = crisis.id;
        const named = cell(crisis.name);
        named.append(" ", historyLink("crisis", crisis.id, crisis.name));
        tr.append(
          named,
          cell(stateNames(crisis.affectedStates)),
          cell(crisis.startDate),
          cell(PHASES[crisis.phase] ?? crisis.phase),
        );
        return tr;
      }),
    );
    const open = crises.filter((crisis) => crisis.phase !== "CLOSED");
    fillCrisisPicker($("#move-crisis"), open);
    fillCrisisPicker($("#close-crisis"), open);
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The crises could not be read: ${error.message}`;
  }
}

function announce(text) {
  const done = $("#done");
  done.textContent = text;
  done.hidden = false;
}

async function start() {
  const me = await secretariatPage(token);
  ({ states } = await codeLists());
  if (!me) return load(null);
  for (const state of states.values()) $("#affectedStates").append(option(state.code, state.name));
  for (const [code, name] of Object.entries(PHASES)) {
    if (code !== "CLOSED") $("#phase").append(option(code, name));
    if (code !== "CLOSED") $("#move-phase").append(option(code, name));
  }
  $('#phase option[value="ACTIVE_RESPONSE"]').defaultSelected = true;
  $("#move-phase").prepend(option("", "Choose a phase"));
  $("#move-phase").value = "";
  await load(null);

  const recorded = (form, verb) => async (data) => {
    const { position, crisis } = Object.values(data)[0];
    await load(position);
    form.reset();
    announce(`${crisis.name}: ${verb}${verb === "moved to" ? ` ${PHASES[crisis.phase]}` : ""}.`);
  };
  const open = $("#open");
  commandForm(open, {
    operation: "OpenCrisis",
    token,
    variables: () => ({
      input: {
        name: open.elements.namedItem("name").value,
        affectedStates: [...$("#affectedStates").selectedOptions].map((chosen) => chosen.value),
        startDate: $("#startDate").value,
        phase: $("#phase").value,
      },
    }),
    onRecorded: recorded(open, "opened"),
  });
  commandForm($("#move"), {
    operation: "ChangeCrisisPhase",
    token,
    variables: () => ({ input: { id: $("#move-crisis").value, phase: $("#move-phase").value } }),
    onRecorded: recorded($("#move"), "moved to"),
  });
  commandForm($("#close"), {
    operation: "CloseCrisis",
    token,
    variables: () => ({ input: { id: $("#close-crisis").value } }),
    onRecorded: recorded($("#close"), "closed"),
  });
  followChanges(token, () => load(null));
}

if (token) start();
