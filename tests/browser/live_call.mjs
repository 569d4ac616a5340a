// live_call.mjs - a relay-only call that stays up, for the browser test
// that revokes its token mid-call.  The functions run in the demo page
// (page.evaluate serializes them: nothing outside their bodies is used)
// and keep their state in window.tpaLive.
//
// openLiveCall({ice, timeoutMs}): two RTCPeerConnections of the page call
//   each other through the TURN server of ice; once the data channel is
//   open, one message every 50 ms that the other side echoes.  Resolves at
//   the first echo (ok, the selected pairs) or when the call cannot start.
// liveStatus(): echoes so far, when the last one came (ms since the
//   epoch, the machine's clock, as Date.now() in Node), and every
//   connectionState change with its time.
// closeLiveCall(): stops sending and closes both peer connections.

export async function openLiveCall({ ice, timeoutMs }) {
  const { selectedPair } = await import(new URL('call.js', location.href).href);
  const config = { iceServers: [ice], iceTransportPolicy: 'relay' };
  const live = {
    pcs: { a: new RTCPeerConnection(config), b: new RTCPeerConnection(config) },
    echoes: 0, lastEcho: 0, states: [], errors: [], timer: null,
  };
  window.tpaLive = live;
  let settle;
  const started = new Promise((resolve) => { settle = resolve; });
  for (const [name, other] of [['a', 'b'], ['b', 'a']]) {
    const pc = live.pcs[name];
    pc.onicecandidate = (e) => {
      if (e.candidate && e.candidate.candidate) live.pcs[other].addIceCandidate(e.candidate).catch(() => {});
    };
    pc.onicecandidateerror = (e) => live.errors.push(`${name} ${e.errorCode} ${e.url}`);
    pc.onconnectionstatechange = () => {
      live.states.push({ pc: name, state: pc.connectionState, at: Date.now() });
      if (pc.connectionState === 'failed') settle('connection failed');
    };
  }
  const channel = live.pcs.a.createDataChannel('tpa-live');
  live.pcs.b.ondatachannel = (e) => {
    e.channel.onmessage = (m) => e.channel.send(m.data);
  };
  channel.onopen = () => {
    let n = 0;
    live.timer = setInterval(() => {
      if (channel.readyState === 'open') channel.send(`live ${++n}`);
    }, 50);
  };
  channel.onmessage = () => {
    live.echoes++;
    live.lastEcho = Date.now();
    settle('echoed');
  };
  const timer = setTimeout(() => settle('timed out'), timeoutMs);
  try {
    await live.pcs.a.setLocalDescription(await live.pcs.a.createOffer());
    await live.pcs.b.setRemoteDescription(live.pcs.a.localDescription);
    await live.pcs.b.setLocalDescription(await live.pcs.b.createAnswer());
    await live.pcs.a.setRemoteDescription(live.pcs.b.localDescription);
  } catch (e) {
    settle(`negotiation failed: ${e.message}`);
  }
  const why = await started;
  clearTimeout(timer);
  const selected = {
    a: await selectedPair(live.pcs.a).catch(() => null),
    b: await selectedPair(live.pcs.b).catch(() => null),
  };
  return { why, selected, errors: live.errors };
}

export function liveStatus() {
  const live = window.tpaLive;
  return { echoes: live.echoes, lastEcho: live.lastEcho, states: live.states, now: Date.now() };
}

export function closeLiveCall() {
  const live = window.tpaLive;
  if (!live) return;
  clearInterval(live.timer);
  live.pcs.a.close();
  live.pcs.b.close();
  window.tpaLive = null;
}
