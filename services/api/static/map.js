// The dashboard's map: coverage of needs by member state, and safe havens as points with their
// occupancy, drawn as SVG from Natural Earth's boundaries (world-atlas, vendored; no tile server).
// A haven is a point only where the API gives its location: those without need-to-know get none.

import * as fmt from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 800;
const HEIGHT = 620;
const PAD = 12;
// ISO 3166-1 numeric codes, the ids of world-atlas's countries.
const MEMBERS = {
  BRN: "096", KHM: "116", IDN: "360", LAO: "418", MYS: "458", MMR: "104",
  PHL: "608", SGP: "702", THA: "764", VNM: "704", TLS: "626",
};
// Neighbours drawn as context, not shaded.
const NEIGHBOURS = ["156", "356", "050", "064", "524", "598", "036", "158", "585"];
// A state whose outline covers fewer square pixels than this also gets a marker (Singapore).
const SMALL_AREA = 60;
const MARKER_RADIUS = 6;

const $ = (selector) => document.querySelector(selector);
let atlas = null;

// The outlines, projected once: the viewBox is fixed, so paths and the projection are too.
export function loadAtlas() {
  atlas ??= fetch("/static/countries-50m.topojson")
    .then((response) => {
      if (!response.ok) throw new Error(`the map's boundaries did not load (${response.status})`);
      return response.json();
    })
    .then(project);
  return atlas;
}

function project(topology) {
  const wanted = new Set([...Object.values(MEMBERS), ...NEIGHBOURS]);
  const countries = topojson.feature(topology, {
    type: "GeometryCollection",
    geometries: topology.objects.countries.geometries.filter((g) => wanted.has(g.id)),
  }).features;
  const byId = new Map(countries.map((feature) => [feature.id, feature]));
  const members = Object.entries(MEMBERS).map(([state, id]) => ({ state, feature: byId.get(id) }));
  const projection = d3
    .geoMercator()
    .fitExtent([[PAD, PAD], [WIDTH - PAD, HEIGHT - PAD]], { type: "FeatureCollection", features: members.map((m) => m.feature) })
    .clipExtent([[0, 0], [WIDTH, HEIGHT]]);
  const path = d3.geoPath(projection);
  return {
    projection,
    context: countries.filter((f) => NEIGHBOURS.includes(f.id)).map((f) => path(f)).filter(Boolean),
    members: members.map(({ state, feature }) => ({
      state,
      d: path(feature),
      small: path.area(feature) < SMALL_AREA,
      centroid: path.centroid(feature),
    })),
  };
}

// The share of requested quantities committed, in the dashboard's five bands (as its heat table).
function band(row) {
  if (!row || !row.requests) return "none";
  const requested = Number(row.requested);
  const share = requested ? Number(row.committed) / requested : 1;
  return String(Math.min(4, Math.floor(share * 4)));
}

function coverageWords(state, row) {
  if (!row || !row.requests) return `${fmt.stateName(state)}: no needs posted`;
  const requested = Number(row.requested);
  const share = fmt.share(requested ? Number(row.committed) / requested : 1);
  return `${fmt.stateName(state)}: ${fmt.plural(row.requests, "need")}, ${share} committed, gap ${fmt.number(row.gap)}`;
}

function havenWords(haven) {
  return `${haven.name} (${fmt.stateName(haven.memberState)}): ${fmt.people(haven.occupancy)} sheltered of ${fmt.count(haven.capacity)}, ${haven.status.toLowerCase()}`;
}

function element(name, attributes, label) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (label) {
    node.setAttribute("role", "img");
    node.setAttribute("aria-label", label);
    const title = document.createElementNS(SVG, "title");
    title.textContent = label;
    node.append(title);
  }
  return node;
}

export function drawMap({ projection, context, members }, coverage, havens) {
  const byState = new Map(coverage.map((row) => [row.memberState, row]));
  $("#map-context").replaceChildren(...context.map((d) => element("path", { d, class: "context" })));
  $("#map-states").replaceChildren(
    ...members.map(({ state, d, small, centroid }) => {
      const words = coverageWords(state, byState.get(state));
      const group = element("g", { class: `state coverage-${band(byState.get(state))}`, "data-state": state }, words);
      group.append(element("path", { d }));
      if (small) group.append(element("circle", { cx: centroid[0], cy: centroid[1], r: MARKER_RADIUS, class: "marker" }));
      return group;
    }),
  );
  const placed = havens.filter((h) => h.location);
  const largest = Math.max(1, ...placed.map((h) => h.capacity));
  $("#map-havens").replaceChildren(
    ...placed
      .sort((a, b) => b.capacity - a.capacity)
      .map((haven) => {
        const [x, y] = projection([Number(haven.location.longitude), Number(haven.location.latitude)]);
        const full = haven.available === 0 ? " haven-full" : "";
        return element(
          "circle",
          {
            cx: x.toFixed(1), cy: y.toFixed(1), r: (4 + 8 * Math.sqrt(haven.capacity / largest)).toFixed(1),
            class: `haven haven-${haven.status.toLowerCase()}${full}`, "data-haven": haven.id,
          },
          havenWords(haven),
        );
      }),
  );
  const withheld = havens.length - placed.length;
  $("#map-note").textContent = withheld
    ? `${fmt.plural(withheld, "safe haven")} not on the map: exact locations are for the host state and the secretariat.`
    : "";
  drawTables(byState, havens);
}

function drawTables(byState, havens) {
  $("#map-coverage-body").replaceChildren(
    ...Object.keys(MEMBERS)
      .sort((a, b) => fmt.stateName(a).localeCompare(fmt.stateName(b)))
      .map((state) => {
        const row = byState.get(state);
        const requested = row ? Number(row.requested) : 0;
        return tr(
          [fmt.stateName(state), "th"],
          [fmt.count(row?.requests ?? 0), "num"],
          [row ? fmt.number(row.requested) : "–", "num"],
          [row ? fmt.number(row.committed) : "–", "num"],
          [row?.requests ? fmt.share(requested ? Number(row.committed) / requested : 1) : "–", "num"],
          [row ? fmt.number(row.gap) : "–", "num"],
        );
      }),
  );
  $("#map-havens-body").replaceChildren(
    ...[...havens]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((haven) =>
        tr(
          [haven.name, "th"],
          [fmt.stateName(haven.memberState)],
          [fmt.people(haven.occupancy), "num"],
          [fmt.count(haven.capacity), "num"],
          [haven.status.toLowerCase()],
          [haven.location ? `${Number(haven.location.latitude)}, ${Number(haven.location.longitude)}` : "withheld"],
        ),
      ),
  );
}

function tr(...cells) {
  const row = document.createElement("tr");
  for (const [text, kind] of cells) {
    const cell = document.createElement(kind === "th" ? "th" : "td");
    if (kind === "th") cell.scope = "row";
    else if (kind) cell.className = kind;
    cell.textContent = text;
    row.append(cell);
  }
  return row;
}
