// Security incidents in the coordinator's state: report one (it raises its area's risk level while
// open), and close it when it is over.

import { runPages } from "/static/graphql.js";
import { areaPicker } from "./areas.js";
import { codeLists, option } from "./codes.js";
import { $, after, announce, cell, count, fillCrises, keepCurrent, localDate, valueOf, words } from "./field.js";
import { commandForm } from "./forms.js";
import { mountHeader } from "./header.js";
import { requireSignIn } from "./session.js";

const token = requireSignIn();
const KIND = { ATTACK_ON_AID_WORKERS: "Attack on aid workers", INTERFERENCE: "Interference with aid" };
let me = null;
let incidents = new Map();

const named = (incident) => `${words(incident.kind, KIND)} in ${incident.adminCode}, ${incident.occurredOn}`;

function row(incident) {
  const tr = document.createElement("tr");
  tr.dataset.incident = incident.id;
  tr.append(
    cell(incident.occurredOn),
    cell(words(incident.kind, KIND)),
    cell(words(incident.severity)),
    cell(incident.adminCode),
    cell(incident.description ?? ""),
    cell(words(incident.status)),
  );
  return tr;
}

async function load(headers = {}) {
  try {
    const variables = { memberState: [me.memberState] };
    const { nodes: listed, totalCount } = await runPages("StateIncidents", variables, token, "incidentsConnection", { headers });
    incidents = new Map(listed.map((incident) => [incident.id, incident]));
    $("#incidents-body").replaceChildren(...listed.map(row));
    $("#none").hidden = listed.length > 0;
    $("#shown").hidden = listed.length === totalCount;
    $("#shown").textContent = `The newest ${count.format(listed.length)} of ${count.format(totalCount)} incidents.`;
    const open = listed.filter((incident) => incident.status === "OPEN");
    $("#desk").hidden = open.length === 0;
    const chosen = $("#incident").value;
    $("#incident").replaceChildren(...open.map((incident) => option(incident.id, named(incident))));
    if (open.some((incident) => incident.id === chosen)) $("#incident").value = chosen;
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The incidents could not be read: ${error.message}`;
  }
}

async function start() {
  me = await mountHeader(token);
  if (me.role !== "COORDINATOR") {
    $("#not-for-role").hidden = false;
    return;
  }
  const { states } = await codeLists();
  await fillCrises(token, me.memberState, [$("#crisisId")]);
  areaPicker($("#adminCode"), { state: states.get(me.memberState), token, hint: $("#adminCode-hint") });
  $("#occurredOn").max = localDate();
  $("#occurredOn").value = localDate();

  const report = $("#report");
  commandForm(report, {
    operation: "ReportIncident",
    token,
    variables: () => ({
      input: {
        crisisId: valueOf(report, "crisisId") || null,
        memberState: me.memberState,
        adminCode: valueOf(report, "adminCode"),
        occurredOn: valueOf(report, "occurredOn"),
        kind: valueOf(report, "kind"),
        severity: valueOf(report, "severity"),
        description: valueOf(report, "description"),
      },
    }),
    onRecorded: async ({ reportIncident: { position, incident } }) => {
      await load(after(position));
      const reported = incidents.get(incident.id);
      announce(`Reported: ${reported ? named(reported) : "the incident"}. Its area's risk level is raised while it is open.`);
      report.reset();
      $("#occurredOn").value = localDate();
    },
  });

  const close = $("#close");
  commandForm(close, {
    operation: "CloseIncident",
    token,
    variables: () => ({ input: { id: valueOf(close, "incident"), reason: valueOf(close, "reason") } }),
    onRecorded: async ({ closeIncident: { position, incident } }) => {
      const closed = incidents.get(incident.id);
      await load(after(position));
      announce(`Closed: ${closed ? named(closed) : "the incident"}.`);
      close.reset();
    },
  });

  await load();
  $("#work").hidden = false;
  keepCurrent(token, () => load());
}

if (token) start();
