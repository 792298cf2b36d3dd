/**
 * The faster chart pipeline (issue 14 item 5) gives exactly the rewards, totals, ranks and advantages the pipeline
 * gave before it, stored in test/fixtures/chart/rewards-before.json by the commit named there (see
 * rewardsBeforeAfter.ts for the groups: reference image, reference spec, none; small, large, faceted, layered,
 * transparent charts). A second, warm pass checks that what the group shares (data, reference features) is reused
 * without changing a reward.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { ChartRenderer } from '../../../../src/worker/chart/renderer';
import { rankChartGroup } from '../../../../src/worker/chart/rankCharts';
import { BEFORE_FILE, beforeAfterGroups, type StoredGroup } from './rewardsBeforeAfter';

describe('chart rewards are identical before and after the speed-ups', function () {
  this.timeout(600000);
  const renderer = new ChartRenderer({ timeoutMs: 120000 });
  after(() => renderer.dispose());
  const stored = (JSON.parse(fs.readFileSync(BEFORE_FILE, 'utf8')) as { groups: StoredGroup[] }).groups;

  for (const pass of ['first', 'warm (shared work reused)']) {
    it(`${pass} pass: every reward, total, rank and advantage equals the stored one`, async () => {
      const groups = beforeAfterGroups();
      assert.equal(groups.length, stored.length);
      for (const [gi, g] of groups.entries()) {
        const out = await rankChartGroup(g, { renderer, timeoutMs: 120000, inlinePng: 'never' });
        const want = stored[gi]!;
        assert.equal(out.group, want.group);
        assert.deepEqual(out.weights, want.weights, `${g.group}: weights`);
        out.candidates.forEach((c, i) => {
          const w = want.candidates[i]!;
          const where = `${g.group} candidate ${i}`;
          assert.equal(c.error?.code ?? null, w.error, `${where}: error`);
          assert.deepEqual(c.rewards, w.rewards, `${where}: rewards`);
          assert.equal(c.total, w.total, `${where}: total`);
          assert.equal(c.rank, w.rank, `${where}: rank`);
          assert.equal(c.advantage, w.advantage, `${where}: advantage`);
          assert.deepEqual(c.visualDetail, w.visualDetail, `${where}: visual detail`);
        });
      }
    });
  }
});
