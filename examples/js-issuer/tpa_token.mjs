// tpa_token.mjs - coturn-tpa tokens in JavaScript, with Node.js built-ins
// only: JWK sets, the RFC 7635 self-contained token (AES-GCM profile), the
// browser profile's USERNAME and ice_server.  An independent second
// implementation of what lib/ does in C; tests check each against the
// other.
//
// Token (all integers big-endian):
//   u16 nonce_length (12) | nonce[12] |
//   AES-GCM(key = AS-RS key, nonce, AAD = STUN server name) of
//     ( u16 key_length (20 or 32) | mac_key | u64 timestamp | u32 lifetime )
//   | tag[16]
// timestamp: upper 48 bits Unix seconds, lower 16 bits 1/64000 s.
//
// Browser USERNAME, version 1: "tpa1." base64url(kid) "." base64url(token),
// unpadded; the credential is the mac_key in standard base64.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { parseStrictJson } from './strict_json.mjs';

export const NONCE_LEN = 12;
export const TAG_LEN = 16;
export const TOKEN_MIN = 64; // 20-byte mac_key
export const TOKEN_MAX = 76; // 32-byte mac_key
export const KID_MAX = 128;
export const KEYSET_MAX_BYTES = 1024 * 1024;
export const KEYSET_MAX_KEYS = 1024;
export const BROWSER_USERNAME_MAX = 279;
export const BROWSER_USERNAME_LIMIT = 509; // browsers refuse this many bytes

const ALG_KEY_LEN = {
  A128GCM: 16, A256GCM: 32, AEAD_AES_128_GCM: 16, AEAD_AES_256_GCM: 32,
};
const MAC_KEY_LEN = {
  'HMAC-SHA1': 20, 'HMAC-SHA-1': 20, 'HMAC-SHA256': 32, 'HMAC-SHA-256': 32, 'HMAC-SHA-256-128': 32,
};
const B64URL = /^[A-Za-z0-9_-]*$/;

// ---- base64 --------------------------------------------------------------

// Strict base64url: the URL alphabet, padding optional (but right if
// present), no non-zero trailing bits.
export function b64urlDecode(s) {
  const bare = s.replace(/={1,2}$/, '');
  const pad = s.length - bare.length;
  if (!B64URL.test(bare) || bare.length % 4 === 1) throw new Error('not base64url');
  if (pad > 0 && (bare.length + pad) % 4 !== 0) throw new Error('not base64url (padding)');
  const buf = Buffer.from(bare, 'base64url');
  if (buf.toString('base64url') !== bare) throw new Error('not base64url (trailing bits)');
  return buf;
}

export function b64urlEncode(buf) {
  return Buffer.from(buf).toString('base64url');
}

// ---- JWK sets -------------------------------------------------------------

function validKid(kid) {
  return typeof kid === 'string' && kid.length >= 1 && kid.length <= KID_MAX &&
    /^[\x21-\x7e]+$/.test(kid);
}

function keyError(i, kid, what) {
  const named = validKid(kid) ? ` (kid "${kid}")` : '';
  return new Error(`keys[${i}]${named}: ${what}`);
}

function optionalTime(jwk, name, i) {
  if (!(name in jwk)) return null;
  const v = jwk[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw keyError(i, jwk.kid, `${name} must be a non-negative integer`);
  }
  return v;
}

// One JWK of the set as {kid, k (Buffer), nbf, exp} (nbf/exp null if absent).
function parseKey(jwk, i) {
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) {
    throw new Error(`keys[${i}]: not an object`);
  }
  if (jwk.kty !== 'oct') throw keyError(i, jwk.kid, 'kty must be "oct"');
  if (!validKid(jwk.kid)) throw keyError(i, undefined, `kid must be 1 to ${KID_MAX} printable ASCII characters`);
  if ('use' in jwk && jwk.use !== 'enc') throw keyError(i, jwk.kid, 'use must be "enc"');
  const want = ALG_KEY_LEN[jwk.alg];
  if (typeof jwk.alg !== 'string' || !want) throw keyError(i, jwk.kid, 'alg must be A128GCM or A256GCM');
  if (typeof jwk.k !== 'string') throw keyError(i, jwk.kid, 'k must be a string');
  let k;
  try {
    k = b64urlDecode(jwk.k);
  } catch (e) {
    throw keyError(i, jwk.kid, `k is ${e.message}`);
  }
  if (k.length !== want) throw keyError(i, jwk.kid, `k is ${k.length} bytes, ${jwk.alg} needs ${want}`);
  const nbf = optionalTime(jwk, 'nbf', i);
  const exp = optionalTime(jwk, 'exp', i);
  if (nbf !== null && exp !== null && exp <= nbf) throw keyError(i, jwk.kid, 'exp must be after nbf');
  return { kid: jwk.kid, k, nbf, exp };
}

