// The control-tower page in a real browser (Debian's chromium, driven by
// puppeteer-core): what a person sees and does, against a hub the calling
// test (control_tower_test.cc) seeded through the real APIs.
//
// Environment: REVHUB_URL (http://host:port of --http-listen), REVHUB_TOKEN,
// OUT_DIR (screenshots go there), EXPECT (JSON: what the hub holds, read by
// the test through gRPC), CHROMIUM (default /usr/bin/chromium). Prints one
// JSON line {"seen": {...}, "screenshots": [...]} and exits 0 when every
// check holds; otherwise prints what failed and exits 1.
'use strict';

const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const url = process.env.REVHUB_URL;
const token = process.env.REVHUB_TOKEN;
const out = process.env.OUT_DIR;
const expect = JSON.parse(process.env.EXPECT || '{}');
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';

const failures = [];
const seen = {};
const shots = [];

function check(cond, what, got) {
  if (!cond) failures.push(what + (got !== undefined ? ' (got ' + JSON.stringify(got) + ')' : ''));
}

async function ready(page, view) {
  await page.waitForSelector(`main[data-view="${view}"][data-ready="true"]`, {timeout: 30000});
}

async function show(page, hash, view) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  // The previous view's ready flag is reset on render; wait for this one's.
  await page.waitForFunction((v, h) => location.hash === h &&
      document.querySelector('main').dataset.view === v &&
      document.querySelector('main').dataset.ready === 'true', {timeout: 30000}, view, hash);
}

async function text(page, selector) {
  const e = await page.$(selector);
  if (!e) return null;
  return (await page.evaluate(el => el.textContent, e)).trim();
}

async function shot(page, name) {
  const file = path.join(out, name + '.png');
  await page.screenshot({path: file, fullPage: true});
  shots.push(file);
}

