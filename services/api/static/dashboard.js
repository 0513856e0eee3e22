// Concord's dashboard: every number comes from a named operation of graphql/operations/, and the
// page re-runs them whenever the Changes subscription says the read models moved on. The tab's
// sign-in is the workbench's (session.js): signed in at the OpenID Connect provider, its token is
// renewed before it expires and the page's next calls carry the new one, with no reload.

import { AuthError, follow, run, runPages } from "./graphql.js";
import * as fmt from "./format.js";
import { drawMap, loadAtlas } from "./map.js";
import { credential, currentToken, forget, requireSignIn, signIn, signInKind, signOut } from "/workbench/static/session.js";

const $ = (selector) => document.querySelector(selector);
const charts = new Map();
const palette = {
  blue: "#1f5fa8",
  teal: "#138a72",
  amber: "#b86e00",
  red: "#b3261e",
  grey: "#6b7280",
  light: "#c9d6ea",
};
let token = null;
let stopFollowing = null;
let refreshTimer = null;
let organisations = new Map();

// --- Credentials: from the URL fragment (#token=…), else the tab's sign-in, else the form. The
// page holds the session's credential, which reads as the tab's current token at each call.
function readToken() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has("token")) {
    signIn(fragment.get("token").trim());
    history.replaceState(null, "", location.pathname + location.search);
  }
  return currentToken() ? credential : null;
}

function askForToken(message) {
  stopFollowing?.();
  stopFollowing = null;
  forget();
  token = null;
  $("#signin-error").textContent = message ?? "";
  $("#signin").hidden = false;
  $("#board").hidden = true;
  $("#token").focus();
}

$("#signin").addEventListener("submit", (event) => {
  event.preventDefault();
  const given = $("#token").value.trim().replace(/^Bearer\s+/i, "");
  if (!given) return;
  signIn(given);
  $("#token").value = "";
  start("That is not an access token, or it has expired.");
});

// Where the server signs in (its OpenID Connect provider, or the development sign-in page), the
// form offers that too; either comes back here.
const SIGN_IN_WORDS = {
  openid: "Sign in with your organisation's account",
  development: "Choose a role on the development sign-in page",
};
if (SIGN_IN_WORDS[signInKind]) {
  $("#signin-elsewhere").textContent = SIGN_IN_WORDS[signInKind];
  $("#signin-elsewhere").hidden = false;
  $("#signin-elsewhere").addEventListener("click", () => requireSignIn());
}

$("#signout").addEventListener("click", () => {
  if (signInKind === "openid") signOut(); // ends the provider's session too
  else askForToken("Signed out.");
});

// --- The crisis filter lives in the query string, so a filtered view can be shared.
function selectedCrisis() {
  return new URLSearchParams(location.search).get("crisis") || null;
}

$("#crisis").addEventListener("change", (event) => {
  const params = new URLSearchParams(location.search);
  if (event.target.value) params.set("crisis", event.target.value);
  else params.delete("crisis");
  history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
  refresh().catch(failed);
});

async function loadCrises() {
  const { crises } = await run("Crises", { includeClosed: true }, token);
  const select = $("#crisis");
  const wanted = selectedCrisis();
  select.replaceChildren(new Option("All crises", ""));
  for (const crisis of crises) {
    const label = `${crisis.name} (${crisis.affectedStates.map(fmt.stateName).join(", ")})`;
    select.add(new Option(label, crisis.id, false, crisis.id === wanted));
  }
}

