// run_cases.mjs - runs browser test cases from a JSON file and prints one
// "ok - ..." or "not ok - ..." line per check (tests/run-tests.sh counts
// them), with what the page saw as "# " lines.
//
//   node run_cases.mjs CASES.json PAGE_URL
//
// CASES.json: [{"name", "browser": "chromium"|"firefox", "kind",
//               "ice": {urls, username, credential}, "protocol"}]
// kind "relay": the relay-only call works, the selected pair is relay on
//   both sides over protocol (udp, tcp or tls);
// kind "refused": no relay candidate on either side, and 401 in
//   icecandidateerror;
// kind "page": the demo page itself logs in (ice.username / ice.credential
//   are the login) and calls; its outcome must say ok.
// Cases of one browser run in one browser, one after the other.

import { readFileSync } from 'node:fs';

import { launch, openPage } from './browsers.mjs';

const [casesPath, pageUrl] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
let failed = 0;

function report(pass, what, details) {
  console.log(`${pass ? 'ok' : 'not ok'} - ${what}`);
  if (!pass) failed++;
  for (const d of details ?? []) console.log(`#   ${d}`);
}

function summary(r) {
  return [
    `outcome: ${r.outcome}`,
    `relay candidates: a ${r.relayCandidates.a.length}, b ${r.relayCandidates.b.length}`,
    `selected: ${JSON.stringify(r.selected)}`,
    `errors: ${JSON.stringify(r.errors.map((e) => `${e.pc} ${e.errorCode} ${e.url}`))}`,
    `states: a ${r.states.a.join(',')}; b ${r.states.b.join(',')}`,
  ];
}

async function runRelay(b, c) {
  const r = await b.page.evaluate((ice) => window.tpaRelayCall(ice), c.ice);
  const proto = [r.selected.a?.relayProtocol, r.selected.b?.relayProtocol];
  report(r.ok && proto.every((p) => p === c.protocol),
    `${b.name}: ${c.name}: data channel through TURN/${c.protocol.toUpperCase()}, relay on both sides`, summary(r));
}

async function runRefused(b, c) {
  const r = await b.page.evaluate((ice) => window.tpaRelayCall(ice), c.ice);
  const noRelay = r.relayCandidates.a.length === 0 && r.relayCandidates.b.length === 0;
  const got401 = ['a', 'b'].every((pc) => r.errors.some((e) => e.pc === pc && e.errorCode === 401));
  report(!r.ok && noRelay && got401, `${b.name}: ${c.name}: 401 in icecandidateerror, no relay candidate`, summary(r));
}

async function runPage(b, c) {
  const page = b.page;
  await page.evaluate(({ user, password }) => {
    document.getElementById('user').value = user;
    document.getElementById('password').value = password;
  }, { user: c.ice.username, password: c.ice.credential });
  await page.click('#call');
  await b.waitFor(() => ['ok', 'failed'].includes(document.getElementById('outcome').dataset.state), 30000);
  const shown = await page.evaluate(() => ({
    outcome: document.getElementById('outcome').textContent,
    state: document.getElementById('outcome').dataset.state,
    candidates: document.getElementById('candidates').children.length,
    messages: document.getElementById('messages').children.length,
    states: [...document.getElementById('states').children].map((li) => li.textContent),
  }));
  report(shown.state === 'ok' && shown.candidates > 0 && shown.messages > 0,
    `${b.name}: ${c.name}: the demo page logs in, gets an ice_server and calls through TURN`,
    [`outcome: ${shown.outcome}`, `states: ${shown.states.join(', ')}`]);
}

const RUN = { relay: runRelay, refused: runRefused, page: runPage };

for (const name of [...new Set(cases.map((c) => c.browser))]) {
  const t0 = Date.now();
  let b;
  try {
    b = await launch(name);
    await openPage(b, pageUrl);
  } catch (e) {
    report(false, `${name} starts and opens the page at ${pageUrl}`, [e.message]);
    if (b) await b.close().catch(() => {});
    continue;
  }
  for (const c of cases.filter((x) => x.browser === name)) {
    try {
      await RUN[c.kind](b, c);
    } catch (e) {
      report(false, `${name}: ${c.name}`, [e.message]);
    }
  }
  await b.close().catch(() => {});
  console.log(`# ${name}: ${Math.round((Date.now() - t0) / 1000)} s with start-up`);
}
process.exitCode = failed ? 1 : 0;
