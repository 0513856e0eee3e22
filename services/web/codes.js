// The code lists the forms offer (member states with their P-code prefixes, sectors), as the
// server's domain defines them.

let lists = null;

export async function codeLists() {
  if (!lists) {
    const response = await fetch("/workbench/codes.json");
    if (!response.ok) throw new Error(`code lists unavailable (${response.status})`);
    const body = await response.json();
    lists = {
      states: new Map(body.memberStates.map((state) => [state.code, state])),
      sectors: new Map(body.sectors.map((sector) => [sector.code, sector])),
    };
  }
  return lists;
}

export function option(value, label) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = label;
  return element;
}
