// gen_browser_seeds.mjs: writes fuzz_browser's seeds (control byte + an
// Allocate as a browser sends it in the browser profile), made with the
// JavaScript issuer's library, so that the C decision starts from requests
// of the other implementation.  Run once by hand; the output is committed.
// Deterministic: fixed keys (fuzz_common.h), nonces and transaction ids.
//
//   node tests/fuzz/gen_browser_seeds.mjs tests/fuzz/corpus/fuzz_browser

import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { browserUsername, encodeToken } from '../../examples/js-issuer/tpa_token.mjs';

const out = process.argv[2];
const K16 = Buffer.from([...Array(16).keys()]);
const K32 = Buffer.from([...Array(32).keys()]);
const SERVER = 'turn.example.org';
const REALM = 'example.org';
const T = 1800000000; // the harness's "now" for control bits 4-5 = 0

function attr(type, value) {
  const pad = (4 - (value.length % 4)) % 4;
  const h = Buffer.alloc(4);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(value.length, 2);
  return Buffer.concat([h, value, Buffer.alloc(pad)]);
}

// An Allocate with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY under
// MD5(user ":" REALM ":" password).
function allocate(user, password, tid) {
  const attrs = Buffer.concat([
    attr(0x0019, Buffer.from([17, 0, 0, 0])),
    attr(0x0006, Buffer.from(user, 'latin1')),
    attr(0x0014, Buffer.from(REALM)),
    attr(0x0015, Buffer.from('0123456789abcdef')),
  ]);
  const head = Buffer.alloc(20);
  head.writeUInt16BE(0x0003, 0);
  head.writeUInt16BE(attrs.length + 24, 2);
  head.writeUInt32BE(0x2112a442, 4);
  Buffer.from(tid).copy(head, 8);
  const key = createHash('md5').update(`${user}:${REALM}:${password}`).digest();
  const mac = createHmac('sha1', key).update(Buffer.concat([head, attrs])).digest();
  return Buffer.concat([head, attrs, attr(0x0008, mac)]);
}

function seed(name, control, { kid, k, macLen, ts = T - 10, lifetime = 600, password, user }) {
  const macKey = Buffer.alloc(macLen, 0x5a);
  const tok = encodeToken(k, SERVER, { macKey, timestamp: ts, lifetime, nonce: Buffer.alloc(12, 7) });
  const u = user ?? browserUsername(kid, tok);
  const msg = allocate(u, password ?? macKey.toString('base64'), Buffer.alloc(12, name.length));
  writeFileSync(join(out, name), Buffer.concat([Buffer.from([control]), msg]));
}

mkdirSync(out, { recursive: true });
seed('accept-k32-mac20', 0, { kid: 'k32', k: K32, macLen: 20 });
seed('accept-k16-mac32', 0, { kid: 'k16', k: K16, macLen: 32 });
seed('wrong-credential', 0, { kid: 'k32', k: K32, macLen: 20, password: 'c2VjcmV0IHBhc3N3b3JkIQ==' });
seed('expired', 0, { kid: 'k32', k: K32, macLen: 20, ts: T - 7200 });
seed('unknown-kid', 0, { kid: 'nokey', k: K32, macLen: 20 });
seed('bad-version', 0, { kid: 'k32', k: K32, macLen: 20, user: 'tpa2.azMy.AAAA' });
seed('plain-user', 0, { kid: 'k32', k: K32, macLen: 20, user: 'alice' });
