// demo.js - the demo page: log in, get an ice_server from the token
// endpoint, run a relay-only call (call.js), and show what happened.
import { relayCall } from './call.js';

const $ = (id) => document.getElementById(id);

function item(list, text) {
  const li = document.createElement('li');
  li.textContent = text;
  $(list).appendChild(li);
}

function show(state, text) {
  $('outcome').dataset.state = state;
  $('outcome').textContent = text;
}

async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${path}: ${res.status} ${json.error || ''}`);
  return json;
}

async function run(event) {
  event.preventDefault();
  for (const id of ['candidates', 'states', 'messages', 'errors']) $(id).replaceChildren();
  $('call').disabled = true;
  show('running', 'logging in');
  try {
    await post('/login', { user: $('user').value, password: $('password').value });
    show('running', 'asking for an ice_server');
    const { ice_server: ice } = await post('/token', {});
    // the username holds the token and the credential is its mac_key:
    // show the kid part and lengths only
    const user = ice.username;
    $('ice').textContent = JSON.stringify({
      ...ice,
      username: `${user.slice(0, user.lastIndexOf('.') + 1)}... (${user.length} characters)`,
      credential: `(${ice.credential.length} characters)`,
    }, null, 2);
    show('running', 'calling through TURN');
    const r = await relayCall(ice, {
      onEvent: (kind, e) => {
        if (kind === 'candidate') item('candidates', `${e.pc}: ${e.candidate}`);
        if (kind === 'state') item('states', `${e.pc}: ${e.state}`);
        if (kind === 'message') item('messages', e.data);
        if (kind === 'error') item('errors', `${e.pc}: ${e.errorCode} ${e.errorText} (${e.url})`);
      },
    });
    const pair = r.selected.a;
    show(r.ok ? 'ok' : 'failed', r.ok
      ? `${r.outcome} (${pair.relayProtocol || 'relay'} ${pair.localAddress} <-> ${pair.remoteAddress})`
      : `failed: ${r.outcome}`);
    window.tpaLastCall = r;
  } catch (e) {
    show('failed', `failed: ${e.message}`);
  } finally {
    $('call').disabled = false;
  }
}

$('login').addEventListener('submit', run);
