/**
 * Numbers a test wants reported beside pass/fail (activation time, worker restart time). The suite
 * loader writes them into the results file that test/integration/runTests.js reads.
 */
export const metrics: Record<string, number | string> = {};

export function recordMetric(name: string, value: number | string): void {
  metrics[name] = value;
  console.log(`metric ${name}: ${value}`);
}
