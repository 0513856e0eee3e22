// Upload a spreadsheet: a coordinator's needs or a donor's offers, as HXL-tagged CSV or XLSX. The
// file goes to the REST upload (POST /imports/requests|offers), first with commit=false for a
// preview of every row as it will be posted, with its errors at the field they name; then, on the
// user's word, with commit=true. The server keys each row's command by the file and the row's line,
// so a second upload of the same file, a double click or a retry posts nothing twice.

import { run } from "/static/graphql.js";
import { REASONS } from "./forms.js";
import { mountHeader } from "./header.js";
import { requireSignIn, signOut } from "./session.js";

const $ = (selector) => document.querySelector(selector);
const token = requireSignIn();
const MAX_BYTES = 10 * 1024 * 1024; // the server's limit (services/api/imports.py)
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const KINDS = {
  COORDINATOR: {
    path: "/imports/requests",
    noun: ["need", "needs"],
    list: ["/workbench/needs", "My needs"],
    export: "needs export (/exports/requests.csv)",
    columns: [
      ["id", "Request"], ["crisisId", "Crisis"], ["memberState", "State"], ["adminCode", "Area"],
      ["sector", "Sector"], ["item", "Item"], ["title", "Title"], ["quantity", "Requested"],
      ["unit", "Unit"], ["priority", "Priority"], ["neededBy", "Needed by"],
    ],
  },
  DONOR: {
    path: "/imports/offers",
    noun: ["offer", "offers"],
    list: ["/workbench/offers", "My offers"],
    export: "offers export (/exports/offers.csv)",
    columns: [
      ["id", "Offer"], ["crisisId", "Crisis"], ["organisationId", "Organisation"], ["sector", "Sector"],
      ["item", "Item"], ["quantity", "Offered"], ["unit", "Unit"], ["availableFrom", "From"],
      ["availableUntil", "Until"], ["serves", "Serves"], ["deliveryMode", "Delivery"],
      ["standbyCapacity", "Standby capacity"],
    ],
  },
};
const OPTIONAL = new Set(["id", "organisationId", "standbyCapacity"]);
const STATUS_NAMES = {
  post: "To post",
  amend: "To amend",
  posted: "Posted",
  amended: "Amended",
  unchanged: "Unchanged",
  "already-posted": "Already posted",
  error: "Error",
};
let kind = null;
let crises = new Map();
let previewed = null; // the file the preview shows, which the commit posts

const plural = (n, [one, many]) => `${n} ${n === 1 ? one : many}`;

class Refused extends Error {
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.field = problem.field ?? null;
  }
}

async function upload(file, commit) {
  const response = await fetch(`${kind.path}?commit=${commit}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": file.name.toLowerCase().endsWith(".xlsx") ? XLSX : "text/csv",
    },
    body: file,
  });
  if (response.status === 401) {
    signOut();
    throw new Refused(401, { detail: "Your sign-in has ended." });
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Refused(response.status, body);
  return body;
}

function words({ message, reason }) {
  return REASONS[reason] ?? message;
}

function checkFile() {
  const field = $("#file");
  const file = field.files[0];
  let message = "";
  if (file && !/\.(csv|xlsx)$/i.test(file.name)) message = "Choose a .csv or .xlsx file.";
  else if (file && file.size > MAX_BYTES) message = "The file is larger than 10 MB: split it in two.";
  field.setCustomValidity(message);
  const said = field.validationMessage && (file || field.dataset.touched) ? field.validationMessage : "";
  $("#file-error").textContent = said;
  field.setAttribute("aria-invalid", said ? "true" : "false");
}

function columnsOf(rows) {
  const used = (name) => rows.some((r) => r.values[name] || r.errors.some((e) => e.field === name));
  return kind.columns.filter(([name]) => !OPTIONAL.has(name) || used(name));
}

function header(columns) {
  const names = ["Line", "Status", ...columns.map(([, label]) => label), "Other errors"];
  $("#rows-head").replaceChildren(
    ...names.map((name) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = name;
      return th;
    }),
  );
}

function displayed(name, value) {
  if (name === "crisisId") return crises.get(value) ?? value;
  return value ?? "";
}

function errorText(error) {
  const p = document.createElement("span");
  p.className = "field-error";
  p.textContent = words(error);
  return p;
}

function tableRow(row, columns) {
  const tr = document.createElement("tr");
  tr.id = `line-${row.line}`;
  tr.dataset.status = row.status;
  if (row.errors.length) tr.className = "has-error";
  const line = document.createElement("th");
  line.scope = "row";
  line.textContent = String(row.line);
  const status = document.createElement("td");
  status.textContent = STATUS_NAMES[row.status] ?? row.status;
  // A preview's "post" row carries the id its dry run made up: only a recorded need is linked.
  if (row.id && kind === KINDS.COORDINATOR && !["post", "error"].includes(row.status)) {
    const link = document.createElement("a");
    link.href = `/workbench/need?id=${encodeURIComponent(row.id)}`;
    link.textContent = status.textContent;
    status.replaceChildren(link);
  }
  tr.append(line, status);
  const names = new Set(columns.map(([name]) => name));
  for (const [name] of columns) {
    const td = document.createElement("td");
    td.dataset.field = name;
    td.textContent = displayed(name, row.values[name]);
    const here = row.errors.filter((error) => error.field === name);
    if (here.length) td.className = "bad";
    td.append(...here.map(errorText));
    tr.append(td);
  }
  const other = document.createElement("td");
  other.append(...row.errors.filter((error) => !names.has(error.field)).map(errorText));
  tr.append(other);
  return tr;
}

function show(report) {
  const { summary, rows, committed } = report;
  const columns = columnsOf(rows);
  header(columns);
  $("#rows-body").replaceChildren(...rows.map((row) => tableRow(row, columns)));
  const good = committed ? summary.posted + summary.amended : summary.post + summary.amend;
  const parts = [
    committed ? `${good} posted` : `${good} good`,
    `${summary.error} with errors`,
    `${summary["already-posted"]} already posted`,
  ];
  if (summary.unchanged) parts.push(`${summary.unchanged} unchanged`);
  $("#summary").textContent = `${plural(rows.length, ["row", "rows"])}: ${parts.join(" · ")}.`;
  $("#summary").classList.toggle("success", committed && good > 0);
  const bad = rows.filter((row) => row.errors.length);
  const lines = $("#bad-lines");
  lines.replaceChildren();
  if (bad.length) {
    lines.append(bad.length === 1 ? "The row with errors is on line " : "The rows with errors are on lines ");
    bad.forEach((row, n) => {
      const link = document.createElement("a");
      link.href = `#line-${row.line}`;
      link.textContent = String(row.line);
      lines.append(n ? ", " : "", link);
    });
    lines.append(committed ? "; they were not posted." : "; they will not be posted.");
  }
  $("#results-heading").textContent = committed ? "Posted" : "Preview";
  $("#rows-caption").textContent = committed ? "The rows and what became of them" : "The rows as they will be posted";
  $("#commit").hidden = committed;
  $("#commit").disabled = good === 0;
  $("#commit").textContent = good === 0 ? "Nothing to post" : `Post ${plural(good, ["good row", "good rows"])}`;
  const [href, label] = kind.list;
  const see = $("#see-them");
  see.hidden = !committed;
  see.href = report.position ? `${href}?consistentWith=${report.position}` : href;
  see.textContent = `See them in ${label}`;
  $("#results").hidden = false;
}

