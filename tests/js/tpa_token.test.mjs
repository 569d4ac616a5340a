// Unit tests of the JavaScript issuer's token library
// (examples/js-issuer/tpa_token.mjs), against the C side's test data:
// coturn's own tokens (tests/data/oauth_vectors.txt, made by
// turnutils_oauth), the key-set cases of tests/data/keysets and the
// browser-username cases of tests/data/browser-usernames.
//
//   node --test --test-reporter=tap tests/js/

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  BROWSER_USERNAME_LIMIT, BROWSER_USERNAME_MAX, browserUsername, decodeToken, encodeToken, issue,
  parseBrowserUsername, parseKeySet, tokenId,
} from '../../examples/js-issuer/tpa_token.mjs';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '..', 'data');
const cases = (dir) => readdirSync(join(DATA, dir)).map((name) => [name, join(DATA, dir, name)]);

function vectors() {
  return readFileSync(join(DATA, 'oauth_vectors.txt'), 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [name, , k, server, mac, nonce, ts, lifetime, token] = l.split(' ');
      return { name, k: Buffer.from(k, 'base64'), server, mac: Buffer.from(mac, 'base64'),
        nonce: Buffer.from(nonce, 'base64'), ts: BigInt(ts), lifetime: Number(lifetime),
        token: Buffer.from(token, 'base64') };
    });
}

test('coturn-made tokens (turnutils_oauth) decode to their fields', () => {
  const vs = vectors();
  assert.ok(vs.length >= 4);
  for (const v of vs) {
    const t = decodeToken(v.k, v.server, v.token);
    assert.deepEqual(t.macKey, v.mac, v.name);
    assert.equal((BigInt(t.timestamp) << 16n) | BigInt(t.frac), v.ts, v.name);
    assert.equal(t.lifetime, v.lifetime, v.name);
  }
});

test('encoding with the same nonce gives coturn\'s very bytes', () => {
  for (const v of vectors()) {
    const tok = encodeToken(v.k, v.server, {
      macKey: v.mac, timestamp: Number(v.ts >> 16n), frac: Number(v.ts & 0xffffn),
      lifetime: v.lifetime, nonce: v.nonce,
    });
    assert.deepEqual(tok, v.token, v.name);
  }
});

test('a wrong server name, a flipped bit or a wrong length is refused', () => {
  const [v] = vectors();
  assert.throws(() => decodeToken(v.k, 'other.example.org', v.token), /authentication failed/);
  for (const at of [0, 2, 20, v.token.length - 1]) {
    const t = Buffer.from(v.token);
    t[at] ^= 0x01;
    assert.throws(() => decodeToken(v.k, v.server, t), /authentication failed|nonce length/, `bit at ${at}`);
  }
  assert.throws(() => decodeToken(v.k, v.server, v.token.subarray(0, 50)), /50 bytes, too short/);
  const w = vectors().find((x) => x.token.length === 76);
  assert.throws(() => decodeToken(w.k, w.server, w.token.subarray(0, 70)), /70 bytes, expected 64 or 76/);
  assert.throws(() => decodeToken(v.k, v.server, Buffer.concat([v.token, Buffer.alloc(13)])), /77 bytes, too long/);
});

test('every key set the C loader accepts loads', () => {
  const good = cases('keysets/good');
  assert.ok(good.length >= 10);
  for (const [name, dir] of good) {
    assert.doesNotThrow(() => parseKeySet(readFileSync(join(dir, 'input'))), name);
  }
});

test('every key set the C loader refuses is refused', () => {
  const bad = cases('keysets/bad');
  assert.ok(bad.length >= 50);
  for (const [name, dir] of bad) {
    assert.throws(() => parseKeySet(readFileSync(join(dir, 'input'))), Error, name);
  }
});

test('browser usernames: the C parser\'s cases', () => {
  for (const [name, dir] of cases('browser-usernames/good')) {
    const input = readFileSync(join(dir, 'input'), 'latin1');
    const want = Object.fromEntries(readFileSync(join(dir, 'expect'), 'latin1').trim().split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const u = parseBrowserUsername(input);
    assert.equal(u.kid, want.kid, name);
    assert.equal(u.token.toString('hex'), want.token, name);
    assert.equal(browserUsername(u.kid, u.token), input, name);
  }
  for (const [name, dir] of cases('browser-usernames/bad')) {
    assert.throws(() => parseBrowserUsername(readFileSync(join(dir, 'input'), 'latin1')), Error, name);
  }
  for (const [name, dir] of cases('browser-usernames/not-profile')) {
    assert.equal(parseBrowserUsername(readFileSync(join(dir, 'input'), 'latin1')), null, name);
  }
});

test('issue: the response and its ice_server', () => {
  const keys = parseKeySet(JSON.stringify({ keys: [
    { kty: 'oct', kid: 'a', alg: 'A256GCM', k: Buffer.alloc(32, 7).toString('base64url') },
    { kty: 'oct', kid: 'k'.repeat(128), alg: 'A128GCM', k: Buffer.alloc(16, 9).toString('base64url') },
    { kty: 'oct', kid: 'gone', alg: 'A128GCM', k: Buffer.alloc(16, 9).toString('base64url'), exp: 1000 },
  ] }));
  const r = issue(keys, { kid: 'a', serverName: 'turn.example.org', lifetime: 600, urls: ['turn:h:1?transport=udp,turn:h:1?transport=tcp', 'turns:h:2'] });
  assert.deepEqual(Object.keys(r), ['access_token', 'token_type', 'expires_in', 'kid', 'key', 'alg', 'ice_server']);
  assert.equal(r.ice_server.credential, r.key);
  assert.deepEqual(r.ice_server.urls, ['turn:h:1?transport=udp', 'turn:h:1?transport=tcp', 'turns:h:2']);
  const u = parseBrowserUsername(r.ice_server.username);
  assert.equal(u.kid, 'a');
  assert.deepEqual(u.token, Buffer.from(r.access_token, 'base64'));
  const t = decodeToken(keys.get('a').k, 'turn.example.org', u.token);
  assert.equal(t.macKey.toString('base64'), r.key);
  assert.equal(t.lifetime, 600);
  assert.equal(tokenId(u.token).length, 16);
  assert.deepEqual(issue(keys, { kid: 'a', serverName: 's' }).ice_server.urls, ['turn:s']);
  for (const mac of ['HMAC-SHA1', 'HMAC-SHA256']) {
    const long = issue(keys, { kid: 'k'.repeat(128), serverName: 's', macAlg: mac });
    assert.ok(long.ice_server.username.length <= BROWSER_USERNAME_MAX);
    assert.ok(long.ice_server.username.length < BROWSER_USERNAME_LIMIT);
  }
  assert.throws(() => issue(keys, { kid: 'gone', serverName: 's' }), /expired/);
  assert.throws(() => issue(keys, { kid: 'nope', serverName: 's' }), /not in the key set/);
  assert.throws(() => issue(keys, { kid: 'a', serverName: 's', urls: ['stun:h'] }), /not a turn/);
  assert.throws(() => issue(keys, { kid: 'a', serverName: 's', macAlg: 'MD5' }), /mac alg/);
});
