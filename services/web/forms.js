// Every command form: rules checked as the user types, one Idempotency-Key per submission (a double
// click, a retry after a lost answer or a reload mid-submission sends the same key, so the command
// is recorded once), the server's refusal shown at the field it names, business refusals in plain
// words.

import { send } from "/static/graphql.js";
import { signOut } from "./session.js";

export const REASONS = {
  CRISIS_CLOSED: "The crisis is closed: nothing more can be recorded under it.",
  OVER_CAPACITY: "The safe haven has no room for that many people.",
  OVER_ALLOCATION: "That is more than remains of the offer.",
  OVER_COMMITMENT: "That would commit more than the need asks for.",
  INSUFFICIENT_BALANCE: "The fund's unallocated balance does not cover this.",
  OVER_DISBURSEMENT: "That is more than remains of the allocation.",
  OVER_PAYMENT: "That payment is more than remains of the pledge.",
  OVER_REFUND: "That refund is more than remains of the payment.",
  OVER_RECEIPT: "That is more than was dispatched.",
  OVER_DEPARTURE: "That is more people than the safe haven shelters.",
  CLEARANCE_REQUIRED: "The area is at the highest risk level: a security clearance is needed first.",
  INVALID_TRANSITION: "It can no longer be changed that way.",
};
const RETRY_PAUSE_MS = 400;
const RETRIES = 10;

// A UUID v4 from the browser's random source (crypto.randomUUID needs a secure context).
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The key of a submission not yet answered, kept in the tab across a reload: one slot per form
// of a page. Sent again after a reload, the same command is answered with its first result.
function pendingKeys(form) {
  const slot = `concord.idempotency-key:${location.pathname}#${form.id}`;
  return {
    take: () => sessionStorage.getItem(slot) ?? newKey(),
    keep: (key) => sessionStorage.setItem(slot, key),
    settle: () => {
      sessionStorage.removeItem(slot);
      return newKey();
    },
  };
}

function errorOf(field) {
  return document.getElementById(`${field.id}-error`);
}

function showValidity(field) {
  const error = errorOf(field);
  if (!error) return;
  const message = field.validity.patternMismatch && field.dataset.patternMessage
    ? field.dataset.patternMessage
    : field.validationMessage;
  error.textContent = message;
  field.setAttribute("aria-invalid", message ? "true" : "false");
}

// Wires a form to a command. `operation`: the named mutation; `variables()`: its variables from the
// form; `onRecorded(data)`: what follows success; `reasons`: words of the page's own for a refusal
// reason, `(message) => text`, where it can say more than the general words. Resolves nothing; the
// form reports through #<form id>-status (polite) and #<form id>-problem (alert).
export function commandForm(form, { operation, variables, token, onRecorded, reasons = {} }) {
  const status = document.getElementById(`${form.id}-status`);
  const problem = document.getElementById(`${form.id}-problem`);
  const submit = form.querySelector('button[type="submit"]');
  const pending = pendingKeys(form);
  let key = pending.take();
  let sending = false;
  form.noValidate = true; // the messages below each field replace the browser's bubbles

  for (const field of form.elements) {
    if (!field.name) continue;
    field.addEventListener("input", () => {
      field.setCustomValidity("");
      showValidity(field);
    });
    field.addEventListener("blur", () => showValidity(field));
  }
  form.addEventListener("reset", () => {
    key = pending.settle();
    for (const field of form.elements) {
      field.setCustomValidity?.("");
      field.removeAttribute("aria-invalid");
      const error = field.id ? errorOf(field) : null;
      if (error) error.textContent = "";
    }
    problem.textContent = "";
  });

  function refuseAt(name, message) {
    const field = form.elements.namedItem(name);
    if (!(field instanceof HTMLElement) || !errorOf(field)) return false;
    field.setCustomValidity(message);
    errorOf(field).textContent = message;
    field.setAttribute("aria-invalid", "true");
    field.focus();
    return true;
  }

  async function sendOnce() {
    for (let attempt = 0; ; attempt += 1) {
      pending.keep(key);
      const outcome = await send(operation, variables(), token, { "Idempotency-Key": key });
      const { code, reason } = outcome.body.errors?.[0]?.extensions ?? {};
      if (code === "IDEMPOTENCY_KEY_REUSED" && attempt === 0) {
        key = pending.settle(); // a key kept from another submission before a reload: this one is new
        continue;
      }
      if (reason !== "COMMAND_IN_FLIGHT" || attempt >= RETRIES) return outcome;
      await pause(RETRY_PAUSE_MS); // the same key is still being recorded: ask again for its result
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending) return; // a second click while the first is on its way
    problem.textContent = "";
    if (!form.checkValidity()) {
      const invalid = [...form.elements].filter((field) => field.willValidate && !field.validity.valid);
      invalid.forEach(showValidity);
      invalid[0]?.focus();
      problem.textContent = `Please correct ${invalid.length === 1 ? "the field marked" : "the fields marked"} below.`;
      return;
    }
    sending = true;
    submit.disabled = true;
    status.textContent = "Sending…";
    try {
      const { status: httpStatus, body } = await sendOnce();
      if (httpStatus === 401) return signOut();
      const error = body.errors?.[0];
      if (!error) {
        status.textContent = "Recorded.";
        key = pending.settle();
        await onRecorded(body.data);
        return;
      }
      const { code, field, reason } = error.extensions ?? {};
      status.textContent = "";
      if (code === "UNAVAILABLE" || code === "STALE_READ" || httpStatus >= 500) {
        problem.textContent = "The server could not record it just now. Send again: it will be recorded once.";
        return; // the same key: a retry cannot record twice
      }
      key = pending.settle(); // refused: nothing was recorded under this key
      if (field && refuseAt(field, error.message.replace(new RegExp(`^${field}: `), ""))) {
        problem.textContent = "The server refused a field: see the message below it.";
      } else {
        problem.textContent = reasons[reason]?.(error.message) ?? REASONS[reason] ?? error.message;
      }
    } catch {
      status.textContent = "";
      problem.textContent = "Not sent: the connection failed. Send again: it will be recorded once.";
    } finally {
      sending = false;
      submit.disabled = false;
    }
  });
}
