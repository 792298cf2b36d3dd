/**
 * Best one-to-one assignment (maximum total similarity) by the Hungarian algorithm (Kuhn-Munkres, O(n^3)),
 * as ChartMimic does with scipy's `linear_sum_assignment` for colours. Rectangular matrices are padded with 0.
 */
export function maxAssignment(sim: readonly (readonly number[])[]): { total: number; pairs: Array<[number, number]> } {
  const rows = sim.length;
  const cols = rows ? sim[0]!.length : 0;
  if (!rows || !cols) return { total: 0, pairs: [] };
  const n = Math.max(rows, cols);
  // Minimise cost = max - sim on an n x n padded matrix (e-maxx formulation, 1-based potentials).
  let maxV = 0;
  for (const r of sim) for (const v of r) if (v > maxV) maxV = v;
  const cost = (i: number, j: number): number => maxV - (i < rows && j < cols ? sim[i]![j]! : 0);
  const u = new Float64Array(n + 1), v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1), way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity, j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) { minv[j] = cur; way[j] = j0; }
        if (minv[j]! < delta) { delta = minv[j]!; j1 = j; }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) { u[p[j]!]! += delta; v[j]! -= delta; } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do { const j1 = way[j0]!; p[j0] = p[j1]!; j0 = j1; } while (j0);
  }
  const pairs: Array<[number, number]> = [];
  let total = 0;
  for (let j = 1; j <= n; j++) {
    const i = p[j]! - 1;
    if (i < rows && j - 1 < cols) { pairs.push([i, j - 1]); total += sim[i]![j - 1]!; }
  }
  return { total, pairs };
}
