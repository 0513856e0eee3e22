// Words for a project's IATI status and the activities a project may be registered under.

export const STATUS_NAMES = {
  PIPELINE: "Pipeline",
  IMPLEMENTATION: "Implementation",
  FINALISATION: "Finalisation",
  CLOSED: "Closed",
  CANCELLED: "Cancelled",
  SUSPENDED: "Suspended",
};

// Annex V.2's peace-building activities, and early recovery for infrastructure.
export const ACTIVITIES = ["ERY", "PB_CAP", "PB_INS", "PB_EDX", "PB_REC"];

export const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

export function localDate(date) {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 10);
}