// Parses the JWK set in the bytes (or string) text.  Returns a Map from kid
// to key; throws an Error that says where on anything wrong (the whole set
// is refused).  Error messages never hold key material.
export function parseKeySet(text) {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  if (bytes.length > KEYSET_MAX_BYTES) throw new Error(`larger than ${KEYSET_MAX_BYTES} bytes`);
  const doc = parseStrictJson(bytes);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a JSON object');
  if (!Array.isArray(doc.keys)) throw new Error('"keys" must be an array');
  if (doc.keys.length === 0) throw new Error('"keys" is empty');
  if (doc.keys.length > KEYSET_MAX_KEYS) throw new Error(`more than ${KEYSET_MAX_KEYS} keys`);
  const keys = new Map();
  doc.keys.forEach((jwk, i) => {
    const key = parseKey(jwk, i);
    if (keys.has(key.kid)) throw keyError(i, key.kid, 'kid is used twice');
    keys.set(key.kid, key);
  });
  return keys;
}

export function loadKeySet(path) {
  try {
    return parseKeySet(readFileSync(path));
  } catch (e) {
    throw new Error(`${path}: ${e.message}`);
  }
}

// 'usable', 'not yet' or 'expired' at Unix time now.
export function keyUse(key, now) {
  if (key.nbf !== null && now < key.nbf) return 'not yet';
  if (key.exp !== null && now >= key.exp) return 'expired';
  return 'usable';
}

// ---- tokens ---------------------------------------------------------------

function cipherName(k) {
  if (k.length === 16) return 'aes-128-gcm';
  if (k.length === 32) return 'aes-256-gcm';
  throw new Error(`AS-RS key is ${k.length} bytes, not 16 or 32`);
}

// Seals {macKey, timestamp (Unix seconds), frac (1/64000 s, default 0),
// lifetime} with the AS-RS key k for serverName.  nonce: 12 bytes, or
// omitted for a fresh random one (always, but in tests: a repeated nonce
// under one key breaks AES-GCM).
export function encodeToken(k, serverName, { macKey, timestamp, frac = 0, lifetime, nonce }) {
  if (macKey.length !== 20 && macKey.length !== 32) throw new Error('mac_key must be 20 or 32 bytes');
  if (!Number.isInteger(lifetime) || lifetime < 0 || lifetime > 0xffffffff) throw new Error('bad lifetime');
  const iv = nonce ?? randomBytes(NONCE_LEN);
  const body = Buffer.alloc(2 + macKey.length + 8 + 4);
  body.writeUInt16BE(macKey.length, 0);
  macKey.copy(body, 2);
  body.writeBigUInt64BE((BigInt(timestamp) << 16n) | BigInt(frac & 0xffff), 2 + macKey.length);
  body.writeUInt32BE(lifetime, 2 + macKey.length + 8);
  const c = createCipheriv(cipherName(k), k, iv, { authTagLength: TAG_LEN });
  c.setAAD(Buffer.from(serverName, 'utf8'));
  const sealed = Buffer.concat([c.update(body), c.final()]);
  body.fill(0);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(NONCE_LEN, 0);
  return Buffer.concat([head, iv, sealed, c.getAuthTag()]);
}

// Opens a token; returns {macKey, timestamp (seconds), frac, lifetime} or
// throws an Error with the reason.  Every length is checked before use.
export function decodeToken(k, serverName, tok) {
  // the C decoder's order: nonce length first, then the total length
  if (tok.length < 2) throw new Error(`token is ${tok.length} bytes, too short`);
  const nonceLen = tok.readUInt16BE(0);
  if (nonceLen !== NONCE_LEN) throw new Error(`nonce length ${nonceLen}, expected 12`);
  if (tok.length > TOKEN_MAX) throw new Error(`token is ${tok.length} bytes, too long (at most ${TOKEN_MAX})`);
  if (tok.length < TOKEN_MIN) throw new Error(`token is ${tok.length} bytes, too short`);
  if (tok.length !== TOKEN_MIN && tok.length !== TOKEN_MAX) {
    throw new Error(`token is ${tok.length} bytes, expected ${TOKEN_MIN} or ${TOKEN_MAX} (truncated?)`);
  }
  const iv = tok.subarray(2, 2 + NONCE_LEN);
  const sealed = tok.subarray(2 + NONCE_LEN, tok.length - TAG_LEN);
  const d = createDecipheriv(cipherName(k), k, iv, { authTagLength: TAG_LEN });
  d.setAAD(Buffer.from(serverName, 'utf8'));
  d.setAuthTag(tok.subarray(tok.length - TAG_LEN));
  let body;
  try {
    body = Buffer.concat([d.update(sealed), d.final()]);
  } catch {
    throw new Error('authentication failed: wrong key, wrong server name, or tampered token');
  }
  const keyLen = body.readUInt16BE(0);
  if ((keyLen !== 20 && keyLen !== 32) || 2 + keyLen + 12 !== body.length) {
    body.fill(0);
    throw new Error(`mac key length ${keyLen}, expected ${body.length - 14}`);
  }
  const macKey = Buffer.from(body.subarray(2, 2 + keyLen));
  const ts = body.readBigUInt64BE(2 + keyLen);
  const lifetime = body.readUInt32BE(2 + keyLen + 8);
  body.fill(0);
  return { macKey, timestamp: Number(ts >> 16n), frac: Number(ts & 0xffffn), lifetime };
}

