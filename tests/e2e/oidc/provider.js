// A real OpenID Connect provider (oidc-provider, from the npm registry) for the workbench's sign-in
// test: one public client with PKCE, a login form that checks each account's password, JWT access
// tokens for the resource "concord" that carry Concord's claims (role, member_state, org), refresh
// tokens for silent renewal, and RP-initiated logout.
//
//   node provider.js SETUP.json      (prints "listening <issuer>" once it serves)
//
// SETUP.json: {port, clientId, redirectUris, postLogoutRedirectUris, audience, scope,
//              accessTokenSeconds, accounts: {login: {password, claims: {role, member_state?, org?}}}}

import { generateKeyPairSync, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import Provider, { errors } from "oidc-provider";

const setup = JSON.parse(readFileSync(process.argv[2], "utf8"));
const issuer = `http://127.0.0.1:${setup.port}`;
const RESOURCE = "urn:concord:api";

const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function samePassword(given, expected) {
  const a = Buffer.from(String(given));
  const b = Buffer.from(String(expected));
  return a.length === b.length && timingSafeEqual(a, b);
}

async function formBody(req) {
  let text = "";
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: setup.clientId,
      client_name: "Concord workbench",
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      redirect_uris: setup.redirectUris,
      post_logout_redirect_uris: setup.postLogoutRedirectUris,
    },
  ],
  jwks: { keys: [{ ...key, kid: "concord-e2e", use: "sig", alg: "RS256" }] },
  cookies: { keys: [randomBytes(32).toString("hex")] },
  scopes: ["openid", "profile"],
  ttl: {
    AccessToken: setup.accessTokenSeconds,
    AuthorizationCode: 60,
    IdToken: 3600,
    Grant: 3600,
    Interaction: 600,
    RefreshToken: 3600,
    Session: 3600,
  },
  async findAccount(_ctx, id) {
    if (!Object.hasOwn(setup.accounts, id)) return undefined;
    return { accountId: id, claims: async () => ({ sub: id }) };
  },
  async extraTokenClaims(_ctx, token) {
    return token.kind === "AccessToken" ? setup.accounts[token.accountId]?.claims : undefined;
  },
  // Refresh tokens (rotated, as for every public client) renew the access token without a frame.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => RESOURCE,
      useGrantedResource: async () => true,
      async getResourceServerInfo(_ctx, resource) {
        if (resource !== RESOURCE) throw new errors.InvalidTarget();
        return {
          scope: setup.scope,
          audience: setup.audience,
          accessTokenFormat: "jwt",
          accessTokenTTL: setup.accessTokenSeconds,
          jwt: { sign: { alg: "RS256" } },
        };
      },
    },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page(
          "Sign out of the identity provider?",
          `${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`,
        );
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = "html";
    ctx.body = page("Sign-in error", `<p>${escape(out.error)}: ${escape(out.error_description ?? "")}</p>`);
  },
});

// The login form: the account's password is checked; the first-party client needs no consent page.
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([\w-]+)$/.exec(ctx.path);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  let problem = "";
  if (ctx.method === "POST") {
    const form = await formBody(ctx.req);
    const login = form.get("login") ?? "";
    const account = Object.hasOwn(setup.accounts, login) ? setup.accounts[login] : null;
    if (account && samePassword(form.get("password") ?? "", account.password)) {
      const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
      grant.addOIDCScope("openid profile");
      grant.addResourceScope(RESOURCE, setup.scope);
      const result = { login: { accountId: login }, consent: { grantId: await grant.save() } };
      ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
      return;
    }
    problem = '<p role="alert">Unknown user name or wrong password.</p>';
  }
  ctx.type = "html";
  ctx.body = page(
    "Sign in to the organisation",
    `${problem}<form method="post" action="/interaction/${details.uid}">
<p><label for="login">User name</label> <input id="login" name="login" autocomplete="username" required></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p></form>`,
  );
});

provider.listen(setup.port, "127.0.0.1", () => console.log(`listening ${issuer}`));
