/**
 * Deterministic synthetic SQL corpus for the tiny demo model: natural-language questions over a small shop schema,
 * each answered by one SQLite query, half as `-- question` + query and half as a ChatML conversation (so prompts
 * built with the chat template also get SQL back and stop at `<|im_end|>`). Documents end with `<|endoftext|>`.
 * Usage: npx tsx scripts/make-tiny-model/corpus.ts OUT_FILE [N_DOCS]
 */
import * as fs from 'fs';
import * as path from 'path';
import { mulberry32 } from '../../src/core/sampling/rng';

const TABLES: Record<string, string[]> = {
  customers: ['id', 'name', 'email', 'country', 'city', 'created_at'],
  orders: ['id', 'customer_id', 'amount', 'status', 'created_at'],
  products: ['id', 'name', 'category', 'price', 'stock'],
  order_items: ['order_id', 'product_id', 'quantity', 'unit_price'],
  employees: ['id', 'name', 'department', 'salary', 'hired_at'],
};
const NUM: Record<string, string[]> = { orders: ['amount'], products: ['price', 'stock'], order_items: ['quantity', 'unit_price'], employees: ['salary'], customers: ['id'] };
const CAT: Record<string, string[]> = { customers: ['country', 'city'], orders: ['status'], products: ['category'], employees: ['department'], order_items: ['product_id'] };
const VALS: Record<string, string[]> = {
  country: ['France', 'Germany', 'Japan', 'Brazil', 'Canada'], city: ['Paris', 'Berlin', 'Tokyo', 'Lima', 'Oslo'],
  status: ['paid', 'shipped', 'pending', 'cancelled'], category: ['books', 'games', 'garden', 'tools'],
  department: ['sales', 'engineering', 'support', 'finance'], product_id: ['1', '2', '3', '42'],
};
const AGGS: [string, string][] = [['SUM', 'total'], ['AVG', 'average'], ['MAX', 'maximum'], ['MIN', 'minimum'], ['COUNT', 'number of']];

export function makeCorpus(nDocs: number, seed = 0x9e3779b9): string {
  const rnd = mulberry32(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  const qa = (): [string, string] => {
    const t = pick(Object.keys(TABLES));
    const cols = TABLES[t]!;
    switch (Math.floor(rnd() * 7)) {
      case 0: {
        const c = cols.slice(0, 2 + Math.floor(rnd() * (cols.length - 1)));
        return [`list ${c.join(', ')} of all ${t}`, `SELECT ${c.join(', ')} FROM ${t};`];
      }
      case 1: {
        const cc = pick(CAT[t]!); const v = pick(VALS[cc]!);
        return [`${t} where ${cc} is ${v}`, `SELECT * FROM ${t} WHERE ${cc} = ${/^\d+$/.test(v) ? v : `'${v}'`};`];
      }
      case 2: {
        const [f, w] = pick(AGGS); const nc = pick(NUM[t]!); const cc = pick(CAT[t]!); const a = `${f.toLowerCase()}_${nc}`;
        return [`${w} ${nc} by ${cc}`, `SELECT ${cc}, ${f}(${nc}) AS ${a} FROM ${t} GROUP BY ${cc} ORDER BY ${a} DESC;`];
      }
      case 3: {
        const n = 1 + Math.floor(rnd() * 20); const nc = pick(NUM[t]!);
        return [`top ${n} ${t} by ${nc}`, `SELECT * FROM ${t} ORDER BY ${nc} DESC LIMIT ${n};`];
      }
      case 4: {
        const v = pick(VALS.country!);
        return [`total order amount per customer in ${v}`,
          `SELECT c.name, SUM(o.amount) AS total FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.country = '${v}' GROUP BY c.name ORDER BY total DESC;`];
      }
      case 5: {
        const nc = pick(NUM[t]!); const n = Math.floor(rnd() * 1000);
        return [`count ${t} with ${nc} above ${n}`, `SELECT COUNT(*) FROM ${t} WHERE ${nc} > ${n};`];
      }
      default: {
        const cc = pick(CAT[t]!);
        return [`distinct ${cc} values in ${t}`, `SELECT DISTINCT ${cc} FROM ${t} ORDER BY ${cc};`];
      }
    }
  };
  const docs: string[] = [];
  for (let i = 0; i < nDocs; i++) {
    const [q, sql] = qa();
    if (rnd() < 0.5) docs.push(`-- ${q}\n${sql}\n<|endoftext|>`);
    else {
      const sys = rnd() < 0.5 ? '<|im_start|>system\nYou write SQLite queries.<|im_end|>\n' : '';
      docs.push(`${sys}<|im_start|>user\n${q}<|im_end|>\n<|im_start|>assistant\n${sql}<|im_end|>\n<|endoftext|>`);
    }
  }
  return docs.join('\n');
}

if (require.main === module) {
  const out = process.argv[2] ?? 'build/tiny-model/corpus.txt';
  const n = Number(process.argv[3] ?? 6000);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, makeCorpus(n));
  console.log(`wrote ${out}: ${n} docs, ${fs.statSync(out).size} bytes`);
}
