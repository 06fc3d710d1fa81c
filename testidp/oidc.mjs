// A real OpenID Connect provider (oidc-provider, OpenID Certified) for the tests, on loopback only.
//
//   node testidp/oidc.mjs CONFIG_JSON
//
// CONFIG_JSON: {"port": 0, "clients": [{client_id, client_secret, redirect_uris}], "accounts": {login: claims}}
// It prints "READY <issuer>" once it listens. Its sign-in page asks a login name (one of `accounts`) and whether
// to assert a second factor (the `amr` claim then says ["pwd", "mfa"], else ["pwd"]). Consent is implied.
import http from "node:http";
import { URLSearchParams } from "node:url";
import Provider from "oidc-provider";

const config = JSON.parse(process.argv[2]);
const accounts = config.accounts;
const server = http.createServer();

await new Promise((resolve) => server.listen(config.port || 0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: config.clients.map((c) => ({
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_post",
    ...c,
  })),
  claims: {
    acr: null, auth_time: null, sid: null, iss: null,
    openid: ["sub", "amr"], // the ID token says how the person signed in (RFC 8176)
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name"],
    groups: ["groups", "department"],
  },
  scopes: ["openid", "email", "profile", "groups"],
  conformIdTokenClaims: false, // the ID token carries the claims too (the tests read both ways)
  pkce: { required: () => false },
  features: { devInteractions: { enabled: false } },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email profile groups");
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.proxy = false;

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const callback = provider.callback();

server.on("request", async (req, res) => {
  const match = req.url.match(/^\/interaction\/([\w-]+)$/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "GET") {
      res.setHeader("content-type", "text/html; charset=utf-8");
      return res.end(`<!doctype html><title>Test IdP</title><h1>Test identity provider</h1>
        <form method="post" action="/interaction/${escape(details.uid)}">
          <label>Login <input name="login" autofocus></label>
          <label><input type="checkbox" name="mfa" value="1"> Second factor used</label>
          <button type="submit">Sign in at the IdP</button></form>`);
    }
    let body = "";
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const login = form.get("login");
    if (!accounts[login]) {
      return provider.interactionFinished(req, res, { error: "access_denied", error_description: "unknown login" });
    }
    const amr = form.get("mfa") ? ["pwd", "mfa"] : ["pwd"];
    return provider.interactionFinished(req, res, { login: { accountId: login, amr } }, { mergeWithLastSubmission: false });
  } catch (err) {
    res.statusCode = 400;
    res.end(String(err));
  }
});

console.log(`READY ${issuer}`);
