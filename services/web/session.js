// The current sign-in: the one module that knows where the token comes from, what it says and how
// it ends. With an OpenID Connect provider configured (/workbench/config.json), oidc-client-ts signs
// in with the authorization code flow and PKCE, renews the access token with the refresh token
// before it expires, and signs out at the provider; on a development server the sign-in page mints
// the token. Either way the access token is kept under one key of this tab's storage, and the pages
// do not change. The dashboard (/) imports this module too, so that its token is renewed alike.

const TOKEN_KEY = "concord.token"; // shared with the dashboard: one sign-in per browser tab
export const SIGN_IN_PATH = "/workbench/sign-in";
const SIGNED_IN_PATH = "/workbench/signed-in";
const SIGNED_OUT_PATH = "/workbench/signed-out";
const CLIENT_LIBRARY = "/workbench/vendor/oidc-client-ts.min.js";

function claimsOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), "=")));
  } catch {
    return null;
  }
}

// The library's browser build defines the global `oidc`; it is loaded only where it is used.
function loadClientLibrary() {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = CLIENT_LIBRARY;
    script.addEventListener("load", () => resolve(globalThis.oidc));
    script.addEventListener("error", () => reject(new Error("the sign-in library did not load")));
    document.head.append(script);
  });
}

function keep(user) {
  if (user?.access_token && !user.expired) sessionStorage.setItem(TOKEN_KEY, user.access_token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

async function openIdClient({ issuer, clientId, scopes }) {
  const { UserManager } = await loadClientLibrary();
  const manager = new UserManager({
    authority: issuer,
    client_id: clientId,
    scope: scopes,
    redirect_uri: new URL(SIGNED_IN_PATH, location.origin).href,
    post_logout_redirect_uri: new URL(SIGNED_OUT_PATH, location.origin).href,
    automaticSilentRenew: true,
  });
  manager.events.addUserLoaded(keep);
  manager.events.addUserUnloaded(() => sessionStorage.removeItem(TOKEN_KEY));
  // Reading the stored user arms the renewal before expiry; one that expired while no page of this
  // tab was open is renewed now, or forgotten.
  const user = await manager.getUser();
  if (user?.expired) {
    await manager.signinSilent().catch(() => manager.removeUser());
  } else {
    keep(user);
  }
  return manager;
}

const config = await fetch("/workbench/config.json").then((response) => response.json());
const provider = config.signIn === "openid" ? await openIdClient(config) : null;

// How this server signs in: "openid" (at the provider), "development" (the sign-in page) or null.
export const signInKind = config.signIn ?? null;

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

// What a page keeps and sends: it reads, as a string, as the tab's current token, so a token
// renewed after the page started is the one its later requests carry.
export const credential = Object.freeze({ toString: () => currentToken() ?? "" });

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

// Forgets the tab's token here only (a refused one, say); signOut also ends the provider's session.
export function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// Back from the provider with the code: exchanges it (with the PKCE verifier) for the tokens, and
// resolves to the page to go back to.
export async function completeSignIn() {
  if (!provider) throw new Error("this server signs in with no OpenID Connect provider");
  const user = await provider.signinRedirectCallback();
  keep(user);
  return returnPath(user.state?.next) ?? "/workbench/";
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  if (provider) {
    provider.signoutRedirect().catch(() => location.assign(SIGNED_OUT_PATH));
  } else {
    location.assign(SIGN_IN_PATH);
  }
}

// A path of this site to come back to after signing in; anything else is ignored.
export function returnPath(candidate) {
  return candidate && candidate.startsWith("/") && !candidate.startsWith("//") ? candidate : null;
}

// The tab's credential, or null and a trip to sign in that comes back here.
export function requireSignIn() {
  if (currentToken()) return credential;
  const next = location.pathname + location.search;
  if (provider) {
    provider.signinRedirect({ state: { next } });
  } else if (config.signIn === "development") {
    location.replace(`${SIGN_IN_PATH}?next=${encodeURIComponent(next)}`);
  } else {
    throw new Error("this server offers the workbench no sign-in (CONCORD_AUTH_CLIENT_ID is unset)");
  }
  return null;
}