// Short token id for logs: the first 8 bytes of SHA-256, in hex.
export function tokenId(tok) {
  return createHash('sha256').update(tok).digest('hex').slice(0, 16);
}

// ---- the browser profile -------------------------------------------------

export function browserUsername(kid, tok) {
  if (!validKid(kid)) throw new Error('bad kid');
  return `tpa1.${b64urlEncode(Buffer.from(kid, 'latin1'))}.${b64urlEncode(tok)}`;
}

// {kid, token} of a version-1 USERNAME, null if it is not of the
// profile's form; throws for one of the form that is broken.
export function parseBrowserUsername(user) {
  const m = /^tpa([0-9]+)\./.exec(user);
  if (!m) return null;
  if (m[1] !== '1') throw new Error(`browser-profile version ${m[1]} is not supported`);
  if (user.length > BROWSER_USERNAME_MAX) throw new Error(`USERNAME is ${user.length} bytes, at most ${BROWSER_USERNAME_MAX}`);
  const parts = user.slice(5).split('.');
  if (parts.length < 2) throw new Error("no '.' between the kid and the token");
  if (parts.length > 2 || parts.some((p) => p === '' || p.includes('='))) throw new Error('not unpadded base64url');
  const kid = b64urlDecode(parts[0]).toString('latin1');
  if (!validKid(kid)) throw new Error(`kid is not 1 to ${KID_MAX} bytes of printable ASCII`);
  const token = b64urlDecode(parts[1]);
  if (token.length > TOKEN_MAX) throw new Error(`token is longer than ${TOKEN_MAX} bytes`);
  return { kid, token };
}

function parseUrls(urls, serverName) {
  const list = (urls ?? []).flatMap((u) => u.split(','));
  if (list.length === 0) return [`turn:${serverName}`];
  if (list.length > 16) throw new Error('at most 16 URLs');
  for (const u of list) {
    if (!/^turns?:[\x21-\x7e]+$/.test(u) || u.length > 256) throw new Error(`"${u}" is not a turn: or turns: URL`);
  }
  return list;
}

// Mints a token with the key kid of keys (a Map from loadKeySet) and
// returns what turn-token issue prints: the RFC 7635 section 4 response
// and the ice_server object.
export function issue(keys, { kid, serverName, lifetime = 3600, macAlg = 'HMAC-SHA1', timestamp, urls, now }) {
  const key = keys.get(kid);
  if (!key) throw new Error(`kid "${kid}" is not in the key set`);
  const at = now ?? Math.floor(Date.now() / 1000);
  const use = keyUse(key, at);
  if (use !== 'usable') throw new Error(`key "${kid}" is ${use === 'expired' ? 'expired' : 'not valid yet'}`);
  const macLen = MAC_KEY_LEN[macAlg];
  if (!macLen) throw new Error('mac alg must be HMAC-SHA1 or HMAC-SHA256');
  if (!serverName || Buffer.byteLength(serverName) > 255) throw new Error('server name must be 1 to 255 bytes');
  const macKey = randomBytes(macLen);
  const tok = encodeToken(key.k, serverName, { macKey, timestamp: timestamp ?? at, lifetime });
  const credential = macKey.toString('base64');
  macKey.fill(0);
  return {
    access_token: tok.toString('base64'),
    token_type: 'pop',
    expires_in: lifetime,
    kid,
    key: credential,
    // RFC 7635: a 32-byte mac_key is for HMAC-SHA-256-128, which RFC 8489
    // carries in MESSAGE-INTEGRITY-SHA256 truncated to 16 bytes
    alg: macLen === 20 ? 'HMAC-SHA-1' : 'HMAC-SHA-256-128',
    ice_server: { urls: parseUrls(urls, serverName), username: browserUsername(kid, tok), credential },
  };
}
