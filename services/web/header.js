// The header of every workbench page, from this one place: a skip link, who is signed in (role,
// state or organisation), the pages their role may use as the API's policy table says, and
// sign-out.
//
// To give a page the header:
//   1. Make this placeholder the first element of its <body>, and give it a <main id="main"
//      tabindex="-1"> (where the skip link goes):
//
//        <header class="bar" data-workbench-header><a class="brand" href="/workbench/">Concord workbench</a></header>
//
//      Without scripts it is the page's banner with the way home; the script renders the rest.
//   2. In the page's module: `const me = await mountHeader(token);` with the token of
//      requireSignIn() (session.js). `me` is the API's `me`, its `permissions` included.
//   3. For a page of the navigation, add a line to PAGES below: its path, its name, and the
//      entries of the policy table (services/identity/access.py) it is for, each with the scope the role
//      must hold it over (null: any). The link is shown to those whose role may use one of them.

import { AuthError, run } from "/static/graphql.js";
import { codeLists } from "./codes.js";
import { signOut } from "./session.js";

const ROLE_NAMES = {
  COORDINATOR: "Relief coordinator",
  DONOR: "Donor",
  SECRETARIAT: "Secretariat",
  VIEWER: "Viewer",
};
const OWN_STATE = "OWN_STATE";
const OWN_ORGANISATION = "OWN_ORGANISATION";
const ANY = "ANY";
const PAGES = [
  ["/workbench/needs", "My needs", { "mutation.postRequest": OWN_STATE }],
  ["/workbench/needs/new", "Post a need", { "mutation.postRequest": OWN_STATE }],
  ["/workbench/decisions", "Proposals and deliveries", { "mutation.acceptMatch": OWN_STATE }],
  ["/workbench/safe-havens", "Safe havens", { "mutation.designateSafeHaven": OWN_STATE }],
  ["/workbench/movements", "Movements", { "mutation.planMovement": OWN_STATE }],
  ["/workbench/incidents", "Security incidents", { "mutation.reportIncident": OWN_STATE }],
  ["/workbench/offers", "My offers", { "mutation.postOffer": OWN_ORGANISATION }],
  ["/workbench/could-serve", "Needs I could serve", { "query.needSuggestions": OWN_ORGANISATION }],
  ["/workbench/deliveries", "Matches", { "mutation.confirmMatch": OWN_ORGANISATION }],
  ["/workbench/pledges", "Pledges and flows", { "mutation.makePledge": OWN_ORGANISATION }],
  ["/workbench/import", "Upload a spreadsheet", { "POST /imports/requests": null, "POST /imports/offers": null }],
  ["/workbench/crises", "Crises", { "mutation.openCrisis": ANY }],
  ["/workbench/organisations", "Organisations", { "mutation.registerOrganisation": ANY }],
  ["/workbench/desk", "Matching desk", { "query.matchSuggestions": ANY }],
  ["/workbench/rounds", "Allocation rounds", { "mutation.runAllocationRound": ANY }],
  ["/workbench/fund", "Stability Fund", { "mutation.openFund": ANY }],
  ["/workbench/pledges", "Pledges and refunds", { "mutation.refundPayment": ANY }],
  ["/workbench/projects", "Projects", { "mutation.registerProject": null, "mutation.planMilestone": null }],
  ["/workbench/api-keys", "API keys", { "mutation.issueApiKey": null }],
  ["/", "Dashboard", null],
];

function element(name, attributes = {}, ...children) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

// The skeleton, at once: the landmarks, the focus order and sign-out do not wait for the API.
function render() {
  const header = document.querySelector("header[data-workbench-header]") ?? document.querySelector("body > header");
  if (!header) throw new Error("the page has no header placeholder (see the top of header.js)");
  header.classList.add("bar");
  const signOutButton = element("button", { id: "signout", type: "button" }, "Sign out");
  signOutButton.addEventListener("click", signOut);
  header.replaceChildren(
    element("a", { class: "brand", href: "/workbench/" }, "Concord workbench"),
    element("nav", { "aria-label": "Workbench pages" }, element("ul", { id: "pages" })),
    element(
      "p",
      { class: "who" },
      element("span", { class: "visually-hidden" }, "Signed in as "),
      element("span", { id: "who-role" }, "…"),
      element("span", { id: "who-where" }),
    ),
    signOutButton,
  );
  if (!document.querySelector("a.skip")) {
    header.before(element("a", { class: "skip", href: "#main" }, "Skip to the content"));
  }
}

// Whether the role may use one of the page's policy entries over the scope each asks for.
function mayUse(me, entries) {
  if (entries === null) return true;
  return me.permissions.some(
    ({ operation, scope }) => Object.hasOwn(entries, operation) && [null, scope].includes(entries[operation]),
  );
}

function navigation(me) {
  return PAGES.filter(([, , entries]) => mayUse(me, entries)).map(([href, label]) => {
    const link = element("a", { href }, label);
    if (location.pathname === href) link.setAttribute("aria-current", "page");
    return element("li", {}, link);
  });
}

// Fills the header; resolves to the API's `me`, or signs out if the API refuses the token.
export async function mountHeader(token) {
  let me;
  try {
    ({ me } = await run("Me", {}, token));
  } catch (error) {
    if (error instanceof AuthError) signOut();
    throw error;
  }
  const { states } = await codeLists();
  let where = "";
  if (me.memberState) where = states.get(me.memberState)?.name ?? me.memberState;
  if (me.organisationId) {
    const { organisation } = await run("Organisation", { id: me.organisationId }, token);
    where = organisation?.name ?? me.organisationId;
  }
  document.querySelector("#who-role").textContent = ROLE_NAMES[me.role] ?? me.role;
  document.querySelector("#who-where").textContent = where ? ` · ${where}` : "";
  document.querySelector("#pages").replaceChildren(...navigation(me));
  return me;
}

render();
