// Projects: every reconstruction and rehabilitation project with its status, funding gap,
// milestones and results; registering one for the host state's coordinators and the secretariat
// (the API's policy decides). The Changes subscription keeps the list current.

import { follow, run, runPages } from "/static/graphql.js";
import { areaField } from "./areas.js";
import { codeLists, option } from "./codes.js";
import { commandForm } from "./forms.js";
import { historyLink } from "./history.js";
import { mountHeader } from "./header.js";
import { ACTIVITIES, STATUS_NAMES, localDate, usd } from "./project-terms.js";
import { requireSignIn, signOut } from "./session.js";

const $ = (selector) => document.querySelector(selector);
const token = requireSignIn();
let states = new Map();
let cursor = null;
let latest = 0;

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function row(project) {
  const tr = document.createElement("tr");
  tr.dataset.project = project.id;
  const title = cell("");
  const link = document.createElement("a");
  link.href = `/workbench/projects/project?id=${encodeURIComponent(project.id)}`;
  link.textContent = project.title;
  title.append(link, " ", historyLink("project", project.id, project.title));
  const achieved = project.milestones.filter((milestone) => milestone.achievedOn).length;
  const results = project.results.map((result) =>
    result.achieved === null
      ? `${result.indicator}: not measured`
      : `${result.indicator}: ${result.achieved} of ${result.target} ${result.unit}`,
  );
  tr.append(
    title,
    cell(`${states.get(project.memberState)?.name ?? project.memberState} · ${project.admin1}`),
    cell(STATUS_NAMES[project.status] ?? project.status),
    cell(`${project.plannedStart} to ${project.plannedEnd}`),
    cell(usd.format(Number(project.budget.usdAmount)), "num"),
    cell(usd.format(Number(project.funding.gap)), "num"),
    cell(`${achieved} of ${project.milestones.length}`, "num"),
    cell(results.join("; ") || "none defined"),
  );
  return tr;
}

async function load(from) {
  const mine = ++latest;
  const status = $("#status").value;
  try {
    const variables = { filter: status ? { status: [status] } : null, first: 50, after: from };
    const { projects } = await run("Projects", variables, token);
    if (mine !== latest) return;
    const rows = projects.edges.map(({ node }) => row(node));
    if (from) $("#projects-body").append(...rows);
    else $("#projects-body").replaceChildren(...rows);
    cursor = projects.edges.at(-1)?.cursor ?? from;
    $("#more").hidden = !projects.hasNextPage;
    $("#count").textContent = projects.totalCount === 1 ? "1 project" : `${projects.totalCount} projects`;
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The list could not be read: ${error.message}`;
  }
}

let areas = null; // the admin-area field, once mounted

// The admin area is picked by name among the host state's areas, once a host state is chosen.
async function pcodeRule(code) {
  areas ??= areaField($("#adminCode"), { token, hint: $("#adminCode-hint") });
  const state = states.get(code) ?? null;
  await areas.use(state);
  if (!state) $("#adminCode-hint").textContent = "Choose the host state first.";
}

async function mountRegistration(me) {
  const form = $("#register");
  const { sectors } = await codeLists();
  const { crises } = await run("Crises", { includeClosed: false }, token);
  const mine = me.role === "COORDINATOR" ? crises.filter((c) => c.affectedStates.includes(me.memberState)) : crises;
  for (const crisis of mine) $("#crisisId").append(option(crisis.id, crisis.name));
  for (const code of ACTIVITIES) $("#sector").append(option(code, sectors.get(code)?.name ?? code));
  const hosts = me.role === "COORDINATOR" ? [states.get(me.memberState)] : [...states.values()];
  for (const state of hosts) $("#memberState").append(option(state.code, state.name));
  if (me.role === "COORDINATOR") $("#memberState").value = me.memberState;
  pcodeRule($("#memberState").value);
  $("#memberState").addEventListener("change", (event) => pcodeRule(event.target.value));
  const { nodes: organisations } = await runPages("Organisations", {}, token, "organisations", { pages: Infinity });
  for (const node of organisations) $("#implementingOrganisations").append(option(node.id, node.name));
  const today = localDate(new Date());
  $("#rateDate").value = today;
  $("#rateDate").max = today;
  $("#plannedStart").addEventListener("change", () => {
    $("#plannedEnd").min = $("#plannedStart").value;
  });
  $("#currency").addEventListener("input", (event) => {
    event.target.value = event.target.value.toUpperCase();
  });
  form.addEventListener("reset", () => setTimeout(() => {
    if (me.role === "COORDINATOR") $("#memberState").value = me.memberState;
    pcodeRule($("#memberState").value);
    $("#rateDate").value = today;
  }));

  commandForm(form, {
    operation: "RegisterProject",
    token,
    variables: () => {
      const value = (name) => form.elements.namedItem(name).value;
      return {
        input: {
          crisisId: value("crisisId"),
          memberState: value("memberState"),
          title: value("title"),
          description: value("description"),
          sector: value("sector"),
          adminCode: value("adminCode"),
          implementingOrganisations: [...$("#implementingOrganisations").selectedOptions].map((o) => o.value),
          budget: value("budget"),
          currency: value("currency"),
          usdRate: value("usdRate"),
          rateDate: value("rateDate"),
          plannedStart: value("plannedStart"),
          plannedEnd: value("plannedEnd"),
        },
      };
    },
    onRecorded: ({ registerProject }) => {
      const query = new URLSearchParams({ id: registerProject.project.id, consistentWith: registerProject.position });
      location.assign(`/workbench/projects/project?${query}`);
    },
  });
  form.hidden = false;
}

async function start() {
  const me = await mountHeader(token);
  ({ states } = await codeLists());
  $("#status").addEventListener("change", () => load(null));
  $("#filters").addEventListener("submit", (event) => event.preventDefault());
  $("#more").addEventListener("click", () => load(cursor));
  if (me.role === "SECRETARIAT" || me.role === "COORDINATOR") await mountRegistration(me);
  await load(null);
  let timer = null;
  follow("Changes", token, {
    onNext: () => {
      clearTimeout(timer);
      timer = setTimeout(() => load(null), 300);
    },
    onStatus: () => {},
    onAuthError: signOut,
  });
}

if (token) start();
