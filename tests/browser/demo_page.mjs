// demo_page.mjs - make demo's browser part: opens the demo page in
// headless Chromium, logs in as a person would, lets the page get an
// ice_server and call through TURN, and prints what the page shows.
//
//   node demo_page.mjs PAGE_URL USER PASSWORD SCREENSHOT.png
//
// Exit status 0 when the page's outcome is ok.

import { launch, openPage } from './browsers.mjs';

const [url, user, password, shot] = process.argv.slice(2);
const b = await launch('chromium');
let ok = false;
try {
  await openPage(b, url);
  await b.page.fill('#user', user);
  await b.page.fill('#password', password);
  await b.page.click('#call');
  await b.waitFor(() => ['ok', 'failed'].includes(document.getElementById('outcome').dataset.state), 30000);
  const shown = await b.page.evaluate(() => {
    const list = (id) => [...document.getElementById(id).children].map((li) => li.textContent);
    return {
      outcome: document.getElementById('outcome').textContent,
      state: document.getElementById('outcome').dataset.state,
      ice: document.getElementById('ice').textContent,
      candidates: list('candidates'), states: list('states'), messages: list('messages'), errors: list('errors'),
    };
  });
  console.log('   the page got an ice_server from the token endpoint:');
  for (const l of shown.ice.split('\n')) console.log(`     ${l}`);
  for (const [title, items] of [['relay candidates', shown.candidates], ['connection state', shown.states],
    ['messages through TURN', shown.messages], ['errors', shown.errors]]) {
    console.log(`   ${title}:${items.length ? '' : ' none'}`);
    for (const i of items) console.log(`     ${i}`);
  }
  console.log(`   page outcome: ${shown.outcome}`);
  await b.page.screenshot({ path: shot, fullPage: true });
  ok = shown.state === 'ok';
} finally {
  await b.close();
}
process.exitCode = ok ? 0 : 1;
