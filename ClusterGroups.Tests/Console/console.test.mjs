// Drives the operations console in Debian's chromium for ConsoleBrowserTests, step by step over stdin/stdout:
//   -> READY                       the console shows every node reachable
//   <- GO <groupId> <operationId> <nodes>  a fault left <groupId> divergent: present on <nodes> (a,b) only
//   -> SEEN <json>                 the grid row, the open operation and its per-node timeline, as the page shows them
//   <- RETRY                       (the fault still there) press Retry now
//   -> RETRIED <json>              the answer shown and the journaled try ("retry by <key name>")
//   <- CLOSE                       the fault is gone: press Retry now again
//   -> CLOSED                      the group and the operation left the page
// Env: CONSOLE_URL, API_KEY, NODES (expected node count), SCREENSHOT (optional PNG path). Exit 0 = every step seen.
import { chromium } from 'playwright-core';
import readline from 'node:readline';

const { CONSOLE_URL, API_KEY, NODES, SCREENSHOT } = process.env;
const timeout = 60_000;
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const next = async () => (await lines.next()).value ?? '';

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.setDefaultTimeout(timeout);
  await page.goto(CONSOLE_URL);
  await page.fill('#key', API_KEY);
  await page.click('#key-form button[type=submit]');
  await page.waitForFunction(n => document.querySelectorAll('#nodes tbody td.yes').length === n, Number(NODES));
  // The key is kept for the tab: a reload does not ask again.
  await page.reload();
  await page.waitForSelector('#nodes tbody td.yes');
  if (!(await page.isHidden('#key-form'))) throw new Error('the console asked for the key again after a reload');
  console.log('READY');

  const [, group, operation, present] = (await next()).split(' ');
  const row = page.locator(`#divergent tr[data-group="${group}"]`);
  // A scan that started before the fault finished may draw the row once in between: wait for the state it left.
  await page.waitForFunction(([g, p]) => {
    const cells = [...document.querySelectorAll(`#divergent tr[data-group="${g}"] td[data-node]`)];
    return cells.length > 0 && cells.every(td => (td.textContent === '✓') === p.split(',').includes(td.dataset.node));
  }, [group, present]);
  const cells = Object.fromEntries(await row.locator('td[data-node]').evaluateAll(tds => tds.map(td => [td.dataset.node, td.textContent])));
  await page.locator(`#open-ops tr[data-operation="${operation}"]`).waitFor();
  await page.click(`#open-ops tr[data-operation="${operation}"]`);
  await page.waitForFunction(() => document.querySelectorAll('#timeline tbody tr').length > 0);
  const compensation = Object.fromEntries(await page.locator('#op-nodes tbody tr').evaluateAll(trs => trs.map(tr => [tr.dataset.node, tr.cells[3].textContent])));
  const timeline = await page.locator('#timeline tbody tr').count();
  await page.fill('#search-group', group);
  await page.click('#search-form button[type=submit]');
  await page.locator(`#search-results tr[data-operation="${operation}"]`).waitFor();
  if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: true });
  console.log(`SEEN ${JSON.stringify({ cells, compensation, timeline, summary: await page.textContent('#op-summary') })}`);

  if ((await next()) !== 'RETRY') throw new Error('expected RETRY');
  await page.click('#retry');
  await page.waitForFunction(() => document.querySelector('#action-result').textContent !== 'retry…');
  const result = await page.textContent('#action-result');
  if (!result.startsWith('retry: ')) throw new Error(`the retry was answered: ${result}`);
  await page.waitForFunction(() => /retry by /.test(document.querySelector('#op-audit').textContent))
    .catch(async e => { throw new Error(`${e.message}; audit: "${await page.textContent("#op-audit")}", result: "${await page.textContent("#action-result")}"`); });
  console.log(`RETRIED ${JSON.stringify({ result: await page.textContent('#action-result'), audit: await page.textContent('#op-audit') })}`);

  if ((await next()) !== 'CLOSE') throw new Error('expected CLOSE');
  // Recovery may close it first; either way the page must show it gone.
  if (await page.isVisible('#retry')) await page.click('#retry');
  await row.waitFor({ state: 'detached', timeout: 120_000 });
  await page.locator(`#open-ops tr[data-operation="${operation}"]`).waitFor({ state: 'detached', timeout: 120_000 });
  console.log('CLOSED');
} finally {
  await browser.close();
}
