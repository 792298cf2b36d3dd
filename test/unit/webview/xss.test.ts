import * as assert from 'assert';
import type { Browser } from 'playwright-core';
import type { HostMessage, PanelCandidate, SessionInfo } from '../../../src/core/protocol/webview';
import { CHROMIUM, bundleSource, launch, openPanel, type PanelPage } from './harness';
import { XSS_CORPUS } from './xssCorpus';

// Callbacks given to page.evaluate run in the browser; the test program is compiled without the DOM library, so the
// few browser globals they use are declared here, in this module only.
declare const window: any;
declare const document: any;
declare function requestAnimationFrame(cb: () => void): number;
type HTMLElement = any;



const EVIL = '<img src=x onerror=pwned("field")>';

function session(id: string, task: SessionInfo['task'], n: number): SessionInfo {
  return {
    id,
    task,
    title: `Question ${EVIL}`,
    prompt: [{ role: 'user', content: EVIL }],
    modelLabel: `model ${EVIL}`,
    n,
    weights: { execution_match: 3, syntax: 1, [`odd<b>name</b>`]: 1 },
    rankOptions: {},
    rewards: {
      execution_match: { description: `Rows match the gold query ${EVIL}`, min: 0, max: 1 },
      syntax: { description: 'Runs without error', min: 0, max: 1 },
      'odd<b>name</b>': { description: EVIL },
    },
    canOpenDiff: task === 'patch',
    acceptLabel: `Insert ${EVIL}`,
  };
}

function candidate(i: number, text: string): PanelCandidate {
  const c: PanelCandidate = { index: i, text, rewards: { execution_match: i % 2, syntax: 1, 'odd<b>name</b>': i / 10 }, error: null };
  if (i % 3 === 0) c.result = { columns: [`col ${EVIL}`, 'b'], rows: [[EVIL, null], ['<script>pwned("cell")</script>', 2]], rowCount: 1234 };
  if (i % 3 === 1) c.error = { code: `sql_syntax${EVIL}`, message: `near "<": ${EVIL}` };
  if (i % 3 === 2) c.png = `AAAA" onerror="pwned('png')`; // not base64: must not become an image
  if (i % 5 === 0) {
    c.summary = `2 files ${EVIL}`;
    c.files = [{ path: `src/${EVIL}.py`, added: 1, removed: 2 }];
  }
  return c;
}

/** The candidate text as rendered, with control-character markers turned back into the characters. */
async function renderedTexts(p: PanelPage): Promise<Record<number, string>> {
  return p.page.evaluate(() => {
    const out: Record<number, string> = {};
    for (const card of document.querySelectorAll('#rl-cards > li.rl-card')) {
      const code = card.querySelector('.rl-code-text')!.cloneNode(true) as HTMLElement;
      for (const m of code.querySelectorAll('.rl-ctrl')) m.replaceWith(String.fromCodePoint(parseInt(m.dataset.cp!, 16)));
      out[Number(card.dataset.index)] = code.textContent ?? '';
    }
    return out;
  });
}

const ALLOWED_TAGS = new Set(['LI', 'HEADER', 'H2', 'SPAN', 'UL', 'PRE', 'CODE', 'DIV', 'BUTTON', 'SELECT', 'OPTION', 'FIELDSET', 'LEGEND', 'INPUT', 'LABEL', 'TABLE', 'CAPTION', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'P', 'STRONG', 'IMG', 'DETAILS', 'SUMMARY']);

