// call.js - a relay-only call between two RTCPeerConnections of one page,
// through the TURN server of one ice_server (username and password, as
// every browser speaks them).  Used by the demo page and by the browser
// tests, which call window.tpaRelayCall(iceServer, options).
//
// Resolves (never rejects) with what happened:
//   ok                 true when the data channel opened, every message
//                      came back, and both selected pairs are relay-relay
//   outcome            a one-line summary
//   relayCandidates    {a: [...], b: [...]} relay candidates gathered
//   errors             icecandidateerror events: {pc, errorCode, errorText, url}
//   states             {a: [...], b: [...]} connectionState changes
//   messages           [{sent, received}] through the data channel
//   selected           {a, b}: the selected candidate pair of each side

const DEFAULTS = { timeoutMs: 20000, messages: 3, onEvent: () => {} };

function candidateType(c) {
  if (c.type) return c.type;
  const m = / typ ([a-z]+)/.exec(c.candidate);
  return m ? m[1] : '';
}

function describe(c) {
  return c.candidate.replace(/^candidate:/, '');
}

// The selected candidate pair from getStats, in Chromium's and Firefox's
// spellings (transport.selectedCandidatePairId, or pair.selected).
export async function selectedPair(pc) {
  const stats = await pc.getStats();
  let pair;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) {
    stats.forEach((s) => {
      if (s.type === 'candidate-pair' && s.selected) pair = s;
    });
  }
  if (!pair) return null;
  const local = stats.get(pair.localCandidateId) || {};
  const remote = stats.get(pair.remoteCandidateId) || {};
  return {
    local: local.candidateType,
    remote: remote.candidateType,
    relayProtocol: local.relayProtocol || '',
    localAddress: `${local.address || local.ip}:${local.port}`,
    remoteAddress: `${remote.address || remote.ip}:${remote.port}`,
  };
}

export async function relayCall(iceServer, options = {}) {
  const o = { ...DEFAULTS, ...options };
  const config = { iceServers: [iceServer], iceTransportPolicy: 'relay' };
  const result = {
    ok: false, outcome: '', relayCandidates: { a: [], b: [] }, errors: [],
    states: { a: [], b: [] }, messages: [], selected: { a: null, b: null },
  };
  const pcs = { a: new RTCPeerConnection(config), b: new RTCPeerConnection(config) };
  const gathered = { a: false, b: false };
  let settle;
  const done = new Promise((resolve) => { settle = resolve; });

  for (const [name, other] of [['a', 'b'], ['b', 'a']]) {
    const pc = pcs[name];
    pc.onicecandidate = (e) => {
      if (!e.candidate || !e.candidate.candidate) {
        gathered[name] = true;
        o.onEvent('gathered', { pc: name });
        if (gathered.a && gathered.b && !result.relayCandidates.a.length && !result.relayCandidates.b.length) {
          settle('no relay candidate');
        }
        return;
      }
      if (candidateType(e.candidate) === 'relay') {
        result.relayCandidates[name].push(describe(e.candidate));
        o.onEvent('candidate', { pc: name, candidate: describe(e.candidate) });
      }
      pcs[other].addIceCandidate(e.candidate).catch(() => {});
    };
    pc.onicecandidateerror = (e) => {
      const err = { pc: name, errorCode: e.errorCode, errorText: e.errorText, url: e.url };
      result.errors.push(err);
      o.onEvent('error', err);
    };
    pc.onconnectionstatechange = () => {
      result.states[name].push(pc.connectionState);
      o.onEvent('state', { pc: name, state: pc.connectionState });
      if (pc.connectionState === 'failed') settle('connection failed');
    };
  }

  const channel = pcs.a.createDataChannel('tpa');
  pcs.b.ondatachannel = (e) => {
    e.channel.onmessage = (m) => e.channel.send(`echo: ${m.data}`);
  };
  channel.onopen = () => {
    o.onEvent('open', {});
    for (let i = 1; i <= o.messages; i++) {
      const sent = `message ${i} via TURN`;
      result.messages.push({ sent, received: null });
      channel.send(sent);
    }
  };
  channel.onmessage = (m) => {
    const entry = result.messages.find((x) => x.received === null && m.data === `echo: ${x.sent}`);
    if (entry) entry.received = m.data;
    o.onEvent('message', { data: m.data });
    if (result.messages.length === o.messages && result.messages.every((x) => x.received !== null)) {
      settle('messages echoed');
    }
  };

  const timer = setTimeout(() => settle('timed out'), o.timeoutMs);
  try {
    await pcs.a.setLocalDescription(await pcs.a.createOffer());
    await pcs.b.setRemoteDescription(pcs.a.localDescription);
    await pcs.b.setLocalDescription(await pcs.b.createAnswer());
    await pcs.a.setRemoteDescription(pcs.b.localDescription);
  } catch (e) {
    settle(`negotiation failed: ${e.message}`);
  }
  const why = await done;
  clearTimeout(timer);
  result.selected.a = await selectedPair(pcs.a).catch(() => null);
  result.selected.b = await selectedPair(pcs.b).catch(() => null);
  const relayRelay = (s) => s && s.local === 'relay' && s.remote === 'relay';
  result.ok = why === 'messages echoed' && relayRelay(result.selected.a) && relayRelay(result.selected.b);
  result.outcome = result.ok ? `${o.messages} messages through TURN, relay on both sides` : why;
  channel.close();
  pcs.a.close();
  pcs.b.close();
  return result;
}

window.tpaRelayCall = relayCall;
