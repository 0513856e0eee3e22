// Post a need: a coordinator's request for assistance in its own state. The item picker fills the
// unit; the admin area must be a P-code of the coordinator's state.

import { run } from "/static/graphql.js";
import { codeLists, option } from "./codes.js";
import { commandForm } from "./forms.js";
import { mountHeader } from "./header.js";
import { requireSignIn } from "./session.js";

const $ = (selector) => document.querySelector(selector);
const token = requireSignIn();

function localDate(date) {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 10);
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
  const prefixes = state.pcodePrefixes;
  $("#adminCode").pattern = `(${prefixes.join("|")})[0-9]{1,12}`;
  $("#adminCode").dataset.patternMessage =
    `A P-code of ${state.name}: ${prefixes[0]} followed by digits, e.g. ${prefixes[0]}15.`;
  $("#adminCode-hint").textContent = `A P-code of ${state.name} (OCHA COD), e.g. ${prefixes[0]}15.`;
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
  $("#adminCode").addEventListener("input", (event) => {
    const field = event.target;
    const [from, to] = [field.selectionStart, field.selectionEnd];
    field.value = field.value.toUpperCase();
    field.setSelectionRange(from, to);
  });
  form.addEventListener("reset", () => {
    $("#item").replaceChildren(option("", "Choose a sector first"));
    $("#item").disabled = true;
  });

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
        },
      };
    },
    onRecorded: ({ postRequest }) => {
      const query = new URLSearchParams({ consistentWith: postRequest.position, posted: postRequest.request.id });
      location.assign(`/workbench/needs?${query}`);
    },
  });
  form.hidden = false;
}

if (token) start();
