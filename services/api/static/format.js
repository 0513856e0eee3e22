// Numbers for people: grouped digits, compact dollars, and small counts of people suppressed.

// projections/disclosure.py: counts of people from 1 to 4 are never shown to viewers; the API
// gives them as null. Shown as "<5".
export const SUPPRESSION_THRESHOLD = 5;
export const SUPPRESSED = `<${SUPPRESSION_THRESHOLD}`;

const whole = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const usd = new Intl.NumberFormat(undefined, {
  style: "currency",
  currency: "USD",
  notation: "compact",
  maximumFractionDigits: 1,
});
const usdFull = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 0 });
const day = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });

export const number = (value) => (value === null || value === undefined ? "–" : decimal.format(Number(value)));
export const people = (value) => (value === null || value === undefined ? SUPPRESSED : whole.format(Number(value)));
export const count = (value) => whole.format(Number(value));
export const dollars = (value) => usd.format(Number(value));
export const dollarsExact = (value) => usdFull.format(Number(value));
export const share = (value) => (Number.isFinite(value) ? percent.format(value) : "–");
const moment = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
export const date = (value) => day.format(new Date(value));
export const dateTime = (value) => moment.format(new Date(value));
export const plural = (n, word) => `${whole.format(n)} ${word}${n === 1 ? "" : "s"}`;

export const STATES = {
  BRN: "Brunei",
  KHM: "Cambodia",
  IDN: "Indonesia",
  LAO: "Lao PDR",
  MYS: "Malaysia",
  MMR: "Myanmar",
  PHL: "Philippines",
  SGP: "Singapore",
  THA: "Thailand",
  TLS: "Timor-Leste",
  VNM: "Viet Nam",
};

export const SECTORS = {
  CCM: "Camp coordination",
  EDU: "Education",
  ERY: "Early recovery",
  FSC: "Food security",
  HEA: "Health",
  LOG: "Logistics",
  NUT: "Nutrition",
  PRO: "Protection",
  PRO_CPN: "Child protection",
  PRO_GBV: "Gender-based violence",
  PRO_HLP: "Housing, land, property",
  PRO_MIN: "Mine action",
  SHL: "Shelter",
  ETC: "Emergency telecoms",
  WSH: "WASH",
  MPC: "Multi-purpose cash",
  CSS: "Coordination",
  PB_CAP: "Capacity building",
  PB_INS: "Institution building",
  PB_EDX: "Educational exchange",
  PB_REC: "Reconciliation",
};

export const stateName = (code) => STATES[code] ?? code ?? "–";
export const sectorName = (code) => SECTORS[code] ?? code ?? "–";
