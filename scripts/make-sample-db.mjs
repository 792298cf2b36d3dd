#!/usr/bin/env node
/**
 * Builds fixtures/sample-workspace/shop.sqlite: a small, realistic shop (customers, products, orders, order_items)
 * with a few hundred rows, generated deterministically (fixed-seed PRNG, fixed dates) with sql.js, so running it
 * again gives the same content. Usage: node scripts/make-sample-db.mjs [out.sqlite]
 */
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const initSqlJs = require('sql.js');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? path.join(root, 'fixtures', 'sample-workspace', 'shop.sqlite');

// mulberry32: tiny, well-known 32-bit PRNG; deterministic across platforms.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20240611);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

const FIRST = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Frances', 'Edsger', 'Radia', 'Donald', 'Katherine', 'Tim', 'Hedy', 'Guido', 'Anita', 'Bjarne', 'Sophie', 'John', 'Mary', 'Yukihiro', 'Lin', 'Ines', 'Omar', 'Priya', 'Chen', 'Fatima', 'Lars', 'Amara'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson', 'Allen', 'Dijkstra', 'Perlman', 'Knuth', 'Johnson', 'Berners-Lee', 'Lamarr', 'van Rossum', 'Borg', 'Stroustrup', 'Wilson', 'McCarthy', 'Keller', 'Matsumoto', 'Nguyen', 'Garcia', 'Haddad', 'Sharma', 'Wei', 'Okafor', 'Berg', 'Diallo'];
const CITIES = [['Lisbon', 'Portugal'], ['Berlin', 'Germany'], ['Hamburg', 'Germany'], ['Paris', 'France'], ['Lyon', 'France'], ['Madrid', 'Spain'], ['Austin', 'USA'], ['Boston', 'USA'], ['Seattle', 'USA'], ['Toronto', 'Canada'], ['Tokyo', 'Japan'], ['Nairobi', 'Kenya'], ['Pune', 'India'], ['Sydney', 'Australia']];
const PRODUCTS = [
  ['Espresso beans 1 kg', 'coffee', 18.5], ['Filter coffee 500 g', 'coffee', 9.9], ['Decaf beans 1 kg', 'coffee', 19.9], ['Cold brew concentrate', 'coffee', 12.0],
  ['Green tea 100 g', 'tea', 7.5], ['Earl Grey 100 g', 'tea', 6.9], ['Chai blend 250 g', 'tea', 11.0], ['Rooibos 200 g', 'tea', 8.4],
  ['Burr grinder', 'equipment', 129.0], ['Pour-over kettle', 'equipment', 59.0], ['French press', 'equipment', 34.5], ['Moka pot', 'equipment', 29.0], ['Espresso machine', 'equipment', 449.0], ['Milk frother', 'equipment', 39.0], ['Digital scale', 'equipment', 24.0],
  ['Paper filters (100)', 'accessories', 4.5], ['Ceramic mug', 'accessories', 12.0], ['Travel mug', 'accessories', 22.0], ['Cleaning tablets', 'accessories', 9.0], ['Tea infuser', 'accessories', 6.5],
  ['Dark chocolate bar', 'snacks', 3.9], ['Almond biscotti', 'snacks', 5.5], ['Oat cookies', 'snacks', 4.2], ['Caramel syrup', 'snacks', 7.0],
];
const STATUSES = ['delivered', 'delivered', 'delivered', 'delivered', 'shipped', 'processing', 'cancelled', 'returned'];

const day = (offset) => new Date(Date.UTC(2024, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);

const SQL = await initSqlJs();
const db = new SQL.Database();
db.run(`
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  city TEXT,
  country TEXT,
  signup_date TEXT NOT NULL
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  price REAL NOT NULL,
  stock INTEGER NOT NULL
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  order_date TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('processing', 'shipped', 'delivered', 'cancelled', 'returned'))
);
CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price REAL NOT NULL,
  PRIMARY KEY (order_id, product_id)
);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX order_items_product ON order_items(product_id);
`);

db.run('BEGIN');
const NC = 120;
for (let id = 1; id <= NC; id++) {
  const first = pick(FIRST);
  const last = pick(LAST);
  const [city, country] = pick(CITIES);
  const email = `${first}.${last}.${id}@example.com`.toLowerCase().replace(/[^a-z0-9.@-]/g, '');
  db.run('INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)', [id, `${first} ${last}`, email, city, country, day(int(0, 200))]);
}
PRODUCTS.forEach(([name, category, price], i) => db.run('INSERT INTO products VALUES (?, ?, ?, ?, ?)', [i + 1, name, category, price, int(0, 250)]));
let items = 0;
for (let id = 1; id <= 300; id++) {
  const customer = int(1, NC);
  db.run('INSERT INTO orders VALUES (?, ?, ?, ?)', [id, customer, day(int(30, 330)), pick(STATUSES)]);
  const n = int(1, 4);
  const used = new Set();
  for (let k = 0; k < n; k++) {
    const p = int(1, PRODUCTS.length);
    if (used.has(p)) continue;
    used.add(p);
    // Prices change a little over the year: unit_price is what was paid.
    const price = Math.round(PRODUCTS[p - 1][2] * (0.9 + 0.2 * rand()) * 100) / 100;
    db.run('INSERT INTO order_items VALUES (?, ?, ?, ?)', [id, p, int(1, 3), price]);
    items++;
  }
}
db.run('COMMIT');
db.run('VACUUM');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, db.export());
db.close();
console.log(`${out}: ${NC} customers, ${PRODUCTS.length} products, 300 orders, ${items} order items, ${fs.statSync(out).size} bytes`);
