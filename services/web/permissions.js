// What the signed-in principal may do, as the API's access policy says (`me.permissions`, read by
// the header): a page offers a command only where `may` says so, and the server decides again.

// Whether `me` may use `command` (a mutation's name): at all, or on an object belonging to any of
// `owners` ({ memberState, organisationId } of each party, or { mine } for what the caller made).
export function may(me, command, ...owners) {
  const scope = me?.permissions?.find((granted) => granted.operation === `mutation.${command}`)?.scope;
  if (!scope) return false;
  if (scope === "ANY" || owners.length === 0) return true;
  return owners.some((owner) => {
    if (scope === "OWN_STATE") return Boolean(owner.memberState) && owner.memberState === me.memberState;
    if (scope === "OWN_ORGANISATION") return Boolean(owner.organisationId) && owner.organisationId === me.organisationId;
    if (scope === "OWN") return owner.mine === true;
    return false;
  });
}
