// The current sign-in: the one module that knows where the token comes from, what it says and how
// it ends. In development the sign-in page mints the token; an OpenID Connect client (code flow with
// PKCE) takes this module's place in production, and the pages do not change.

const TOKEN_KEY = "concord.token"; // shared with the dashboard: one sign-in per browser tab
export const SIGN_IN_PATH = "/workbench/sign-in";

function claimsOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), "=")));
  } catch {
    return null;
  }
}

// The token of this tab, or null when there is none or it has expired.
export function currentToken() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const claims = token ? claimsOf(token) : null;
  if (!claims || (claims.exp && claims.exp * 1000 <= Date.now())) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
  return token;
}

// Who the token names, as its claims say (the API's `me` query is the authority).
export function principal() {
  const token = currentToken();
  const claims = token ? claimsOf(token) : null;
  if (!claims) return null;
  return {
    subject: claims.sub,
    role: String(claims.role ?? "").toUpperCase(),
    memberState: claims.member_state ?? null,
    organisationId: claims.org ?? null,
    expiresAt: claims.exp ? new Date(claims.exp * 1000) : null,
  };
}

export function signIn(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  location.assign(SIGN_IN_PATH);
}

// A path of this site to come back to after signing in; anything else is ignored.
export function returnPath(candidate) {
  return candidate && candidate.startsWith("/") && !candidate.startsWith("//") ? candidate : null;
}

// The token, or a trip to the sign-in page that comes back here.
export function requireSignIn() {
  const token = currentToken();
  if (!token) {
    const back = encodeURIComponent(location.pathname + location.search);
    location.replace(`${SIGN_IN_PATH}?next=${back}`);
  }
  return token;
}
