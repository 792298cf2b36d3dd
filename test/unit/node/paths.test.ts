import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resolveInsideRoot, resolveInsideRoots } from '../../../src/node/paths';
import { CodedError } from '../../../src/core/errors';

describe('node/paths: real-path containment', () => {
  let tmp: string, root: string, outside: string;
  before(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-paths-')));
    root = path.join(tmp, 'root');
    outside = path.join(tmp, 'outside');
    fs.mkdirSync(path.join(root, 'src'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(root, 'src', 'a.ts'), 'a');
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    fs.symlinkSync(outside, path.join(root, 'linkdir'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'linkfile'));
    fs.symlinkSync(path.join(root, 'src'), path.join(root, 'innerlink'));
    fs.symlinkSync(path.join(outside, 'nope'), path.join(root, 'dangling'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const refused = (rel: string) => assert.throws(() => resolveInsideRoot(root, rel), (e: unknown) => e instanceof CodedError && e.code === 'path_outside_root' && !e.message.includes('secret\n'), rel);

  it('resolves existing and new files inside the root', () => {
    assert.strictEqual(resolveInsideRoot(root, 'src/a.ts'), path.join(root, 'src', 'a.ts'));
    assert.strictEqual(resolveInsideRoot(root, 'src/new/b.ts'), path.join(root, 'src', 'new', 'b.ts'));
    assert.strictEqual(resolveInsideRoot(root, 'innerlink/a.ts'), path.join(root, 'src', 'a.ts'));
  });
  for (const rel of ['../outside/secret.txt', '/etc/passwd', 'src/../../outside/secret.txt', 'a/../../x', 'C:/x', '', 'x\0y']) {
    it(`refuses ${JSON.stringify(rel)} lexically`, () => refused(rel));
  }
  it('refuses links that leave the root, for reads and for writes of new files', () => {
    refused('linkdir/secret.txt');
    refused('linkdir/new.txt');
    refused('linkfile');
    refused('dangling');
    refused('dangling/x');
  });
  it('several roots: the first root holding the file', () => {
    assert.strictEqual(resolveInsideRoots([outside, root], 'src/a.ts'), path.join(root, 'src', 'a.ts'));
    assert.throws(() => resolveInsideRoots([root], '../outside/secret.txt'), /leaves|goes up/);
  });
});
