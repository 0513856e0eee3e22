// An admin area picked by name. The state's areas from OCHA's COD gazetteer (the AdminAreas query)
// become the input's suggestions, each P-code labelled "Lanao del Sur, Bangsamoro …"; a name
// typed in full becomes its P-code; a P-code of a finer level, in the state's own form, is taken
// as typed. The input keeps holding the P-code, which is what the form submits.

import { run } from "/static/graphql.js";

const lists = new Map(); // member state → its areas, asked once a page
const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").trim().toLowerCase();
const label = (area) => (area.parentName ? `${area.name}, ${area.parentName}` : area.name);

function areasOf(memberState, token) {
  if (!lists.has(memberState)) {
    const asked = run("AdminAreas", { memberState }, token).then(({ adminAreas }) => adminAreas);
    asked.catch(() => lists.delete(memberState)); // asked again by the next picker
    lists.set(memberState, asked);
  }
  return lists.get(memberState);
}

// Upgrades a P-code input for one state: `state` is the code list's entry (code, name,
// pcodePrefixes); `hint`, if given, says what to type. Resolves once the suggestions are in place.
export async function areaPicker(input, { state, token, hint = null }) {
  const picker = areaField(input, { token, hint });
  await picker.use(state);
  return picker;
}

// The same, for a form whose state can change: `use(state)` offers that state's areas (none, and
// no rule, for null).
export function areaField(input, { token, hint = null }) {
  const named = document.createElement("p");
  named.id = `${input.id}-area`;
  named.className = "area-name";
  named.setAttribute("aria-live", "polite");
  input.after(named);
  input.setAttribute("aria-describedby", `${named.id} ${input.getAttribute("aria-describedby") ?? ""}`.trim());
  const list = document.createElement("datalist");
  list.id = `${input.id}-areas`;
  input.after(list);

  let byCode = new Map();
  let byLabel = new Map();
  const say = () => {
    const code = input.value.trim().toUpperCase();
    const area = byCode.get(code);
    const within = area ? null : [...byCode.keys()].filter((c) => code.startsWith(c) && code !== c).sort((a, b) => b.length - a.length)[0];
    named.textContent = area
      ? `${label(area)} (admin-${area.level})`
      : within
        ? `An area within ${label(byCode.get(within))}`
        : "";
  };
  // What looks like a P-code (letters, then a digit) is upper-cased as typed; a name is left as typed.
  input.addEventListener("input", () => {
    if (/^[a-z]{2,3}[0-9]/i.test(input.value.trim()) && input.value !== input.value.toUpperCase()) {
      const [from, to] = [input.selectionStart, input.selectionEnd];
      input.value = input.value.toUpperCase();
      input.setSelectionRange(from, to);
    }
    say();
  });
  // A name typed in full (or a suggestion's label) becomes its area's P-code when the field is left.
  input.addEventListener("change", () => {
    const found = byLabel.get(fold(input.value));
    if (!found) return;
    input.value = found.code;
    input.dispatchEvent(new Event("input")); // the form re-checks the field as it now reads
  });
  input.form?.addEventListener("reset", () => setTimeout(say));

  let wanted = null;
  async function use(state) {
    wanted = state;
    byCode = new Map();
    byLabel = new Map();
    list.replaceChildren();
    input.removeAttribute("list");
    if (!state) {
      input.removeAttribute("pattern");
      say();
      return;
    }
    const prefixes = state.pcodePrefixes;
    const finer = `(${prefixes.join("|")})[0-9]{1,12}`;
    input.pattern = finer;
    input.dataset.patternMessage = `A P-code of ${state.name}: ${prefixes[0]} followed by digits.`;
    if (hint) hint.textContent = `A P-code of ${state.name} (OCHA COD), ${prefixes[0]} followed by digits.`;
    say();
    let areas;
    try {
      areas = await areasOf(state.code, token);
    } catch {
      return; // the P-code is typed as before
    }
    if (wanted !== state || !areas.length) return; // another state was chosen meanwhile, or none listed
    byCode = new Map(areas.map((area) => [area.code, area]));
    // A name alone stands for its area where no other area of the state bears it.
    const names = new Map();
    for (const area of areas) names.set(fold(area.name), names.has(fold(area.name)) ? null : area);
    byLabel = new Map([...names].filter(([, area]) => area));
    for (const area of areas) byLabel.set(fold(label(area)), area);
    list.replaceChildren(
      ...areas.map((area) => {
        const choice = document.createElement("option");
        choice.value = area.code;
        choice.textContent = label(area);
        return choice;
      }),
    );
    input.setAttribute("list", list.id);
    // Myanmar's districts carry a letter (MMR012D005): listed codes outside the digits-only form.
    const lettered = areas.map((area) => area.code).filter((code) => /^[A-Z0-9]+$/.test(code) && !new RegExp(`^${finer}$`).test(code));
    input.pattern = [finer, ...lettered].join("|");
    const prefix = prefixes.find((p) => areas[0].code.startsWith(p) && /^[0-9]/.test(areas[0].code.slice(p.length))) ?? prefixes[0];
    const example = areas.find((area) => area.level === 2) ?? areas[0];
    input.dataset.patternMessage =
      `A P-code of ${state.name}: pick the area by name from the list, or type its P-code (${prefix} followed by digits).`;
    if (hint) {
      hint.textContent = `Type the area's name and pick it from the list, e.g. ${example.name} (${example.code}); or type a P-code of ${state.name}.`;
    }
    say();
  }
  return { use };
}
