// A bank identity provider for the single sign-on browser tests: OpenID Connect on 127.0.0.1, on a port
// the system picks, with one client (ChequeCloud) and the provider's own sign-in and consent pages.
//
// Usage: node provider.js '<json>' where the JSON names the client and the people who may sign in:
//   {"client_id": "...", "client_secret": "...", "redirect_uri": "http://.../callback/",
//    "accounts": {"ada@bank.test": {"email": "ada@bank.test", "email_verified": true, "name": "Ada"}}}
// Anyone else who signs in gets their login as a verified email address. Once listening, the provider
// prints one JSON line: {"issuer": "http://127.0.0.1:<port>"}.
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] || '{}');
const accounts = config.accounts || {};

function claimsOf(login) {
  return { sub: login, ...(accounts[login] || { email: login, email_verified: true }) };
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: config.client_id,
        client_secret: config.client_secret,
        redirect_uris: [config.redirect_uri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
    },
    async findAccount(ctx, id) {
      return { accountId: id, async claims() { return claimsOf(id); } };
    },
    cookies: { keys: ['identity-provider-for-tests-only'] },
    features: { devInteractions: { enabled: true } },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

// The test ends the provider by closing its input or by a signal.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
