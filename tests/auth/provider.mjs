// A real OpenID provider for the single sign-on tests: oidc-provider on a free loopback port.
//
//   node tests/sso/provider.mjs '<json config>'
//
// config: { clientId, clientSecret, redirectUris: [...], postLogoutRedirectUris: [...],
//           accounts: { "<login>": { name, email, groups: [...] } } }
// Prints "READY <issuer>" on stdout once listening. Logging in uses oidc-provider's development
// interactions (any password; the login is the account id; unknown logins have no groups).
// Consent is granted automatically, as a municipality's IdP does for its own applications.
//
// Test hooks (loopback only, for the refusal tests):
//   POST /__test/tamper  {"claims": {...}, "key": "other"}  the next token response's ID token is
//       re-signed with these claims merged in (exp in the past, another aud or iss …) and, with
//       key "other", with a second key that has the same kid but is not the published one.
//   POST /__test/tamper  {"fail": true}  the next token request gets a 502 HTML page (a proxy
//       in front of a provider that is down).
import http from 'node:http';
import Provider from 'oidc-provider';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';

const config = JSON.parse(process.argv[2] || '{}');
const accounts = config.accounts || {};

async function signingKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { privateKey, jwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };
}

const published = await signingKey('test-key-1');
const other = await signingKey('test-key-1');
let tamper = null;

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.clientId,
      client_secret: config.clientSecret,
      redirect_uris: config.redirectUris,
      post_logout_redirect_uris: config.postLogoutRedirectUris || [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [published.jwk] },
  cookies: { keys: ['avtalskollen-test-cookie-key'] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'groups'],
    email: ['email'],
  },
  conformIdTokenClaims: false, // profile claims (groups) in the ID token, as Entra ID does
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const account = accounts[id] || { name: id, email: `${id}@example.invalid`, groups: [] };
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          name: account.name,
          email: account.email,
          preferred_username: id,
          groups: account.groups,
        };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email');
    await grant.save();
    return grant;
  },
});

provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/tamper' && ctx.method === 'POST') {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    tamper = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    ctx.status = 204;
    return;
  }
  if (ctx.path === '/token' && tamper && tamper.fail) {
    tamper = null;
    ctx.status = 502;
    ctx.type = 'text/html';
    ctx.body = '<h1>502 Bad Gateway</h1>';
    return;
  }
  await next();
  if (ctx.path === '/token' && tamper && ctx.body && ctx.body.id_token) {
    const [header, payload] = ctx.body.id_token.split('.');
    const claims = {
      ...JSON.parse(Buffer.from(payload, 'base64url')),
      ...(tamper.claims || {}),
    };
    const key = tamper.key === 'other' ? other.privateKey : published.privateKey;
    ctx.body.id_token = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader(JSON.parse(Buffer.from(header, 'base64url')))
      .sign(key);
    tamper = null;
  }
});

provider.on('server_error', (ctx, err) => console.error('server_error', err));
server.on('request', provider.callback());
console.log(`READY ${issuer}`);