async function main() {
  fs.mkdirSync(out, {recursive: true});
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
           '--no-default-browser-check', '--font-render-hinting=none'],
    defaultViewport: {width: 1440, height: 900},
  });
  const problems = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', e => problems.push('page error: ' + e.message));
    page.on('console', m => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
    page.on('requestfailed', r => problems.push('request failed: ' + r.url()));
    page.on('response', r => {
      // The API answers errors with their status; none is expected here.
      if (r.status() >= 400) problems.push('HTTP ' + r.status() + ' for ' + r.url());
    });

    // Sign in with the token.
    await page.goto(url + '/', {waitUntil: 'load'});
    await page.waitForSelector('#token', {visible: true});
    await shot(page, '0-sign-in');
    await page.type('#token', token);
    await page.click('#signin-form button[type=submit]');
    await ready(page, 'overview');

    // Overview: the money at stake, its owner, the SLA breaches.
    seen.stake = await text(page, `[data-testid="stake-${expect.currency}"] .value`);
    check(seen.stake === expect.stake, 'overview money at stake is ' + expect.stake, seen.stake);
    seen.openCount = await text(page, '[data-testid="open-count"] .value');
    check(seen.openCount === String(expect.openCount), 'open exceptions ' + expect.openCount, seen.openCount);
    seen.breached = await text(page, '[data-testid="breached-count"] .value');
    check(seen.breached === String(expect.breached), 'SLA breached ' + expect.breached, seen.breached);
    seen.owners = await page.$$eval(`[data-testid="by-owner-${expect.currency}"] g[data-label]`,
                                    gs => gs.map(g => g.dataset.label));
    check(seen.owners.includes(expect.owner), 'owner ' + expect.owner + ' in the chart', seen.owners);
    seen.systems = await page.$$eval('[data-testid="systems"] tr[data-system]', rs => rs.map(r => r.dataset.system));
    check(seen.systems.includes('netsuite'), 'netsuite among the systems', seen.systems);
    await shot(page, '1-overview');

    // The exception queue: the rejection with its money, owner and SLA state.
    await show(page, '#/exceptions', 'exceptions');
    const row = `tr[data-exception-id="${expect.rejection.id}"]`;
    seen.rowOwner = await text(page, row + ' td[data-field="owner"]');
    check(seen.rowOwner === expect.owner, 'the rejection\'s owner', seen.rowOwner);
    seen.rowAmount = await text(page, row + ' td[data-field="amount"]');
    check(seen.rowAmount === expect.rejection.amount, 'the rejection\'s amount ' + expect.rejection.amount,
          seen.rowAmount);
    seen.rowSla = await page.$eval(row + ' td[data-field="sla"] .chip', c => c.dataset.value).catch(() => null);
    check(seen.rowSla === expect.rejection.sla, 'the rejection\'s SLA state', seen.rowSla);
    seen.deadLetter = await page.$(`tr[data-exception-id="${expect.deadLetter.id}"]`) !== null;
    check(seen.deadLetter, 'the dead letter is listed');
    seen.footer = await text(page, '[data-testid="exception-list"] tfoot');
    check(seen.footer && seen.footer.includes(expect.stake), 'the footer counts the open money', seen.footer);
    await shot(page, '2-exceptions');

    // The blocked workflow and its failed step.
    await show(page, '#/workflows/' + encodeURIComponent(expect.workflow.id), 'workflows');
    seen.workflowState = await page.$eval('[data-testid="workflow-detail"] dd .chip', c => c.dataset.value)
                                   .catch(() => null);
    check(seen.workflowState === expect.workflow.state, 'the workflow\'s state', seen.workflowState);
    seen.stepStates = await page.$$eval('[data-testid="workflow-detail"] tr[data-step] .chip',
                                        cs => cs.map(c => c.dataset.value));
    check(seen.stepStates.includes(expect.workflow.failedStepState), 'a ' + expect.workflow.failedStepState + ' step',
          seen.stepStates);
    await shot(page, '3-workflow');

    // Back in the queue, pick the rejection and resolve it with a reason.
    await show(page, '#/exceptions', 'exceptions');
    await page.click(row);
    await page.waitForSelector(`[data-testid="exception-detail"][data-exception-id="${expect.rejection.id}"]`);
    await page.type('[data-testid="exception-detail"] textarea[name="reason"]', expect.reason);
    await shot(page, '4-exception-detail');
    await page.click('[data-testid="exception-detail"] button[data-action="resolve"]');
    await page.waitForFunction(() => {
      const t = document.getElementById('toast');
      return t && !t.hidden && /resolved/.test(t.textContent);
    }, {timeout: 30000});
    await ready(page, 'exceptions');
    await page.waitForSelector(`[data-testid="exception-detail"] .chip[data-value="RESOLVED"]`, {timeout: 30000});
    seen.resolvedText = await text(page, '[data-testid="exception-detail"] .actions');
    check(seen.resolvedText && seen.resolvedText.includes(expect.reason), 'the reason is shown',
          seen.resolvedText);
    await shot(page, '5-exception-resolved');

    // The lineage of a posted journal entry.
    await show(page, '#/trace/' + encodeURIComponent(expect.journalEntry), 'trace');
    seen.traceKinds = await page.$$eval('[data-testid="trace-graph"] g[data-kind]',
                                        gs => [...new Set(gs.map(g => g.dataset.kind))]);
    for (const k of expect.traceKinds) check(seen.traceKinds.includes(k), 'trace shows a ' + k, seen.traceKinds);
    await shot(page, '6-trace');

    // The reconciliation report and its variance.
    if (expect.reconciliation) {
      await show(page, '#/reconciliation?period=' + expect.reconciliation.period, 'reconciliation');
      seen.variances = await page.$$eval('[data-testid="variance-list"] tr[data-variance-id]',
                                         rs => rs.map(r => r.dataset.category));
      check(seen.variances.includes(expect.reconciliation.category),
            'a ' + expect.reconciliation.category + ' variance', seen.variances);
      await shot(page, '7-reconciliation');
    }
  } finally {
    await browser.close();
  }
  for (const p of problems) failures.push(p);
  console.log(JSON.stringify({seen, screenshots: shots}));
  if (failures.length) {
    console.error('control tower checks failed:\n  ' + failures.join('\n  '));
    process.exit(1);
  }
}

main().catch((e) => {
  console.log(JSON.stringify({seen, screenshots: shots}));
  console.error(e && e.stack || String(e));
  process.exit(1);
});
