// run_notebook.js URL SHOT TIMEOUT_MS
//
// Opens a classic Jupyter Notebook page in Debian's headless Chromium
// (playwright-core, executablePath /usr/bin/chromium, no downloaded
// browser), waits for the kernel to be idle, runs all cells, waits until
// no cell is running and the kernel is idle again, takes a full-page
// screenshot to SHOT and prints one JSON line describing the live DOM
// (the Go test asserts on it).
'use strict';
const { chromium } = require('playwright-core');

async function main() {
  const [url, shot, timeoutArg] = process.argv.slice(2);
  const timeout = Number(timeoutArg || 60000);
  const t0 = Date.now();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const console_ = [];
    page.on('console', m => { if (m.type() === 'error') console_.push(m.text()); });
    await page.goto(url, { waitUntil: 'load', timeout });
    await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel &&
      Jupyter.notebook.kernel.is_connected() && Jupyter.notebook._fully_loaded, null, { timeout, polling: 200 });
    const ready = Date.now() - t0;
    // Record every progress value the page shows while the cells run: the
    // live display must update in place, not only appear finished.
    await page.evaluate(() => {
      window.__gkSeen = [];
      new MutationObserver(() => {
        for (const p of document.querySelectorAll('.output_area progress')) {
          const v = p.max > 0 ? Math.round(100 * p.value / p.max) : -1;
          if (window.__gkSeen[window.__gkSeen.length - 1] !== v) window.__gkSeen.push(v);
        }
      }).observe(document.querySelector('#notebook-container'), { childList: true, subtree: true, attributes: true });
      Jupyter.notebook.execute_all_cells();
    });
    // A cell is running while it has the `running` class; the kernel
    // status goes busy → idle. Both must settle, and every code cell must
    // have an execution count.
    await page.waitForFunction(() => {
      const cells = Jupyter.notebook.get_cells().filter(c => c.cell_type === 'code');
      const done = cells.every(c => !c.element.hasClass('running') && c.input_prompt_number !== '*' &&
        typeof c.input_prompt_number === 'number');
      return done && document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null;
    }, null, { timeout, polling: 250 });
    const ran = Date.now() - t0;
    await page.addStyleTag({ content: '#site{height:auto!important;overflow:visible!important}' });
    // Let decoded images lay out before the screenshot.
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.output_area img')).every(i => i.complete),
      null, { timeout: 10000 });
    await page.screenshot({ path: shot, fullPage: true });
    const dom = await page.evaluate(() => {
      const imgs = Array.from(document.querySelectorAll('.output_area img')).map(i => ({
        cls: i.className, naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight,
        png: i.src.startsWith('data:image/png;base64,'),
      }));
      const bars = Array.from(document.querySelectorAll('.output_area progress')).map(p => ({
        value: p.value, max: p.max, position: p.position,
      }));
      const errors = Array.from(document.querySelectorAll('.output_area .output_error, .output_area .output_stderr'))
        .map(e => e.innerText.slice(0, 500));
      const cells = Jupyter.notebook.get_cells().filter(c => c.cell_type === 'code')
        .map(c => c.input_prompt_number);
      return { seen: window.__gkSeen, imgs, bars, errors, cells, html: document.querySelector('#notebook-container').outerHTML };
    });
    dom.readyMs = ready;
    dom.ranMs = ran;
    dom.consoleErrors = console_;
    process.stdout.write(JSON.stringify(dom) + '\n');
  } finally {
    await browser.close();
  }
}

main().catch(e => { console.error('run_notebook: ' + (e && e.stack || e)); process.exit(1); });
