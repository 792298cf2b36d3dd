/** The SQL executor tests' database: a temporary folder holding `items (id, name, price)` with `rows` rows. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import initSqlJs from 'sql.js';

export async function writeItemsDb(rows: number, prefix = 'reward-lens-sql-'): Promise<{ dir: string; dbPath: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const dbPath = path.join(dir, 'items.sqlite');
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL)');
  for (let i = 1; i <= rows; i++) db.run('INSERT INTO items VALUES (?, ?, ?)', [i, `item ${i}`, i * 1.5]);
  fs.writeFileSync(dbPath, db.export());
  db.close();
  return { dir, dbPath };
}
