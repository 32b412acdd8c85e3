// Drives the console's membership section in Debian's chromium for ConsoleMaintenanceTests, step by step over
// stdin/stdout (each answer a JSON of what the page shows):
//   -> READY <json>        the admin key's page: every node Active, the epoch, the buttons per node; a read key's page
//                          beside it (its roles and how many buttons it shows: none)
//   <- DRAIN <node>        press the node's Drain button
//   -> ANSWERED <json>     the answer the page shows, its HTTP status, the node's role and the epoch on the page after
//   <- REJOIN <node>       press the node's Rejoin button (answered ANSWERED likewise)
//   <- SHOW <epoch>        the Api says every node is active at <epoch>
//   -> SHOWN <json>        the page shows the same: every role, the epoch
// Env: CONSOLE_URL, API_KEY (admin), READ_KEY, NODES (expected node count). Exit 0 = every step seen.
import { chromium } from 'playwright-core';
import readline from 'node:readline';

const { CONSOLE_URL, API_KEY, READ_KEY, NODES } = process.env;
const timeout = 60_000;
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const next = async () => ((await lines.next()).value ?? '').split(' ');

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });

async function open(key) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.setDefaultTimeout(timeout);
  await page.goto(CONSOLE_URL);
  await page.fill('#key', key);
  await page.click('#key-form button[type=submit]');
  await page.waitForFunction(n => document.querySelectorAll('#members tbody tr').length === n && document.querySelector('#caller').textContent !== '', Number(NODES));
  return page;
}

// What the membership section shows: per node its role and its buttons, and the epoch.
const shown = (page) => page.evaluate(() => ({
  epoch: Number(document.querySelector('#epoch').textContent),
  roles: Object.fromEntries([...document.querySelectorAll('#members tbody tr')].map(tr => [tr.dataset.node, tr.cells[1].textContent])),
  buttons: Object.fromEntries([...document.querySelectorAll('#members tbody tr')].map(tr => [tr.dataset.node, [...tr.querySelectorAll('button')].map(b => b.textContent)])),
}));

try {
  const reader = await open(READ_KEY);
  const readerView = { caller: await reader.textContent('#caller'), ...(await shown(reader)) };
  await reader.close();

  const page = await open(API_KEY);
  await page.waitForFunction(() => [...document.querySelectorAll('#members tbody tr')].every(tr => tr.cells[1].textContent === 'Active'));
  console.log(`READY ${JSON.stringify({ admin: { caller: await page.textContent('#caller'), ...(await shown(page)) }, reader: readerView })}`);

  let [command, arg] = await next();
  for (; command !== 'SHOW'; [command, arg] = await next()) {
    const label = { DRAIN: 'Drain', REJOIN: 'Rejoin' }[command];
    if (!label) throw new Error(`unexpected command ${command}`);
    const button = page.locator(`#members tr[data-node="${arg}"] button`, { hasText: label });
    await button.click();
    // The answer: data-status is set once it came (cleared when the button was pressed).
    await page.waitForFunction(() => document.querySelector('#membership-result').dataset.status);
    // The page draws the membership again after the change; wait until the buttons are back.
    await page.waitForFunction(() => [...document.querySelectorAll('#members button')].every(b => !b.disabled));
    const result = page.locator('#membership-result');
    console.log(`ANSWERED ${JSON.stringify({
      status: Number(await result.getAttribute('data-status')), result: await result.textContent(), error: await result.getAttribute('class') === 'error',
      ...(await shown(page)),
    })}`);
  }

  // SHOW <epoch>: the refresh (every 2 s) brings the page to what the Api says.
  await page.waitForFunction(e => Number(document.querySelector('#epoch').textContent) === e
    && [...document.querySelectorAll('#members tbody tr')].every(tr => tr.cells[1].textContent === 'Active'), Number(arg));
  console.log(`SHOWN ${JSON.stringify(await shown(page))}`);
} finally {
  await browser.close();
}
