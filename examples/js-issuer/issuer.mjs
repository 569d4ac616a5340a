#!/usr/bin/env node
// issuer.mjs - a token issuer for coturn-tpa in JavaScript (Node.js
// built-ins only), reading the same JWK set as coturn and turn-token.
//
//   node issuer.mjs issue  --keys FILE --kid KID --server-name NAME
//                          [--lifetime S] [--mac-alg HMAC-SHA1|HMAC-SHA256]
//                          [--timestamp UNIX] [--urls URL[,URL]]...
//       prints what `turn-token issue` prints: the RFC 7635 response and
//       the browser profile's ice_server
//   node issuer.mjs decode --keys FILE --server-name NAME [--kid KID]
//                          [--show-key] TOKEN|USERNAME
//       opens a token (standard base64 or base64url, with --kid) or a
//       browser USERNAME (which names its kid) and prints what it carries
//   node issuer.mjs serve  --keys FILE --kid KID --server-name NAME
//                          --urls URL... [--port N] [--lifetime S]
//                          [--user NAME:PASSWORD]... [--web DIR]
//       serves on 127.0.0.1 the demo page and a token endpoint, the part
//       an eP-CSCF plays: the page logs in (POST /login), then asks for
//       an ice_server (POST /token)
//
// Exit status: 0 done, 1 the token is not valid (decode), 2 usage or key
// set error.

import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import { decodeToken, issue, keyUse, loadKeySet, parseBrowserUsername, tokenId } from './tpa_token.mjs';
import { serve } from './token_server.mjs';

const USAGE = `usage: issuer.mjs issue|decode|serve [options] (see the top of issuer.mjs)`;

const OPTIONS = {
  keys: { type: 'string' },
  kid: { type: 'string' },
  'server-name': { type: 'string' },
  lifetime: { type: 'string' },
  'mac-alg': { type: 'string' },
  timestamp: { type: 'string' },
  urls: { type: 'string', multiple: true },
  port: { type: 'string' },
  user: { type: 'string', multiple: true },
  web: { type: 'string' },
  'show-key': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

class UsageError extends Error {}

function need(values, ...names) {
  for (const n of names) if (values[n] === undefined) throw new UsageError(`--${n} is required`);
}

function integer(values, name, max, dflt) {
  const s = values[name];
  if (s === undefined) return dflt;
  if (!/^(0|[1-9][0-9]*)$/.test(s) || Number(s) > max) throw new UsageError(`--${name}: "${s}" is not 0 to ${max}`);
  return Number(s);
}

function issueOptions(values) {
  need(values, 'keys', 'kid', 'server-name');
  const lifetime = integer(values, 'lifetime', 0xffffffff, 3600);
  if (lifetime === 0) throw new UsageError('--lifetime must be at least 1 second');
  return {
    kid: values.kid,
    serverName: values['server-name'],
    lifetime,
    macAlg: values['mac-alg'] ?? 'HMAC-SHA1',
    timestamp: integer(values, 'timestamp', 2 ** 48 - 1, undefined),
    urls: values.urls,
  };
}

function runIssue(values) {
  const keys = loadKeySet(values.keys);
  process.stdout.write(`${JSON.stringify(issue(keys, issueOptions(values)), null, 2)}\n`);
  return 0;
}

function runDecode(values, positionals) {
  need(values, 'keys', 'server-name');
  if (positionals.length !== 1) throw new UsageError('decode takes one TOKEN or USERNAME');
  const keys = loadKeySet(values.keys);
  const arg = positionals[0].trim();
  let kid = values.kid;
  let tok;
  const user = parseBrowserUsername(arg); // throws for a broken one
  if (user) {
    kid = user.kid;
    tok = user.token;
  } else {
    if (kid === undefined) throw new UsageError('--kid is required for a token');
    tok = Buffer.from(arg.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  }
  const out = { token_id: tokenId(tok), kid };
  const key = keys.get(kid);
  try {
    if (!key) throw new Error(`unknown kid "${kid}"`);
    const t = decodeToken(key.k, values['server-name'], tok);
    const now = Math.floor(Date.now() / 1000);
    Object.assign(out, {
      mac_key_len: t.macKey.length,
      timestamp: t.timestamp,
      lifetime: t.lifetime,
      expiry: t.timestamp + t.lifetime,
      key_use: keyUse(key, now),
      verdict: now >= t.timestamp && now < t.timestamp + t.lifetime ? 'valid' : 'outside its time window',
    });
    if (values['show-key']) out.mac_key = t.macKey.toString('base64');
    t.macKey.fill(0);
  } catch (e) {
    out.verdict = `INVALID: ${e.message}`;
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return out.verdict === 'valid' ? 0 : 1;
}

async function runServe(values) {
  const opts = issueOptions(values);
  if (!values.urls) throw new UsageError('--urls is required');
  const users = new Map();
  for (const u of values.user ?? []) {
    const i = u.indexOf(':');
    if (i < 1) throw new UsageError('--user is NAME:PASSWORD');
    users.set(u.slice(0, i), u.slice(i + 1));
  }
  if (users.size === 0) {
    const pw = randomBytes(9).toString('base64url');
    users.set('demo', pw);
    process.stdout.write(`log in as demo, password ${pw}\n`);
  }
  const port = integer(values, 'port', 65535, 0);
  await serve({ keysPath: values.keys, issueOpts: opts, users, port, webDir: values.web });
  return 0;
}

async function main(argv) {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e.message);
  }
  const { values, positionals } = parsed;
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'issue') return runIssue(values);
  if (command === 'decode') return runDecode(values, positionals);
  if (command === 'serve') return runServe(values);
  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).then(
  (rc) => {
    if (rc !== 0) process.exitCode = rc;
  },
  (e) => {
    process.stderr.write(`issuer: ${e.message}\n`);
    process.exitCode = 2;
  },
);