async function loadOrganisations() {
  const names = new Map();
  let after = null;
  do {
    const { organisations: page } = await run("Organisations", { first: 100, after }, token);
    for (const { node } of page.edges) names.set(node.id, node.name);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  organisations = names;
}

// A fund with its ledger, page by page, up to LEDGER_PAGES pages (the oldest entries first).
const LEDGER_PAGES = 20;

async function loadFund(id) {
  const entries = [];
  let fund = null;
  let after = null;
  let pages = 0;
  do {
    ({ fund } = await run("StabilityFundBalance", { id, first: 100, after }, token));
    entries.push(...fund.ledger.edges.map((edge) => edge.node));
    after = fund.ledger.pageInfo.hasNextPage ? fund.ledger.pageInfo.endCursor : null;
    pages += 1;
  } while (after && pages < LEDGER_PAGES);
  return { fund: { ...fund, entries, entryCount: fund.ledger.totalCount } };
}

// --- Everything on the board, from the named operations. Refreshes overlap (a live update while
// the crisis filter changes): only the latest one started may draw, so that a slower, older one
// never paints the board over with another filter's figures.
let latestRefresh = 0;

async function refresh() {
  const mine = ++latestRefresh;
  const crisis = selectedCrisis();
  const list = crisis ? [crisis] : null;
  const [coverage, needs, havens, incidents, displacement, funding, byCrisis, byState, atlas] = await Promise.all([
    run("Coverage", { crisis, groupBy: ["STATE", "SECTOR"] }, token),
    run("OldestUnmetNeeds", { crisis: list, first: 10 }, token),
    run("SafeHavens", { crisis: list }, token),
    runPages("SecurityIncidents", { crisis: list }, token, "incidentsConnection"),
    run("Displacement", { crisis: list }, token),
    run("FundingByDonor", {}, token),
    crisis ? run("FundingByDonorAndCrisis", {}, token) : null,
    run("Coverage", { crisis, groupBy: ["STATE"] }, token),
    loadAtlas(),
  ]);
  const ledgers = await Promise.all(funding.funds.map((fund) => loadFund(fund.id)));
  const totals = crisis ? byCrisis.flowTotals.filter((t) => t.crisisId === crisis) : funding.flowTotals;
  if ([...new Set(totals.map((t) => t.sourceId))].some((id) => !organisations.has(id))) {
    await loadOrganisations();
  }
  if (mine !== latestRefresh) return;
  drawKeyFigures(coverage.coverage, needs.requests, havens.safeHavens, incidents, displacement.displacement);
  drawCoverage(coverage.coverage);
  drawMap(atlas, byState.coverage, havens.safeHavens);
  drawFunding(totals, funding.funds);
  drawFund(ledgers.map((l) => l.fund));
  drawHavens(havens.safeHavens);
  drawDisplacement(displacement.displacement);
  drawIncidents(incidents.nodes);
  drawNeeds(needs.requests);
  $("#updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  document.body.dataset.loaded = "true";
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => loadCrises().then(refresh).catch(failed), 200);
}

function failed(error) {
  if (error instanceof AuthError) askForToken(`Your token was refused: ${error.message}`);
  else showProblem(error.message);
}

function showProblem(message) {
  const box = $("#problem");
  box.textContent = message;
  box.hidden = !message;
}

// --- Drawing.
function keyFigure(id, value, note) {
  $(`#${id} .value`).textContent = value;
  $(`#${id} .note`).textContent = note ?? "";
}

function drawKeyFigures(coverage, needs, havens, incidents, displacement) {
  const requested = coverage.reduce((sum, row) => sum + Number(row.requested), 0);
  const committed = coverage.reduce((sum, row) => sum + Number(row.committed), 0);
  const requests = coverage.reduce((sum, row) => sum + row.requests, 0);
  keyFigure("kpi-requests", fmt.count(requests), `${fmt.share(requested ? committed / requested : NaN)} of quantities committed`);
  keyFigure("kpi-unmet", fmt.count(needs.totalCount), "priority 4–5, open or partly covered");
  const latest = latestByArea(displacement);
  const shown = latest.filter((row) => row.displaced !== null);
  const displaced = shown.reduce((sum, row) => sum + row.displaced, 0);
  keyFigure(
    "kpi-displaced",
    latest.length ? fmt.people(displaced) : "–",
    shown.length < latest.length ? "small counts left out" : `in ${fmt.plural(latest.length, "area")}`,
  );
  const open = havens.filter((haven) => haven.status === "OPEN");
  const free = open.reduce((sum, haven) => sum + (haven.available ?? 0), 0);
  keyFigure("kpi-havens", fmt.count(free), `places free in ${fmt.plural(open.length, "open safe haven")}`);
  keyFigure("kpi-incidents", fmt.count(incidents.totalCount), "open security incidents");
}

function drawCoverage(rows) {
  const states = [...new Set(rows.map((r) => r.memberState))].sort();
  const gaps = new Map();
  for (const r of rows) gaps.set(r.sector, (gaps.get(r.sector) ?? 0) + Number(r.gap));
  // The widest gaps first: the sectors a coordinator looks at first, and the first seen at 420 px.
  const sectors = [...gaps.keys()].sort((a, b) => gaps.get(b) - gaps.get(a) || a.localeCompare(b));
  const table = $("#coverage-table");
  if (!rows.length) {
    table.replaceChildren(caption("No needs posted yet."));
    return;
  }
  const cell = new Map(rows.map((r) => [`${r.memberState}/${r.sector}`, r]));
  const head = document.createElement("tr");
  head.append(th("Member state", "col"), ...sectors.map((s) => th(fmt.sectorName(s), "col")), th("Gap", "col"));
  const body = states.map((state) => {
    const tr = document.createElement("tr");
    tr.append(th(fmt.stateName(state), "row"));
    let gap = 0;
    for (const sector of sectors) {
      const row = cell.get(`${state}/${sector}`);
      const td = document.createElement("td");
      td.dataset.sector = fmt.sectorName(sector); // its label where a narrow screen stacks the cells
      if (row) {
        const covered = Number(row.requested) ? Number(row.committed) / Number(row.requested) : 1;
        gap += Number(row.gap);
        td.className = `heat heat-${Math.min(4, Math.floor(covered * 4))}`;
        td.innerHTML = `<span class="share">${fmt.share(covered)}</span><span class="gap">gap ${fmt.number(row.gap)}</span>`;
        td.title = `${fmt.stateName(state)}, ${fmt.sectorName(sector)}: ${fmt.number(row.requested)} requested, ${fmt.number(row.committed)} committed, ${fmt.number(row.delivered)} delivered`;
      } else {
        td.textContent = "–";
      }
      tr.append(td);
    }
    const total = document.createElement("td");
    total.className = "total";
    total.dataset.sector = "Gap";
    total.textContent = fmt.number(gap);
    tr.append(total);
    return tr;
  });
  table.replaceChildren(caption("Share of requested quantities committed, and the gap"), thead(head), tbody(body));
}

function drawFunding(totals, funds) {
  const byDonor = new Map();
  for (const t of totals) {
    if (!organisations.has(t.sourceId)) continue; // a fund's own allocations are shown below
    const entry = byDonor.get(t.sourceId) ?? { pledged: 0, committed: 0, paid: 0 };
    entry.pledged += Number(t.usdAmount);
    if (t.status !== "PLEDGE") entry.committed += Number(t.usdAmount);
    entry.paid += Number(t.usdPaid);
    byDonor.set(t.sourceId, entry);
  }
  const donors = [...byDonor.entries()].sort((a, b) => b[1].pledged - a[1].pledged);
  const total = donors.reduce((sum, [, d]) => sum + d.pledged, 0);
  $("#funding-total").textContent = donors.length
    ? `${fmt.dollars(total)} pledged by ${fmt.count(donors.length)} donor${donors.length === 1 ? "" : "s"}`
    : "No pledges yet.";
  chart("funding-chart", {
    type: "bar",
    data: {
      labels: donors.map(([id]) => organisations.get(id)),
      datasets: [
        { label: "Pledged", data: donors.map(([, d]) => d.pledged), backgroundColor: palette.light },
        { label: "Committed", data: donors.map(([, d]) => d.committed), backgroundColor: palette.blue },
        { label: "Paid", data: donors.map(([, d]) => d.paid), backgroundColor: palette.teal },
      ],
    },
    options: { indexAxis: "y", scales: { x: { ticks: { callback: (v) => fmt.dollars(v) } } }, plugins: money() },
  });
  $("#funds-note").textContent = funds.length
    ? funds.map((f) => `${f.name}: ${fmt.dollarsExact(f.balance)} unallocated`).join(" · ")
    : "No Stability Fund opened yet.";
}

// What each kind of ledger entry does to a fund's unallocated balance (a disbursement pays out what
// was already allocated).
const BALANCE_EFFECT = { CONTRIBUTION: 1, REFUND: -1, ALLOCATION: -1, DISBURSEMENT: 0 };
const valueDay = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

// The balance on the days the money moved: a payment counts on its payment date, however late it
// was recorded, so the entries are put in value-date order (the order recorded within a day) and the
// balance summed again in that order, in cents.
function balanceByValueDate(entries) {
  const dated = entries
    .map((entry, recorded) => ({ entry, recorded, day: Date.parse(entry.valueDate) }))
    .sort((a, b) => a.day - b.day || a.recorded - b.recorded);
  let cents = 0;
  return dated.map(({ entry, day }) => {
    cents += BALANCE_EFFECT[entry.kind] * Math.round(Number(entry.usdAmount) * 100);
    return { x: day, y: cents / 100 };
  });
}

function drawFund(funds) {
  const colours = [palette.blue, palette.amber, palette.teal, palette.red];
  chart("fund-chart", {
    type: "line",
    data: {
      datasets: funds.map((fund, i) => ({
        label: fund.entries.length < fund.entryCount ? `${fund.name} (first ${fund.entries.length} of ${fund.entryCount} entries)` : fund.name,
        data: balanceByValueDate(fund.entries),
        borderColor: colours[i % colours.length],
        backgroundColor: colours[i % colours.length],
        stepped: true,
      })),
    },
    options: {
      scales: {
        x: { type: "linear", ticks: { callback: (v) => valueDay.format(v), maxTicksLimit: 4 } },
        y: { beginAtZero: true, ticks: { callback: (v) => fmt.dollars(v) } },
      },
      plugins: {
        tooltip: { callbacks: { title: (items) => valueDay.format(items[0].parsed.x), label: (c) => `${c.dataset.label}: ${fmt.dollarsExact(c.parsed.y)}` } },
      },
    },
  });
}

function drawHavens(havens) {
  const sorted = [...havens].sort((a, b) => b.capacity - a.capacity).slice(0, 15);
  chart("havens-chart", {
    type: "bar",
    data: {
      labels: sorted.map((h) => `${h.name} (${h.memberState})`),
      datasets: [
        { label: "Sheltered", data: sorted.map((h) => h.occupancy ?? 0), backgroundColor: palette.blue },
        { label: "Capacity", data: sorted.map((h) => h.capacity), backgroundColor: palette.light },
      ],
    },
    options: {
      indexAxis: "y",
      scales: { x: { ticks: { callback: (v) => fmt.count(v) } } },
      plugins: {
        tooltip: {
          callbacks: {
            label: (c) => {
              const haven = sorted[c.dataIndex];
              return c.datasetIndex === 0 ? `Sheltered: ${fmt.people(haven.occupancy)}` : `Capacity: ${fmt.count(haven.capacity)}`;
            },
          },
        },
      },
    },
  });
  $("#havens-list").replaceChildren(
    ...sorted.map((h) => {
      const li = document.createElement("li");
      li.textContent = `${h.name}: ${fmt.people(h.occupancy)} of ${fmt.count(h.capacity)} (${h.status.toLowerCase()})`;
      return li;
    }),
  );
}

// The latest figures of each area, as of each date any area reported: areas report on their own days.
function latestByArea(rows) {
  const latest = new Map();
  for (const row of [...rows].sort((a, b) => a.asOf.localeCompare(b.asOf))) latest.set(`${row.country}/${row.adminCode}`, row);
  return [...latest.values()];
}

function drawDisplacement(rows) {
  const dates = [...new Set(rows.map((r) => r.asOf))].sort();
  const series = { displaced: [], returned: [], resettled: [] };
  const current = new Map();
  const sorted = [...rows].sort((a, b) => a.asOf.localeCompare(b.asOf));
  let i = 0;
  for (const day of dates) {
    while (i < sorted.length && sorted[i].asOf <= day) {
      current.set(`${sorted[i].country}/${sorted[i].adminCode}`, sorted[i]);
      i += 1;
    }
    for (const key of Object.keys(series)) {
      const values = [...current.values()].map((r) => r[key]);
      series[key].push(values.includes(null) ? null : values.reduce((a, b) => a + b, 0));
    }
  }
  chart("displacement-chart", {
    type: "line",
    data: {
      labels: dates.map(fmt.date),
      datasets: [
        { label: "Displaced", data: series.displaced, borderColor: palette.red, backgroundColor: palette.red },
        { label: "Returned", data: series.returned, borderColor: palette.teal, backgroundColor: palette.teal },
        { label: "Resettled", data: series.resettled, borderColor: palette.amber, backgroundColor: palette.amber },
      ],
    },
    options: {
      spanGaps: false,
      scales: { y: { beginAtZero: true, ticks: { callback: (v) => fmt.count(v) } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${fmt.people(c.raw)}` } } },
    },
  });
}

function drawIncidents(incidents) {
  const levels = ["MINIMAL", "LOW", "MODERATE", "SUBSTANTIAL", "HIGH", "EXTREME"];
  const colours = ["#9ca3af", "#6b9bd1", "#e0b000", "#e07b00", "#c2410c", "#7f1d1d"];
  const areas = [...new Set(incidents.map((i) => `${i.admin1} (${i.memberState})`))].sort();
  chart("incidents-chart", {
    type: "bar",
    data: {
      labels: areas,
      datasets: levels
        .map((level, n) => ({
          label: level[0] + level.slice(1).toLowerCase(),
          data: areas.map((area) => incidents.filter((i) => `${i.admin1} (${i.memberState})` === area && i.severity === level).length),
          backgroundColor: colours[n],
        }))
        .filter((d) => d.data.some((v) => v > 0)),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  });
  $("#incidents-note").textContent = incidents.length ? "" : "No open security incidents.";
}

function drawNeeds(requests) {
  const rows = requests.edges.map(({ node }) => {
    const tr = document.createElement("tr");
    tr.dataset.request = node.id;
    tr.append(
      td(node.title),
      td(fmt.stateName(node.memberState)),
      td(fmt.sectorName(node.sector)),
      td(`P${node.priority}`),
      td(fmt.date(node.neededBy)),
      td(`${fmt.number(node.gap)} ${node.unit}`, "num"),
    );
    return tr;
  });
  $("#needs-count").textContent = `${fmt.count(requests.totalCount)} unmet`;
  $("#needs-body").replaceChildren(...rows);
  $("#needs-empty").hidden = rows.length > 0;
}

// --- Small DOM and chart helpers.
function th(text, scope) {
  const cell = document.createElement("th");
  cell.scope = scope;
  cell.textContent = text;
  return cell;
}
function td(text, className) {
  const cell = document.createElement("td");
  cell.textContent = text;
  if (className) cell.className = className;
  return cell;
}
function caption(text) {
  const c = document.createElement("caption");
  c.textContent = text;
  return c;
}
function thead(row) {
  const t = document.createElement("thead");
  t.append(row);
  return t;
}
function tbody(rows) {
  const t = document.createElement("tbody");
  t.append(...rows);
  return t;
}
function money() {
  return { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${fmt.dollarsExact(c.parsed.x)}` } } };
}

function chart(id, config) {
  const existing = charts.get(id);
  if (existing) {
    existing.data = config.data;
    existing.options = withDefaults(config.options);
    existing.update();
    return;
  }
  charts.set(id, new Chart($(`#${id}`), { ...config, options: withDefaults(config.options) }));
}

function withDefaults(options) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    ...options,
    plugins: { legend: { position: "bottom" }, ...options?.plugins },
  };
}

// --- Start: sign in, load, then follow the log.
async function start(refusal) {
  token = readToken();
  if (!token) {
    askForToken(refusal);
    return;
  }
  $("#signin").hidden = true;
  $("#board").hidden = false;
  try {
    await loadCrises();
    await refresh();
  } catch (error) {
    failed(error);
    return;
  }
  stopFollowing?.();
  stopFollowing = follow("Changes", token, {
    onNext: scheduleRefresh,
    onStatus: (status, detail) => {
      const badge = $("#live");
      badge.dataset.status = status;
      badge.textContent = { live: "Live", connecting: "Connecting…", offline: "Offline" }[status];
      badge.title = detail ?? "";
    },
    onAuthError: () => askForToken("Your token was refused for live updates."),
  });
}

Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
Chart.defaults.color = "#374151";
start();
