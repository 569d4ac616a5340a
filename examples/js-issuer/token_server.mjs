// token_server.mjs - the demo's web server on 127.0.0.1: the page (from
// examples/web) and a token endpoint, the role the eP-CSCF plays for an
// IMS WebRTC client.  The page logs in first (POST /login with
// {"user", "password"}: a session cookie); then each POST /token answers
// {"ice_server": {...}, "expires_in": N} with a fresh token.  Logs name a
// token by its id only.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { issue, loadKeySet, parseBrowserUsername, tokenId } from './tpa_token.mjs';

const SESSION_SECONDS = 3600;
const SESSIONS_MAX = 10000; // logins kept at once; the oldest go first
const BODY_MAX = 4096;
const PAGES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/call.js': ['call.js', 'text/javascript; charset=utf-8'],
  '/demo.js': ['demo.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
};
const HEADERS = {
  'Content-Security-Policy': "default-src 'self'; connect-src 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

function log(msg) {
  process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
}

function sameSecret(a, b) {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

function send(res, status, type, body, extra = {}) {
  res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store', ...extra });
  res.end(body);
}

function sendJson(res, status, obj, extra) {
  send(res, status, 'application/json', `${JSON.stringify(obj)}\n`, extra);
}

// The request body as JSON, at most BODY_MAX bytes; null if it is not.
function readJson(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > BODY_MAX) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(null);
      }
    });
    req.on('error', () => resolve(null));
  });
}

function sessionOf(req, sessions) {
  const m = /(?:^|;\s*)tpa_session=([0-9a-f]{64})(?:;|$)/.exec(req.headers.cookie ?? '');
  const s = m && sessions.get(m[1]);
  if (!s || s.until < Date.now()) return null;
  return s;
}

// Starts the server; resolves once it listens.  Prints "listening on URL".
export function serve({ keysPath, issueOpts, users, port, webDir }) {
  const web = webDir ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
  const sessions = new Map();
  const keys = loadKeySet(keysPath); // a broken set stops the server here

  async function handle(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'GET' && PAGES[url.pathname]) {
      const [file, type] = PAGES[url.pathname];
      send(res, 200, type, readFileSync(join(web, file)));
      return;
    }
    if (req.method !== 'POST' || !['/login', '/token'].includes(url.pathname)) {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    // JSON only: a cross-site form cannot post it without a preflight
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
      sendJson(res, 415, { error: 'send application/json' });
      return;
    }
    const body = await readJson(req);
    if (url.pathname === '/login') {
      const pw = body && typeof body.user === 'string' && users.get(body.user);
      if (!pw || typeof body.password !== 'string' || !sameSecret(body.password, pw)) {
        log(`login refused for ${JSON.stringify(String(body?.user ?? '').slice(0, 32))}`);
        sendJson(res, 401, { error: 'wrong user or password' });
        return;
      }
      const id = randomBytes(32).toString('hex');
      for (const [old, sess] of sessions) {
        if (sess.until < Date.now() || sessions.size >= SESSIONS_MAX) sessions.delete(old);
        else break; // in login order: the rest are younger
      }
      sessions.set(id, { user: body.user, until: Date.now() + SESSION_SECONDS * 1000 });
      log(`login ${body.user}`);
      sendJson(res, 200, { user: body.user }, {
        'Set-Cookie': `tpa_session=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_SECONDS}`,
      });
      return;
    }
    const session = sessionOf(req, sessions);
    if (!session) {
      sendJson(res, 401, { error: 'log in first' });
      return;
    }
    const r = issue(keys, issueOpts);
    log(`token ${tokenId(parseBrowserUsername(r.ice_server.username).token)} (kid ${r.kid}, ${r.expires_in} s) for ${session.user}`);
    sendJson(res, 200, { ice_server: r.ice_server, expires_in: r.expires_in });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      log(`error: ${e.message}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      log(`listening on http://127.0.0.1:${server.address().port}/`);
      resolve(server);
    });
  });
}
