// Post a need: a coordinator's request for assistance in its own state. The item picker fills the
// unit; the admin area is picked by name from the state's P-codes (or typed as a P-code of it).
// Before it is posted, the live needs it may duplicate are shown; a safe haven of the crisis may be
// named as whose need it is.

import { run } from "/static/graphql.js";
import { areaPicker } from "./areas.js";
import { codeLists, option } from "./codes.js";
import { commandForm } from "./forms.js";
import { mountHeader } from "./header.js";
import { requireSignIn } from "./session.js";

const $ = (selector) => document.querySelector(selector);
const token = requireSignIn();
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });
const DUPLICATE_PAUSE_MS = 250;

function localDate(date) {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 10);
}

// The live needs of the same crisis, item and admin area, once all three are valid.
function watchDuplicates(form, me) {
  let timer = null;
  let asked = "";
  async function look() {
    const fields = ["crisisId", "item", "adminCode"].map((name) => form.elements.namedItem(name));
    const section = $("#duplicates");
    const question = fields.map((field) => field.value).join("|");
    if (!fields.every((field) => field.value && field.validity.valid)) {
      section.hidden = true;
      asked = "";
      return;
    }
    if (question === asked) return;
    asked = question;
    const [crisis, item, adminCode] = fields.map((field) => field.value);
    const variables = { crisis, memberState: me.memberState, item, adminCode };
    let possibleDuplicates;
    try {
      ({ possibleDuplicates } = await run("PossibleDuplicates", variables, token));
    } catch {
      asked = ""; // asked again at the next change
      return;
    }
    if (asked !== question) return; // the fields changed meanwhile
    const entries = possibleDuplicates.map((need) => {
      const entry = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/workbench/need?id=${encodeURIComponent(need.id)}`;
      link.textContent = need.title;
      const figures = `${number.format(need.quantity)} ${need.unit}, needed by ${need.neededBy}, gap ${number.format(need.gap)}`;
      entry.append(link, ` · ${figures}`);
      return entry;
    });
    $("#duplicates-list").replaceChildren(...entries);
    section.hidden = entries.length === 0;
    $("#duplicates-status").textContent = entries.length
      ? `${entries.length === 1 ? "One live need" : `${entries.length} live needs`} of the same item and area already posted.`
      : "";
  }
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(look, DUPLICATE_PAUSE_MS);
  };
  for (const name of ["crisisId", "sector", "item", "adminCode"]) {
    form.elements.namedItem(name).addEventListener("input", soon);
    form.elements.namedItem(name).addEventListener("change", soon);
  }
  form.addEventListener("reset", () => {
    asked = "";
    $("#duplicates").hidden = true;
  });
}

// The host state's safe havens in the chosen crisis, for naming whose need it is.
async function offerSafeHavens(crisis, me) {
  const picker = $("#safeHavenId");
  picker.replaceChildren(option("", "None: not a safe haven's need"));
  if (!crisis) return;
  const { safeHavens } = await run("SafeHavens", { crisis: [crisis], memberState: [me.memberState] }, token);
  if ($("#crisisId").value !== crisis) return;
  for (const haven of safeHavens.filter((h) => h.status !== "CLOSED")) {
    picker.append(option(haven.id, `${haven.name} (${haven.admin1})`));
  }
}

async function start() {
  const me = await mountHeader(token);
  if (me.role !== "COORDINATOR") {
    $("#not-for-role").hidden = false;
    return;
  }
  const form = $("#need");
  const { states, sectors } = await codeLists();
  const state = states.get(me.memberState);
  const { crises } = await run("Crises", { includeClosed: false }, token);
  for (const crisis of crises.filter((c) => c.affectedStates.includes(me.memberState))) {
    $("#crisisId").append(option(crisis.id, crisis.name));
  }
  for (const sector of sectors.values()) $("#sector").append(option(sector.code, sector.name));
  const picked = areaPicker($("#adminCode"), { state, token, hint: $("#adminCode-hint") });
  $("#neededBy").min = localDate(new Date());

  let items = new Map();
  $("#sector").addEventListener("change", async () => {
    const sector = $("#sector").value;
    const picker = $("#item");
    picker.replaceChildren(option("", sector ? "Choose an item" : "Choose a sector first"));
    $("#unit").value = "";
    picker.disabled = true;
    if (!sector) return;
    const listed = (await run("Items", { sector }, token)).items;
    if ($("#sector").value !== sector) return; // another sector was chosen meanwhile
    items = new Map(listed.map((item) => [item.code, item]));
    for (const item of items.values()) picker.append(option(item.code, `${item.name} (${item.unit})`));
    picker.disabled = false;
  });
  $("#item").addEventListener("change", () => {
    $("#unit").value = items.get($("#item").value)?.unit ?? "";
  });
  form.addEventListener("reset", () => {
    $("#item").replaceChildren(option("", "Choose a sector first"));
    $("#item").disabled = true;
    $("#safeHavenId").replaceChildren(option("", "None: not a safe haven's need"));
  });
  $("#crisisId").addEventListener("change", () => offerSafeHavens($("#crisisId").value, me));
  watchDuplicates(form, me);

  commandForm(form, {
    operation: "PostRequest",
    token,
    variables: () => {
      const value = (name) => form.elements.namedItem(name).value;
      const checked = (name) => form.elements.namedItem(name).checked;
      return {
        input: {
          crisisId: value("crisisId"),
          memberState: me.memberState,
          sector: value("sector"),
          item: value("item"),
          title: value("title"),
          description: value("description"),
          quantity: value("quantity"),
          unit: value("unit"),
          priority: Number(value("priority")),
          neededBy: value("neededBy"),
          adminCode: value("adminCode"),
          transportNeeded: checked("transportNeeded"),
          escortNeeded: checked("escortNeeded"),
          safeHavenId: value("safeHavenId") || null,
        },
      };
    },
    onRecorded: ({ postRequest }) => {
      const query = new URLSearchParams({ consistentWith: postRequest.position, posted: postRequest.request.id });
      location.assign(`/workbench/needs?${query}`);
    },
  });
  await picked;
  form.hidden = false;
}

if (token) start();
