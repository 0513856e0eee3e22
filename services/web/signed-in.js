// Where the identity provider sends the browser back with the authorization code: the session
// module exchanges it for the tokens, then the page that asked for the sign-in opens again.

import { completeSignIn } from "./session.js";

completeSignIn()
  .then((next) => location.replace(next))
  .catch((error) => {
    document.querySelector("#signing-in").textContent = "";
    const problem = document.querySelector("#sign-in-problem");
    problem.textContent = `The sign-in did not complete: ${error.message}. `;
    const again = document.createElement("a");
    again.href = "/workbench/";
    again.textContent = "Sign in again";
    problem.append(again);
  });
