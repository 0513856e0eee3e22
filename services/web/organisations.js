// Organisations: the secretariat's register. Register one (its kind, the state of a government, its
// HXL #org name and, where it has one, its IATI organisation identifier), suspend it with a reason,
// reinstate it. The list is read after each command with Concord-Consistent-With.

import { runPages } from "/static/graphql.js";
import { codeLists, option } from "./codes.js";
import { commandForm } from "./forms.js";
import { requireSignIn } from "./session.js";
import { $, after, cell, followChanges, secretariatPage } from "./secretariat.js";

const token = requireSignIn();
const registered = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
let states = new Map();
let kinds = new Map();

async function everyOrganisation(headers) {
  return (await runPages("OrganisationRegister", {}, token, "organisations", { headers, pages: Infinity })).nodes;
}

// Refills a picker, keeping the choice when it is still there (a live re-read may come mid-form).
function fillPicker(select, organisations, placeholder) {
  const chosen = select.value;
  select.replaceChildren(option("", placeholder));
  for (const organisation of organisations) select.append(option(organisation.id, organisation.name));
  select.value = organisations.some((organisation) => organisation.id === chosen) ? chosen : "";
}

async function load(position) {
  try {
    const organisations = await everyOrganisation(after(position));
    $("#organisations-body").replaceChildren(
      ...organisations.map((organisation) => {
        const tr = document.createElement("tr");
        tr.dataset.organisation = organisation.id;
        tr.append(
          cell(organisation.name),
          cell(kinds.get(organisation.type) ?? organisation.type),
          cell(organisation.hxlName),
          cell(organisation.memberState ? (states.get(organisation.memberState)?.name ?? organisation.memberState) : ""),
          cell(organisation.iatiIdentifier ?? ""),
          cell(organisation.suspended ? "Suspended" : "Active", organisation.suspended ? "flag" : ""),
          cell(registered.format(new Date(organisation.registeredAt))),
        );
        return tr;
      }),
    );
    $("#count").textContent =
      organisations.length === 1 ? "1 organisation" : `${organisations.length} organisations`;
    const active = organisations.filter((organisation) => !organisation.suspended);
    const suspended = organisations.filter((organisation) => organisation.suspended);
    fillPicker($("#suspend-organisation"), active, "Choose an organisation");
    fillPicker($("#reinstate-organisation"), suspended, suspended.length ? "Choose an organisation" : "None is suspended");
    $("#problem").textContent = "";
  } catch (error) {
    $("#problem").textContent = `The register could not be read: ${error.message}`;
  }
}

function showStateField() {
  const government = $("#type").value === "MEMBER_STATE_GOVERNMENT";
  $("#memberState-field").hidden = !government;
  $("#memberState").disabled = !government;
}

async function start() {
  const me = await secretariatPage(token);
  ({ states } = await codeLists());
  kinds = new Map([...$("#type").options].filter((kind) => kind.value).map((kind) => [kind.value, kind.text]));
  if (!me) return load(null);
  for (const state of states.values()) $("#memberState").append(option(state.code, state.name));
  $("#type").addEventListener("change", showStateField);
  $("#iatiIdentifier").addEventListener("input", (event) => {
    const field = event.target;
    const [from, to] = [field.selectionStart, field.selectionEnd];
    field.value = field.value.toUpperCase();
    field.setSelectionRange(from, to);
  });
  await load(null);

  const recorded = (form, verb) => async (data) => {
    const { position, organisation } = Object.values(data)[0];
    await load(position);
    form.reset();
    showStateField();
    const done = $("#done");
    done.textContent = `${organisation.name}: ${verb}.`;
    done.hidden = false;
  };
  const register = $("#register");
  commandForm(register, {
    operation: "RegisterOrganisation",
    token,
    variables: () => {
      const value = (name) => register.elements.namedItem(name).value;
      return {
        input: {
          name: value("name"),
          type: value("type"),
          hxlName: value("hxlName"),
          memberState: $("#memberState").disabled ? null : value("memberState"),
          iatiIdentifier: value("iatiIdentifier"),
        },
      };
    },
    onRecorded: recorded(register, "registered"),
  });
  commandForm($("#suspend"), {
    operation: "SuspendOrganisation",
    token,
    variables: () => ({ input: { id: $("#suspend-organisation").value, reason: $("#reason").value } }),
    onRecorded: recorded($("#suspend"), "suspended"),
  });
  commandForm($("#reinstate"), {
    operation: "ReinstateOrganisation",
    token,
    variables: () => ({ input: { id: $("#reinstate-organisation").value } }),
    onRecorded: recorded($("#reinstate"), "reinstated"),
  });
  followChanges(token, () => load(null));
}

if (token) start();
