// browsers.mjs - starts Debian's browsers headless for the browser tests
// and make demo: chromium through playwright-core, firefox-esr through
// puppeteer-core over WebDriver BiDi (playwright-core needs its own
// patched Firefox).  Never a downloaded browser build.  Both give a page
// with goto, evaluate(fn, arg), click and screenshot, and waitFor(fn,
// timeout_ms) for their two spellings of waitForFunction.

import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

export const CHROMIUM = process.env.TPA_CHROMIUM ?? '/usr/bin/chromium';
export const FIREFOX = process.env.TPA_FIREFOX ?? '/usr/lib/firefox-esr/firefox-esr';

// Chromium, as root, on a machine with no network but loopback: no
// sandbox, no GPU, and none of its background connections.  The TLS test
// certificate is self-made, hence --ignore-certificate-errors.
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--ignore-certificate-errors',
];

// How long a browser may take to start: Firefox took 12 to 24 s on a
// 2-core machine shared with other builds; the libraries' default is 30 s.
const LAUNCH_MS = 90000;

// Firefox: ICE may use loopback addresses, and shows them as they are.
const FIREFOX_PREFS = {
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
};

export async function launch(name) {
  if (name === 'chromium') {
    const browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: LAUNCH_MS,
    });
    const page = await browser.newPage();
    // playwright: waitForFunction(fn, arg, options)
    const waitFor = (fn, timeout) => page.waitForFunction(fn, null, { timeout });
    return { name, page, waitFor, close: () => browser.close() };
  }
  if (name === 'firefox') {
    const browser = await puppeteer.launch({
      browser: 'firefox', executablePath: FIREFOX, headless: true,
      acceptInsecureCerts: true, extraPrefsFirefox: FIREFOX_PREFS, timeout: LAUNCH_MS,
    });
    const page = await browser.newPage();
    // puppeteer: waitForFunction(fn, options, ...args)
    const waitFor = (fn, timeout) => page.waitForFunction(fn, { timeout });
    return { name, page, waitFor, close: () => browser.close() };
  }
  throw new Error(`unknown browser ${name}`);
}

// Opens the demo page at url and waits for call.js to be there.
export async function openPage(b, url) {
  await b.page.goto(url);
  await b.waitFor(() => typeof window.tpaRelayCall === 'function', 30000);
}
