// The workbench's first page: what the signed-in role works on here.

import { mountHeader } from "./header.js";
import { requireSignIn } from "./session.js";

const SUMMARIES = {
  COORDINATOR: "Post your state's needs and follow what is committed, in transit and delivered.",
  SECRETARIAT: "Open and close crises, keep the register of organisations, propose matches and run allocation rounds.",
};
const token = requireSignIn();

if (token) {
  mountHeader(token).then((me) => {
    document.querySelector("#summary").textContent =
      SUMMARIES[me.role] ?? "The workbench has no pages for this role yet; the dashboard shows coverage, funding and safe havens.";
  });
}
