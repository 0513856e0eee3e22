// The development sign-in: mints a token with the development signer for the chosen role (only a
// development server has this page and its endpoint), keeps it through the session module, and
// goes back to the page that asked.

import { run } from "/static/graphql.js";
import { codeLists, option } from "./codes.js";
import { returnPath, signIn } from "./session.js";

const $ = (selector) => document.querySelector(selector);
const form = $("#sign-in");
const HOME = { coordinator: "/workbench/needs", donor: "/workbench/offers" };

async function mint(claims) {
  const response = await fetch("/workbench/dev/token", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(claims),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail ?? `sign-in refused (${response.status})`);
  return body.accessToken;
}

function role() {
  return form.elements.namedItem("role").value;
}

function showRoleFields() {
  $("#state-field").hidden = role() !== "coordinator";
  $("#memberState").disabled = role() !== "coordinator";
  const organisations = $("#organisationId");
  $("#organisation-field").hidden = role() !== "donor";
  organisations.disabled = role() !== "donor" || organisations.options.length === 0;
}

async function listOrganisations() {
  // The organisations are read through the API like any list, by a viewer's token.
  const viewer = await mint({ role: "viewer" });
  const names = [];
  let after = null;
  do {
    const { organisations } = await run("Organisations", { first: 100, after }, viewer);
    names.push(...organisations.edges.map(({ node }) => node));
    after = organisations.pageInfo.hasNextPage ? organisations.pageInfo.endCursor : null;
  } while (after);
  return names;
}

async function start() {
  const { states } = await codeLists();
  for (const state of states.values()) $("#memberState").append(option(state.code, state.name));
  for (const radio of form.querySelectorAll('input[name="role"]')) {
    radio.addEventListener("change", showRoleFields);
  }
  const organisations = await listOrganisations();
  for (const organisation of organisations) {
    $("#organisationId").append(option(organisation.id, organisation.name));
  }
  $("#organisationId-hint").textContent = organisations.length
    ? `${organisations.length} registered organisations.`
    : "No organisation is registered yet: the secretariat registers them.";
  showRoleFields();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const chosen = role();
  const claims = { role: chosen };
  if (chosen === "coordinator") claims.memberState = $("#memberState").value;
  if (chosen === "donor") claims.organisationId = $("#organisationId").value;
  try {
    signIn(await mint(claims));
  } catch (error) {
    $("#sign-in-problem").textContent = error.message;
    return;
  }
  const next = returnPath(new URLSearchParams(location.search).get("next"));
  location.assign(next ?? HOME[chosen] ?? "/workbench/");
});

start().catch((error) => {
  $("#sign-in-problem").textContent = `The sign-in page could not start: ${error.message}`;
});
