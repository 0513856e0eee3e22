// One project: its status, funding, milestones and results, and the forms that move it along:
// status for the host state's coordinators and the secretariat; milestones and results also for
// the implementing organisations' people (the API's policy decides; the page leaves out what the
// role could not use). Each command is followed by a read with Concord-Consistent-With.

import { follow, run } from "/static/graphql.js";
import { codeLists, option } from "./codes.js";
import { commandForm } from "./forms.js";
import { mountHeader } from "./header.js";
import { STATUS_NAMES, localDate, usd } from "./project-terms.js";
import { requireSignIn, signOut } from "./session.js";

const $ = (selector) => document.querySelector(selector);
const token = requireSignIn();
const id = new URLSearchParams(location.search).get("id");
$("#history-link").href = `/workbench/history?kind=project&id=${encodeURIComponent(id ?? "")}`;
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });
const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });
let states = new Map();
let project = null;
let latest = 0;

const money = (value) => usd.format(Number(value));

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function rowOf(...cells) {
  const tr = document.createElement("tr");
  tr.append(...cells);
  return tr;
}

function show() {
  document.title = `${project.title} · Concord workbench`;
  $("#title").textContent = project.title;
  $("#description").textContent = project.description;
  const reason = project.statusReason ? ` (${project.statusReason})` : "";
  $("#status").textContent = `${STATUS_NAMES[project.status] ?? project.status}${reason}`;
  $("#where").textContent = `${states.get(project.memberState)?.name ?? project.memberState} · ${project.adminCode}`;
  $("#planned").textContent = `${project.plannedStart} to ${project.plannedEnd}`;
  const { amount, currency, usdAmount } = project.budget;
  $("#budget").textContent =
    currency === "USD" ? money(usdAmount) : `${number.format(Number(amount))} ${currency} (${money(usdAmount)})`;
  for (const name of ["paid", "allocated", "disbursed", "gap"]) $(`#${name}`).textContent = money(project.funding[name]);
  const implementers = project.implementingOrganisations.map((organisation) => organisation.name);
  $("#implementers").textContent = implementers.length ? `Implemented by ${implementers.join(", ")}.` : "";
  $("#milestones-body").replaceChildren(
    ...project.milestones.map((milestone) =>
      rowOf(cell(milestone.title), cell(milestone.dueDate), cell(milestone.achievedOn ?? "not yet"), cell(milestone.note)),
    ),
  );
  $("#results-body").replaceChildren(
    ...project.results.map((result) =>
      rowOf(
        cell(`${result.indicator} (${result.unit})`),
        cell(result.hxlTag),
        cell(number.format(Number(result.baseline)), "num"),
        cell(number.format(Number(result.target)), "num"),
        cell(result.achieved === null ? "not measured" : number.format(Number(result.achieved)), "num"),
        cell(result.measuredOn ?? ""),
        cell(result.progress === null ? "" : percent.format(Number(result.progress)), "num"),
      ),
    ),
  );
  const open = project.milestones.filter((milestone) => !milestone.achievedOn);
  const milestones = $("#milestoneId");
  const keptMilestone = milestones.value;
  milestones.replaceChildren(option("", open.length ? "Choose a milestone" : "Every milestone is achieved"));
  for (const milestone of open) milestones.append(option(milestone.id, `${milestone.title} (due ${milestone.dueDate})`));
  milestones.value = open.some((milestone) => milestone.id === keptMilestone) ? keptMilestone : "";
  const results = $("#resultId");
  const keptResult = results.value;
  results.replaceChildren(option("", project.results.length ? "Choose an indicator" : "No indicator is defined"));
  for (const result of project.results) results.append(option(result.id, `${result.indicator} (${result.unit})`));
  results.value = project.results.some((result) => result.id === keptResult) ? keptResult : "";
  for (const field of ["#dueDate", "#achievedOn", "#measuredOn"]) $(field).min = project.plannedStart;
}

async function load(position) {
  const mine = ++latest;
  const headers = position ? { "Concord-Consistent-With": String(position) } : {};
  try {
    const data = await run("Project", { id }, token, headers);
    if (mine !== latest) return;
    project = data.project;
    show();
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The project could not be read: ${error.message}`;
  }
}

// A form of this page: its command's input from the form's fields, and a word on what it recorded.
function mount(formId, operation, input, said) {
  const form = $(`#${formId}`);
  commandForm(form, {
    operation,
    token,
    variables: () => ({ input: input(form.elements) }),
    onRecorded: async (data) => {
      const words = said(form.elements);
      form.reset();
      await load(Object.values(data)[0].position);
      $(`#${formId}-status`).textContent = words;
    },
  });
  form.hidden = false;
}

function mountForms(me) {
  const today = localDate(new Date());
  for (const field of ["#achievedOn", "#measuredOn"]) $(field).max = today;
  const owner = me.role === "SECRETARIAT" || (me.role === "COORDINATOR" && me.memberState === project.memberState);
  const implementer =
    me.role === "DONOR" && project.implementingOrganisations.some((organisation) => organisation.id === me.organisationId);
  const value = (elements, name) => elements.namedItem(name).value;
  if (owner) {
    mount(
      "change-status",
      "ChangeProjectStatus",
      (f) => ({ id, status: value(f, "status"), reason: value(f, "reason") }),
      (f) => `The project is now in ${STATUS_NAMES[value(f, "status")].toLowerCase()}.`,
    );
  }
  if (!owner && !implementer) return;
  mount(
    "plan",
    "PlanMilestone",
    (f) => ({ projectId: id, title: value(f, "title"), dueDate: value(f, "dueDate") }),
    (f) => `Planned: ${value(f, "title")}.`,
  );
  mount(
    "achieve",
    "RecordMilestone",
    (f) => ({ projectId: id, milestoneId: value(f, "milestoneId"), achievedOn: value(f, "achievedOn"), note: value(f, "note") }),
    (f) => `Recorded: ${f.namedItem("milestoneId").selectedOptions[0]?.textContent ?? "the milestone"} achieved.`,
  );
  mount(
    "define",
    "DefineResult",
    (f) => ({
      projectId: id,
      result: {
        indicator: value(f, "indicator"),
        unit: value(f, "unit"),
        baseline: value(f, "baseline"),
        target: value(f, "target"),
        hxlTag: value(f, "hxlTag"),
      },
    }),
    (f) => `Defined: ${value(f, "indicator")}.`,
  );
  mount(
    "measure",
    "RecordResult",
    (f) => ({ projectId: id, resultId: value(f, "resultId"), achieved: value(f, "achieved"), measuredOn: value(f, "measuredOn") }),
    (f) => `Recorded: ${value(f, "achieved")} for ${f.namedItem("resultId").selectedOptions[0]?.textContent ?? "the indicator"}.`,
  );
}

async function start() {
  const me = await mountHeader(token);
  ({ states } = await codeLists());
  if (!id) {
    $("#problem").textContent = "No project is named: choose one from the list of projects.";
    return;
  }
  const params = new URLSearchParams(location.search);
  const position = params.get("consistentWith");
  await load(position);
  if (!project) return;
  mountForms(me);
  if (position) {
    $("#recorded").textContent = `Registered: ${project.title}.`;
    $("#recorded").hidden = false;
    $("#recorded").focus();
    params.delete("consistentWith");
    history.replaceState(null, "", `${location.pathname}?${params}`);
  }
  let timer = null;
  follow("Changes", token, {
    onNext: () => {
      clearTimeout(timer);
      timer = setTimeout(() => load(), 300);
    },
    onStatus: () => {},
    onAuthError: signOut,
  });
}

if (token) start();