async function preview(event) {
  event.preventDefault();
  const field = $("#file");
  field.dataset.touched = "true";
  checkFile();
  $("#upload-problem").textContent = "";
  if (!field.checkValidity()) {
    field.focus();
    return;
  }
  const submit = $("#upload button[type=submit]");
  submit.disabled = true;
  $("#upload-status").textContent = "Reading the file…";
  try {
    const file = field.files[0];
    const report = await upload(file, false);
    previewed = file;
    $("#commit-problem").textContent = "";
    $("#upload-status").textContent = "";
    show(report);
    $("#results-heading").focus();
  } catch (error) {
    $("#upload-status").textContent = "";
    refused(error, $("#upload-problem"));
  } finally {
    submit.disabled = false;
  }
}

function refused(error, problem) {
  if (!(error instanceof Refused)) {
    problem.textContent = "Not sent: the connection failed. Send again: nothing is posted twice.";
  } else if (error.field === "file" || error.status === 413) {
    $("#file").setCustomValidity(error.message);
    $("#file-error").textContent = error.message;
    $("#file").setAttribute("aria-invalid", "true");
    $("#file").focus();
    problem.textContent = "The server could not read the file: see the message below it.";
  } else if (error.status >= 500) {
    problem.textContent = "The server could not take it just now. Send again: nothing is posted twice.";
  } else {
    problem.textContent = error.message;
  }
}

async function commit() {
  const button = $("#commit");
  if (!previewed || button.disabled) return;
  button.disabled = true;
  $("#commit-problem").textContent = "";
  $("#summary").textContent = "Posting…";
  try {
    show(await upload(previewed, true));
    $("#results-heading").focus();
  } catch (error) {
    button.disabled = false;
    $("#summary").textContent = "";
    refused(error, $("#commit-problem"));
  }
}

async function start() {
  const me = await mountHeader(token);
  kind = KINDS[me.role] ?? null;
  if (!kind) {
    $("#not-for-role").hidden = false;
    return;
  }
  const listed = (await run("Crises", { includeClosed: true }, token)).crises;
  crises = new Map(listed.map((crisis) => [crisis.id, crisis.name]));
  $("#kind-name").textContent = kind.noun[1];
  $("#export-name").textContent = kind.export;
  const form = $("#upload");
  form.noValidate = true;
  $("#file").addEventListener("change", () => {
    $("#file").dataset.touched = "true";
    checkFile();
    previewed = null; // another file: its own preview first
    $("#results").hidden = true;
  });
  form.addEventListener("submit", preview);
  $("#commit").addEventListener("click", commit);
  form.hidden = false;
}

if (token) start();