describe('review panel in Chromium: model output is text', function () {
  this.timeout(120000);
  let browser: Browser | null = null;

  before(async function () {
    browser = await launch();
    if (!browser) {
        console.log(`      skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
      this.skip();
    }
  });
  after(async () => {
    console.log(`      panel bundle under test: ${bundleSource}`);
    await browser?.close();
  });

  for (const csp of [true, false]) {
    it(`renders ${XSS_CORPUS.length} payloads as text and runs none of them (${csp ? 'with the panel CSP' : 'CSP removed: the rendering alone is safe'})`, async () => {
      assert.ok(XSS_CORPUS.length >= 20);
      const p = await openPanel(browser!, { csp });
      try {
        const posted0 = await p.posted();
        assert.strictEqual(posted0[0]!.type, 'ready', 'the panel says ready first');
        const s = session('xss', 'sql', XSS_CORPUS.length);
        await p.send({ type: 'session', session: s } satisfies HostMessage);
        // Half stream in as partial candidates, then the whole group arrives ranked.
        for (let i = 0; i < XSS_CORPUS.length; i += 2) await p.send({ type: 'candidate', sessionId: 'xss', candidate: candidate(i, XSS_CORPUS[i]!) } satisfies HostMessage);
        const all = XSS_CORPUS.map((t, i) => ({ ...candidate(i, t), total: i % 7, advantage: 0, rank: 1 + ((XSS_CORPUS.length - 1 - (i % 7)) % XSS_CORPUS.length) }));
        await p.send({ type: 'ranked', sessionId: 'xss', group: { allEqual: false, candidates: all } } satisfies HostMessage);
        await p.send({ type: 'status', sessionId: 'xss', level: 'error', message: EVIL } satisfies HostMessage);
        await p.send({ type: 'failed', sessionId: 'xss', error: { code: EVIL, message: EVIL }, whatToDo: EVIL } satisfies HostMessage);
        await p.page.waitForFunction((n) => document.querySelectorAll('#rl-cards > li.rl-card').length === n, XSS_CORPUS.length);
        // Let any deferred handler (onerror, onload, autofocus, meta refresh) have its chance.
        await p.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 300))));

        const texts = await renderedTexts(p);
        XSS_CORPUS.forEach((t, i) => assert.strictEqual(texts[i], t, `candidate ${i} shown as text`));
        assert.deepStrictEqual(await p.xss(), [], 'no payload ran');
        assert.deepStrictEqual(p.foreignRequests, [], 'no payload loaded anything');
        if (csp) assert.deepStrictEqual(await p.cspViolations(), [], 'the panel itself needs nothing the CSP forbids');

        const dom = await p.page.evaluate(() => {
          const tags = [...document.querySelectorAll('#rl-cards *')].map((e) => e.tagName);
          const handlers = [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName}[${a.name}]`));
          const imgs = [...document.querySelectorAll('img')].map((i) => i.getAttribute('src'));
          const ctrl = [...document.querySelectorAll('.rl-ctrl')].map((e) => e.textContent);
          return {
            tags,
            handlers,
            imgs,
            ctrl,
            title: document.getElementById('rl-title')!.textContent,
            error: document.getElementById('rl-error')!.textContent,
            status: document.getElementById('rl-status')!.textContent,
            cell: document.querySelector('#rl-card-0 .rl-result-table td')!.textContent,
            caption: document.querySelector('#rl-card-0 .rl-result-table caption')!.textContent,
            png: document.querySelector('#rl-card-2 .rl-evidence-error')!.textContent,
          };
        });
        for (const t of dom.tags) assert.ok(ALLOWED_TAGS.has(t), `unexpected element <${t}> inside the cards`);
        assert.deepStrictEqual(dom.handlers, []);
        assert.deepStrictEqual(dom.imgs, [], 'an invalid PNG never becomes an image');
        assert.ok(dom.ctrl.includes('⟨U+202E⟩') && dom.ctrl.includes('⟨U+2066⟩'), `bidi controls are shown, not applied: ${JSON.stringify(dom.ctrl)}`);
        assert.strictEqual(dom.title, `Question ${EVIL}`);
        assert.ok(dom.error!.includes(EVIL));
        assert.strictEqual(dom.status, EVIL);
        assert.strictEqual(dom.cell, EVIL);
        assert.strictEqual(dom.caption, '2 of 1234 rows');
        assert.match(dom.png!, /not a valid PNG/);
      } finally {
        await p.close();
      }
    });
  }

  it('shows a real PNG from validated base64 as a data: image', async () => {
    const p = await openPanel(browser!);
    try {
      // 1x1 transparent PNG.
      const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
      await p.send({ type: 'session', session: { ...session('png', 'chart', 1), weights: { visual: 1 }, rewards: { visual: { description: 'SSIM' } } } } satisfies HostMessage);
      await p.send({ type: 'candidate', sessionId: 'png', candidate: { index: 0, text: '{"mark":"bar"}', rewards: { visual: 0.5 }, error: null, png } } satisfies HostMessage);
      await p.page.waitForSelector('#rl-card-0 img.rl-chart-img');
      const ok = await p.page.evaluate(async () => {
        const img = document.querySelector('#rl-card-0 img.rl-chart-img')!;
        await img.decode();
        return { src: img.src.slice(0, 22), w: img.naturalWidth };
      });
      assert.deepStrictEqual(ok, { src: 'data:image/png;base64,', w: 1 });
      assert.deepStrictEqual(await p.cspViolations(), []);
      assert.deepStrictEqual(await p.xss(), []);
    } finally {
      await p.close();
    }
  });

  it('drops malformed messages and reports them', async () => {
    const p = await openPanel(browser!);
    try {
      await p.send({ type: 'session', session: { id: 'x' } });
      await p.send({ type: 'candidate', sessionId: 'x', candidate: { index: 0, text: 1 } });
      await p.send('<script>pwned("string")</script>');
      await p.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'log').length === 3);
      assert.strictEqual(await p.page.evaluate(() => document.getElementById('rl-empty')!.hidden), false, 'still the empty state');
    } finally {
      await p.close();
    }
  });
});
