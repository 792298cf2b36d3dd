/**
 * Channel overhead: round trips over a worker_threads MessagePort (the SQL thread's transport) through the one channel
 * (ids, timer, guards, AbortController per call) against the bare port in the same run (post + listener keyed by id,
 * what the SQL executor did before the channel). Interleaved in blocks so both see the same load.
 * Usage: npx tsx bench/channel/bench.ts [--calls N]
 */
import * as os from 'os';
import { performance } from 'perf_hooks';
import { MessageChannel, type MessagePort } from 'worker_threads';
import { ChannelClient, messagePortTransport, serve } from '../../src/node/channel';

const CALLS = Number(process.argv[process.argv.indexOf('--calls') + 1] || 0) || 20000;
const BLOCK = 500;
interface M {
  echo: { params: { sql: string; rowCap: number }; result: { rows: number[][] }; progress: never };
}
const payload = { sql: 'SELECT count(*), sum(price) FROM items', rowCap: 10000 };
const result = { rows: [[300, 1234.5]] };

function bare(): { call(): Promise<unknown>; close(): void } {
  const { port1, port2 } = new MessageChannel();
  port2.on('message', (m: { id: number }) => port2.postMessage({ id: m.id, ...result }));
  const pending = new Map<number, (v: unknown) => void>();
  port1.on('message', (m: { id: number }) => {
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  let id = 0;
  return {
    call: () => new Promise((resolve) => {
      const i = ++id;
      const timer = setTimeout(() => undefined, 60000);
      pending.set(i, (v) => { clearTimeout(timer); resolve(v); });
      port1.postMessage({ type: 'exec', id: i, ...payload });
    }),
    close: () => { port1.close(); port2.close(); },
  };
}

function channel(): { call(): Promise<unknown>; close(): void } {
  const { port1, port2 } = new MessageChannel();
  serve<M>(messagePortTransport(port2 as MessagePort), { echo: async () => result });
  const client = new ChannelClient<M>(messagePortTransport(port1 as MessagePort), { peer: 'bench', events: {}, defaultTimeoutMs: 60000 });
  return { call: () => client.call('echo', payload), close: () => { port1.close(); port2.close(); } };
}

const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

async function main(): Promise<void> {
  const impls = { 'bare MessagePort (baseline)': bare(), 'one channel': channel() };
  const times: Record<string, number[]> = { 'bare MessagePort (baseline)': [], 'one channel': [] };
  for (const impl of Object.values(impls)) for (let i = 0; i < 1000; i++) await impl.call(); // warm-up
  for (let done = 0; done < CALLS; done += BLOCK) {
    for (const [name, impl] of Object.entries(impls)) {
      for (let i = 0; i < BLOCK; i++) {
        const t0 = performance.now();
        await impl.call();
        times[name]!.push((performance.now() - t0) * 1000);
      }
    }
  }
  for (const impl of Object.values(impls)) impl.close();
  console.log(`channel round trip, ${CALLS} sequential calls each, interleaved in blocks of ${BLOCK}; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('| transport | p50 µs | p90 µs | p99 µs |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, xs] of Object.entries(times)) console.log(`| ${name} | ${p(xs, 0.5).toFixed(1)} | ${p(xs, 0.9).toFixed(1)} | ${p(xs, 0.99).toFixed(1)} |`);
}

void main();
