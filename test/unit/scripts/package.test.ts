/** scripts/package.mjs: target selection and the native-file check that keeps each .vsix to its own platform. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../../..');
interface Target { platform: string; arch: string; format: string; lib: RegExp; omit?: RegExp }
interface PackageScript {
  TARGETS: Record<string, Target>;
  DEFAULT_TARGET: string;
  shippedTargets(): string[];
  targetsFromArgs(argv: string[]): string[];
  binaryArch(file: string): { format: string; arch: string } | null;
  packageVsixes(o: { targets: string[] }): Promise<unknown>;
}
const load = (): Promise<PackageScript> => import(path.join(ROOT, 'scripts/package.mjs')) as Promise<PackageScript>;
const binDir = (t: Target) => path.join(ROOT, 'node_modules/onnxruntime-node/bin/napi-v6', t.platform, t.arch);

describe('scripts/package.mjs targets', () => {
  it('npm run package builds linux-x64 only; --target and --all-targets choose others', async () => {
    const m = await load();
    assert.deepStrictEqual(m.targetsFromArgs([]), ['linux-x64']);
    assert.deepStrictEqual(m.targetsFromArgs(['--skip-build']), ['linux-x64']);
    assert.deepStrictEqual(m.targetsFromArgs(['--target', 'win32-x64,darwin-arm64', '--target=linux-arm64']), ['win32-x64', 'darwin-arm64', 'linux-arm64']);
    assert.throws(() => m.targetsFromArgs(['--target']), /needs a value/);
    assert.deepStrictEqual(m.targetsFromArgs(['--all-targets']), m.shippedTargets());
    assert.deepStrictEqual(Object.keys(m.TARGETS).sort(), ['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64']);
  });

  it('a target onnxruntime-node ships no binaries for is refused before anything is built', async () => {
    const m = await load();
    const missing = Object.keys(m.TARGETS).filter((t) => !m.shippedTargets().includes(t));
    for (const t of missing) await assert.rejects(m.packageVsixes({ targets: [t] }), new RegExp(`ships no .* binaries, so there is no ${t} package`));
    await assert.rejects(m.packageVsixes({ targets: ['solaris-sparc'] }), /unknown target solaris-sparc/);
  });

  it("reads each shipped target's native files as that target's format and CPU, and nothing else as it", async function () {
    const m = await load();
    const shipped = m.shippedTargets();
    if (shipped.length < 2) {
      console.log(`    skipped: node_modules/onnxruntime-node has binaries for ${shipped.join(', ') || 'no platform'} only`);
      this.skip();
    }
    for (const t of shipped) {
      const spec = m.TARGETS[t]!;
      const files = fs.readdirSync(binDir(spec));
      assert.ok(files.some((f) => spec.lib.test(f)), `${t}: a library matching ${spec.lib}`);
      for (const f of files) {
        const a = m.binaryArch(path.join(binDir(spec), f));
        assert.deepStrictEqual(a, { format: spec.format, arch: spec.arch }, `${t}/${f}`);
        for (const other of shipped.filter((o) => o !== t)) {
          const o = m.TARGETS[other]!;
          assert.ok(a!.format !== o.format || a!.arch !== o.arch, `${t}/${f} would pass as ${other}`);
        }
      }
    }
    assert.strictEqual(m.binaryArch(path.join(ROOT, 'package.json')), null);
  });
});
