/**
 * Renders a realistic SQL review with VS Code's Dark Modern theme variables and saves
 * test-output/review-panel.png (docs/images/review-panel-gold-fixture.png is a copy, shown from the README as fixture data).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { HostMessage, PanelCandidate, SessionInfo } from '../../../src/core/protocol/webview';
import { rankGroup } from '../../../src/core/ranking/ranking';
import { openPanel, repoRoot, useChromium } from './harness';

const DARK_MODERN = `
body {
  --vscode-font-family: "DejaVu Sans", sans-serif; --vscode-font-size: 13px;
  --vscode-editor-font-family: "DejaVu Sans Mono", monospace; --vscode-editor-font-size: 12px;
  --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-editor-background: #1f1f1f;
  --vscode-sideBar-background: #181818; --vscode-panel-border: #2b2b2b; --vscode-focusBorder: #0078d4;
  --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff; --vscode-button-hoverBackground: #026ec1;
  --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #cccccc; --vscode-button-border: #ffffff12;
  --vscode-dropdown-background: #313131; --vscode-dropdown-foreground: #cccccc; --vscode-dropdown-border: #3c3c3c;
  --vscode-input-background: #313131; --vscode-input-foreground: #cccccc; --vscode-input-border: #3c3c3c;
  --vscode-textCodeBlock-background: #2b2b2b; --vscode-progressBar-background: #0078d4;
  --vscode-badge-background: #616161; --vscode-badge-foreground: #f8f8f8; --vscode-charts-green: #89d185;
  --vscode-errorForeground: #f85149; --vscode-textLink-foreground: #4daafc; --vscode-textBlockQuote-background: #2b2b2b;
  --vscode-debugTokenExpression-name: #c586c0; --vscode-debugTokenExpression-string: #ce9178;
  --vscode-debugTokenExpression-number: #b5cea8; --vscode-debugTokenExpression-boolean: #4e94ce;
  --vscode-gitDecoration-addedResourceForeground: #81b88b; --vscode-gitDecoration-deletedResourceForeground: #c74e39;
}`;

const session: SessionInfo = {
  id: 'demo',
  task: 'sql',
  title: 'Which customers placed more than 3 orders in 2024?',
  prompt: [{ role: 'user', content: 'Which customers placed more than 3 orders in 2024?' }],
  modelLabel: 'Qwen2.5-Coder-0.5B-Instruct (cpu), n=4, T=0.8',
  n: 4,
  weights: { execution_match: 3, syntax: 1, schema_linking: 1, ngram: 1 },
  rankOptions: {},
  rewards: {
    execution_match: { description: 'Result rows equal the gold query rows (Reasoning-SQL, 3 points)', min: 0, max: 1 },
    syntax: { description: 'The query runs on the in-memory copy', min: 0, max: 1 },
    schema_linking: { description: 'Recall of gold tables and columns', min: 0, max: 1 },
    ngram: { description: 'Jaccard of SQL bigrams with the gold query', min: 0, max: 1 },
  },
  canOpenDiff: false,
  acceptLabel: 'Insert SQL',
};

const texts = [
  "SELECT c.name, COUNT(*) AS orders\nFROM customers c JOIN orders o ON o.customer_id = c.id\nWHERE o.ordered_at >= '2024-01-01' AND o.ordered_at < '2025-01-01'\nGROUP BY c.id\nHAVING COUNT(*) > 3;",
  "SELECT name FROM customers\nWHERE id IN (SELECT customer_id FROM orders GROUP BY customer_id HAVING COUNT(*) > 3);",
  "SELECT c.name FROM customers c, orders o\nWHERE strftime('%Y', o.ordered_at) = '2024'\nGROUP BY c.name HAVING COUNT(*) > 3;",
  'SELECT name FROM customer WHERE orders > 3;',
];
const rewards = [
  { execution_match: 1, syntax: 1, schema_linking: 1, ngram: 0.62 },
  { execution_match: 0, syntax: 1, schema_linking: 0.75, ngram: 0.31 },
  { execution_match: 0, syntax: 1, schema_linking: 1, ngram: 0.44 },
  { execution_match: 0, syntax: 0, schema_linking: 0.25, ngram: 0.12 },
];

describe('review panel screenshot', function () {
  this.timeout(60000);
  const browser = useChromium();

  it('saves test-output/review-panel.png', async () => {
    const p = await openPanel(browser(), { csp: false });
    try {
      await p.page.setViewportSize({ width: 760, height: 1180 });
      await p.page.addStyleTag({ content: DARK_MODERN });
      await p.send({ type: 'session', session } satisfies HostMessage);
      const r = rankGroup(rewards, { weights: session.weights });
      const candidates: PanelCandidate[] = texts.map((text, i) => ({
        index: i,
        text,
        rewards: rewards[i]!,
        total: r.scored[i]!.total,
        advantage: r.scored[i]!.advantage,
        rank: r.scored[i]!.rank,
        error: i === 3 ? { code: 'sql_runtime', message: 'no such table: customer' } : null,
        ...(i === 3 ? {} : { result: { columns: ['name', ...(i === 0 ? ['orders'] : [])], rows: [['Ada Lovelace', ...(i === 0 ? [5] : [])], ['Grace Hopper', ...(i === 0 ? [4] : [])]], rowCount: i === 1 ? 3 : 2 } }),
      }));
      await p.send({ type: 'ranked', sessionId: 'demo', group: { allEqual: false, candidates } } satisfies HostMessage);
      await p.page.check('#rl-card-0 input[data-rating="5"]');
      await p.page.selectOption('#rl-card-0 select.rl-prefer', '2');
      await p.page.click('#rl-card-0 button[data-action="prefer"]');
      await p.page.waitForSelector('#rl-card-0 .rl-pref');
      const out = path.join(repoRoot, 'test-output', 'review-panel.png');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      await p.page.screenshot({ path: out, fullPage: true });
      assert.ok(fs.statSync(out).size > 10000);
    } finally {
      await p.close();
    }
  });
});
