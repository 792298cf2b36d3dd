// An OpenAI-compatible chat endpoint for the browser tests: it stands in for a real model (Ollama, vLLM), answering
// /v1/chat/completions with eight realistic candidates per task, picked by the prompt (SQL, patch, chart). The
// candidates are what instruction-tuned code models write, mistakes included: a SQL syntax error, an unknown
// column, a patch whose SEARCH text is not in the file, one that breaks the syntax, a chart spec that is not JSON,
// one that names a missing field. Everything else (execution, rewards, ranking, panel) is the real extension.
'use strict';
const http = require('node:http');

const fence = (lang, body) => '```' + lang + '\n' + body + '\n```';
const sr = (search, replace) => fence('ts', `### src/cart.ts\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE`);

const SQL = [
  fence('sql', 'SELECT p.name, SUM(oi.quantity) AS units_sold\nFROM order_items oi\nJOIN products p ON p.id = oi.product_id\nGROUP BY p.id\nORDER BY units_sold DESC\nLIMIT 5;'),
  fence('sql', 'SELECT products.name, SUM(order_items.quantity) AS total_units\nFROM order_items\nJOIN products ON products.id = order_items.product_id\nGROUP BY products.name\nORDER BY total_units DESC\nLIMIT 5;'),
  fence('sql', 'SELECT p.name, SUM(oi.quantity) AS units_sold\nFROM order_items oi JOIN products p ON p.id = oi.product_id\nGROUP BY p.id ORDER BY units_sold DESC LIMIT 10;'),
  fence('sql', 'SELECT name FROM products ORDER BY stock DESC LIMIT 5;'),
  fence('sql', 'SELECT product_id, SUM(quantity) AS units_sold FROM order_items GROUP BY product_id ORDER BY units_sold DESC LIMIT 5;'),
  fence('sql', 'SELEC name, SUM(quantity) FROM order_items GROUP BY name LIMIT 5;'),
  fence('sql', 'SELECT p.title, SUM(oi.quantity) AS units_sold FROM order_items oi JOIN products p ON p.id = oi.product_id GROUP BY p.id ORDER BY units_sold DESC LIMIT 5;'),
  fence('sql', 'SELECT p.name, COUNT(*) AS order_lines\nFROM order_items oi JOIN products p ON p.id = oi.product_id\nGROUP BY p.name ORDER BY order_lines DESC LIMIT 5;'),
];

const OLD = '  return subtotal(items) - discount;';
const PATCH = [
  sr(OLD, '  return Math.max(0, subtotal(items) - discount);'),
  sr(OLD, '  const total = subtotal(items) - discount;\n  return total < 0 ? 0 : total;'),
  sr(OLD, '  const sub = subtotal(items);\n  return sub - Math.min(discount, sub);'),
  sr('  return subtotal(items) - discount - tax;', '  return Math.max(0, subtotal(items) - discount - tax);'),
  sr(OLD, '  return Math.max(0, subtotal(items) - discount;'),
  sr(OLD, '  return Math.max(0, subtotal(items) - discount);'),
  sr(OLD, '  if (discount > subtotal(items)) {\n    return 0;\n  }\n  return subtotal(items) - discount;'),
  sr(OLD, '  return Math.max(0, Math.round((subtotal(items) - discount) * 100) / 100);'),
];

const spec = (o) => fence('json', JSON.stringify({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', data: { url: 'sales.csv' }, ...o }, null, 2));
const enc = (y = 'revenue', agg = 'sum') => ({ x: { field: 'month', type: 'temporal', title: 'Month' }, y: { field: y, aggregate: agg, type: 'quantitative', title: 'Revenue' }, color: { field: 'region', type: 'nominal' } });
const CHART = [
  spec({ title: 'Monthly revenue by region', mark: 'line', encoding: enc() }),
  spec({ title: 'Monthly revenue by region', mark: { type: 'line', point: true }, encoding: enc() }),
  spec({ title: 'Revenue by region', mark: 'bar', encoding: enc() }),
  fence('json', '{ "mark": "line", "data": {"url": "sales.csv"}, "encoding": { "x": {"field": "month" ' ),
  spec({ title: 'Monthly sales', mark: 'line', encoding: enc('sales') }),
  spec({ title: 'Monthly revenue by region', mark: 'area', encoding: enc() }),
  spec({ title: 'Average monthly revenue by region', mark: 'line', encoding: enc('revenue', 'mean') }),
  spec({ title: 'Monthly revenue', mark: 'line', encoding: { x: enc().x, y: enc().y } }),
];

function taskOf(messages) {
  const text = messages.map((m) => m.content).join('\n');
  if (/Vega-Lite/.test(text)) return 'chart';
  if (/SQLite/.test(text)) return 'sql';
  return 'patch';
}

/** Starts the endpoint on 127.0.0.1 (random port). `requests` records each request's task and body. */
async function startFakeEndpoint() {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.method !== 'POST' || !/\/v1\/chat\/completions$/.test(req.url)) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
        return;
      }
      const json = JSON.parse(body);
      const task = taskOf(json.messages || []);
      requests.push({ task, body: json });
      const texts = { sql: SQL, patch: PATCH, chart: CHART }[task];
      const n = Math.min(json.n || 1, texts.length);
      const choices = texts.slice(0, n).map((content, index) => ({ index, message: { role: 'assistant', content }, finish_reason: 'stop' }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `fake-${requests.length}`, object: 'chat.completion', model: json.model, choices }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((r) => server.close(r)) };
}

module.exports = { startFakeEndpoint, SQL, PATCH, CHART };
