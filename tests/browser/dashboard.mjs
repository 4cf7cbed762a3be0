// Drives Debian's Chromium through playwright-core for the integration tests, one JSON command a line on stdin, one
// JSON answer a line on stdout, so the C# test decides what to wait for and asserts with its own tools:
//   {"cmd":"open","url":"http://127.0.0.1:PORT/?refresh=1","width":1280,"height":900}
//   {"cmd":"read"}                      -> what the page shows: pipelines, counts, charts, shard rows (as text)
//   {"cmd":"viewport","width":390,"height":844}
//   {"cmd":"screenshot","path":"/abs/file.png"}
//   {"cmd":"html"}                      -> the rendered document, for checks that no secret is on it
//   {"cmd":"requests"}                  -> every URL the page asked for, to check nothing left the worker
//   {"cmd":"close"}
// The browser runs with a fresh profile and no background networking, and is never downloaded (no 'playwright install').
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!fs.existsSync(executablePath)) {
  console.error(`Chromium is not installed at ${executablePath}: install it with 'apt-get install -y chromium' (test.sh does).`);
  process.exit(3);
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-chromium-'));
let context;
let page;
const requests = [];
const consoleErrors = [];

// What a person reads off the page, taken from the visible text of each part.
function readPage() {
  const text = node => (node ? node.innerText.trim() : null);
  const headers = [...document.querySelectorAll('table.shards thead th')].map(th => th.innerText.trim());
  return {
    readiness: text(document.getElementById('readiness')),
    worker: text(document.getElementById('worker')),
    updated: text(document.getElementById('updated')),
    problems: document.getElementById('problems').hidden ? null : text(document.getElementById('problems')),
    horizontalOverflow: document.documentElement.scrollWidth > window.innerWidth,
    pipelines: [...document.querySelectorAll('section.pipeline')].map(section => ({
      name: text(section.querySelector('h2')),
      state: text(section.querySelector('.pipeline-head .pill')),
      route: text(section.querySelector('.route')),
      error: text(section.querySelector('.alert')),
      counts: Object.fromEntries([...section.querySelectorAll('dd[data-count]')].map(dd => [dd.dataset.count, dd.innerText.trim()])),
      charts: Object.fromEntries([...section.querySelectorAll('figure[data-chart]')].map(figure => [figure.dataset.chart, {
        caption: text(figure.querySelector('figcaption')),
        // The width the chart is drawn for (its viewBox): it follows the page's, so text stays readable on a phone.
        width: Number(figure.querySelector('svg')?.viewBox.baseVal.width ?? 0),
        // Points actually drawn: every polyline vertex and every lone dot.
        points: [...figure.querySelectorAll('polyline')].reduce((sum, line) => sum + line.getAttribute('points').trim().split(/\s+/).filter(Boolean).length, 0)
          + figure.querySelectorAll('circle').length,
      }])),
      // Keyed by the column headers a person reads (innerText leaves out the labels the phone layout adds with CSS).
      shards: [...section.querySelectorAll('table.shards tbody tr')].map(row => Object.fromEntries(
        [...row.querySelectorAll('td')].map((td, i) => [headers[i], td.innerText.trim()]))),
    })),
  };
}

async function handle(command) {
  switch (command.cmd) {
    case 'open': {
      context = await chromium.launchPersistentContext(profile, {
        executablePath,
        headless: true,
        viewport: { width: command.width ?? 1280, height: command.height ?? 900 },
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync'],
      });
      page = context.pages()[0] ?? await context.newPage();
      page.on('request', request => requests.push(request.url()));
      page.on('console', message => { if (message.type() === 'error') consoleErrors.push(message.text()); });
      page.on('pageerror', error => consoleErrors.push(String(error)));
      const response = await page.goto(command.url, { waitUntil: 'load' });
      return { status: response.status(), contentSecurityPolicy: response.headers()['content-security-policy'] ?? null };
    }
    case 'read':
      return { view: await page.evaluate(readPage), consoleErrors };
    case 'viewport':
      await page.setViewportSize({ width: command.width, height: command.height });
      return {};
    case 'screenshot':
      fs.mkdirSync(path.dirname(command.path), { recursive: true });
      await page.screenshot({ path: command.path, fullPage: command.fullPage ?? true });
      return { path: command.path };
    case 'html':
      return { html: await page.content() };
    case 'requests':
      return { requests };
    case 'close':
      await context?.close();
      return {};
    default:
      throw new Error(`unknown command '${command.cmd}'`);
  }
}

const lines = readline.createInterface({ input: process.stdin });
try {
  for await (const line of lines) {
    if (!line.trim()) continue;
    const command = JSON.parse(line);
    let answer;
    try {
      answer = { ok: true, ...(await handle(command)) };
    } catch (error) {
      answer = { ok: false, error: String(error?.stack ?? error) };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
    if (command.cmd === 'close') break;
  }
} finally {
  await context?.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
}
// stdin stays open while the test runs; leave without waiting for it to close.
process.exit(0);
