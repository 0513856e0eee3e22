// The header of every workbench page: who is signed in (role, state or organisation), the pages
// their role works in, and sign-out.

import { AuthError, run } from "/static/graphql.js";
import { codeLists } from "./codes.js";
import { may } from "./permissions.js";
import { signOut } from "./session.js";

const ROLE_NAMES = {
  COORDINATOR: "Relief coordinator",
  DONOR: "Donor",
  SECRETARIAT: "Secretariat",
  VIEWER: "Viewer",
};
const PAGES = {
  COORDINATOR: [
    ["/workbench/needs", "My needs"],
    ["/workbench/needs/new", "Post a need"],
    ["/workbench/decisions", "Proposals and deliveries"],
    ["/workbench/safe-havens", "Safe havens"],
    ["/workbench/movements", "Movements"],
    ["/workbench/incidents", "Security incidents"],
    ["/workbench/import", "Upload a spreadsheet"],
  ],
  DONOR: [
    ["/workbench/offers", "My offers"],
    ["/workbench/could-serve", "Needs I could serve"],
    ["/workbench/deliveries", "Matches"],
    ["/workbench/pledges", "Pledges and flows"],
    ["/workbench/import", "Upload a spreadsheet"],
  ],
  SECRETARIAT: [
    ["/workbench/crises", "Crises"],
    ["/workbench/organisations", "Organisations"],
    ["/workbench/desk", "Matching desk"],
    ["/workbench/rounds", "Allocation rounds"],
    ["/workbench/fund", "Stability Fund"],
    ["/workbench/pledges", "Pledges and refunds"],
    ["/workbench/projects", "Projects"],
  ],
};

// Fills the page's header; resolves to the API's `me`, or signs out if the API refuses the token.
export async function mountHeader(token) {
  document.querySelector("#signout").addEventListener("click", signOut);
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
  const nav = document.querySelector("#pages");
  const keys = may(me, "issueApiKey") ? [["/workbench/api-keys", "API keys"]] : [];
  for (const [href, label] of [...(PAGES[me.role] ?? []), ...keys, ["/", "Dashboard"]]) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = href;
    link.textContent = label;
    if (location.pathname === href) link.setAttribute("aria-current", "page");
    item.append(link);
    nav.append(item);
  }
  return me;
}
