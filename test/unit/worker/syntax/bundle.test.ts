/**
 * Bundle hygiene for the syntax port: TypeScript's compiler stays out of the runtime bundles (it was ~9 MB in each of
 * dist/worker.js and dist/cli.js for the syntax check tree-sitter now does), and every grammar the port can load is
 * one webpack copies into dist/.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GRAMMARS, LANGUAGE_IDS } from '../../../../src/worker/syntax/languages';
import { ROOT } from './corpus';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile() && /\.tsx?$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
}

describe('worker/syntax bundle hygiene', () => {
  it('no runtime code imports the typescript package (type-only imports are erased)', () => {
    const offenders: string[] = [];
    for (const f of sources(path.join(ROOT, 'src'))) {
      const text = fs.readFileSync(f, 'utf8');
      const value = /require\(\s*['"]typescript['"]\s*\)|import\(\s*['"]typescript['"]\s*\)|^import\s+(?!type\b)[^;]*from\s+['"]typescript['"]/m;
      if (value.test(text)) offenders.push(path.relative(ROOT, f));
    }
    assert.deepEqual(offenders, []);
  });

  it('every grammar file exists where webpack copies it from, and package.json does not ship typescript as a dependency', () => {
    for (const id of LANGUAGE_IDS) assert.ok(fs.existsSync(path.join(ROOT, GRAMMARS[id].source)), `${id}: ${GRAMMARS[id].source}`);
    assert.ok(fs.existsSync(path.join(ROOT, 'node_modules/web-tree-sitter/web-tree-sitter.wasm')));
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.equal(Object.hasOwn(pkg.dependencies, 'typescript'), false);
  });
});
