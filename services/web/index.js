// The workbench's first page: what the signed-in role works on here.

import { mountHeader } from "./header.js";
import { requireSignIn } from "./session.js";

const SUMMARIES = {
  COORDINATOR: "Post your state's needs and follow what is committed, in transit and delivered.",
  DONOR: "Offer what your organisation can give, see the needs it could serve, deliver its matches, and follow its pledges.",
  SECRETARIAT: "Open and close crises, keep the register of organisations, propose matches, run allocation rounds and the Stability Fund, and follow reconstruction projects.",
};
const token = requireSignIn();

if (token) {
  mountHeader(token).then((me) => {
    document.querySelector("#summary").textContent =
      SUMMARIES[me.role] ?? "The workbench has no pages for this role yet; the dashboard shows coverage, funding and safe havens.";
  });
}
