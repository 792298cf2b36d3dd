/**
 * Hostile patch inputs (issue 15): paths that leave the root, links, sizes, formats. Every case asserts its verdict
 * (code and a message that names the limit or the path), that nothing outside the root was read (no outside content
 * in the output) or written, that nothing in the root was written (trees hashed before and after, links not
 * followed), and, at the end, that the same process still ranks a normal group. Time limits are driven by a fake
 * clock, so no case depends on the machine's speed.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PatchRankParams, PatchRankResult } from '../../../../src/core/patch/protocol';
import { rankPatch, type RankPatchOptions } from '../../../../src/worker/patch/rankPatch';
import { copyWorkspace, runCommand, testSandboxUnavailable, writeChanges } from '../../../../src/worker/patch/testRunner';

const SECRET = 'TOP-SECRET-LINE-7f3a';
const MATH = 'export function add(a: number, b: number): number {\n  return a - b;\n}\n';
const sr = (p: string, s: string, r: string) => `\`\`\`ts\n### ${p}\n<<<<<<< SEARCH\n${s}\n=======\n${r}\n>>>>>>> REPLACE\n\`\`\``;
const GOOD = sr('src/math.ts', '  return a - b;', '  return a + b;');
const diff = (from: string, to: string, body: string) => `--- ${from}\n+++ ${to}\n${body}`;
const NODE = JSON.stringify(process.execPath);

/** sha256 of a tree without following links: path -> kind + content (file bytes, link target). */
function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string, rel: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      const r = `${rel}/${name}`;
      if (st.isSymbolicLink()) h.update(`L ${r} -> ${fs.readlinkSync(p)}\n`);
      else if (st.isDirectory()) {
        h.update(`D ${r} ${st.mode & 0o777}\n`);
        walk(p, r);
      } else if (st.isFile()) h.update(`F ${r} ${st.mode & 0o777} `).update(fs.readFileSync(p)).update('\n');
      else h.update(`S ${r}\n`);
    }
  };
  walk(dir, '');
  return h.digest('hex');
}

describe('worker/patch hostile inputs', function () {
  this.timeout(60_000);
  let base: string;
  let root: string;
  let outside: string;
  let hashes: { root: string; outside: string };

  before(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-hostile-')));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    fs.mkdirSync(path.join(root, 'src'), { recursive: true });
    fs.mkdirSync(path.join(root, 'node_modules', 'x'), { recursive: true });
    fs.mkdirSync(path.join(root, '.venv'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(root, 'src', 'math.ts'), MATH);
    fs.writeFileSync(path.join(root, 'node_modules', 'x', 'index.js'), 'module.exports = 1;\n');
    fs.writeFileSync(path.join(root, '.venv', 'lib.py'), 'X = 1\n');
    fs.writeFileSync(path.join(root, 'bin.dat'), Buffer.from([0x61, 0x00, 0x62, 0x0a]));
    fs.writeFileSync(path.join(root, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    fs.writeFileSync(path.join(root, 'big.txt'), 'y\n'.repeat(3000));
    fs.writeFileSync(path.join(outside, 'secret.txt'), `${SECRET}\nmore\n`);
    fs.symlinkSync(outside, path.join(root, 'link_out'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'file_link'));
    fs.symlinkSync(path.join(root, 'src'), path.join(root, 'alias'));
    fs.symlinkSync(path.join(outside, 'missing'), path.join(root, 'dangling'));
    if (process.platform !== 'win32') spawnSync('mkfifo', [path.join(root, 'pipe')]);
    hashes = { root: treeHash(root), outside: treeHash(outside) };
  });

  after(() => fs.rmSync(base, { recursive: true, force: true }));

  afterEach(function () {
    assert.equal(treeHash(outside), hashes.outside, `${this.currentTest?.title}: the folder outside the root changed`);
    assert.equal(treeHash(root), hashes.root, `${this.currentTest?.title}: the root changed`);
  });

  async function rank(params: Omit<PatchRankParams, 'root'> & { root?: string | null }, opts: RankPatchOptions = {}): Promise<PatchRankResult> {
    const out = await rankPatch({ root, ...params }, opts);
    assert.ok(!JSON.stringify(out).includes(SECRET), 'outside content reached the output');
    return out;
  }
  const one = async (candidate: string, extra: Partial<PatchRankParams> = {}) => (await rank({ groups: [{ group: 'g', prompt: '', candidates: [candidate, GOOD] }], ...extra })).groups[0]!.candidates;
  function verdict(c: { error: { code: string; message: string } | null; rewards: Record<string, number> }, code: string, re: RegExp) {
    assert.ok(c.error, 'expected a verdict');
    assert.equal(c.error.code, code, c.error.message);
    assert.match(c.error.message, re);
    assert.notEqual(c.rewards.applies, 1);
  }

  describe('paths', () => {
    const refusedPaths: [string, string][] = [
      ['search/replace ../', sr('../escape.ts', '', 'x')],
      ['search/replace absolute', sr('/tmp/rl-hostile-abs.ts', '', 'x')],
      ['search/replace a/../../x', sr('a/../../x.ts', '', 'x')],
      ['search/replace backslash ..\\', sr('..\\escape.ts', '', 'x')],
      ['search/replace drive letter', sr('C:/escape.ts', '', 'x')],
      ['search/replace into .git', sr('.git/hooks/pre-commit', '', 'rm -rf ~')],
      // names Windows reads as .git or ..: trailing dots and spaces stripped, NTFS streams, the 8.3 short name
      ['search/replace into .git. (Windows)', sr('.git./hooks/pre-commit', '', 'rm -rf ~')],
      ['search/replace into ".git " (Windows)', sr('.git /hooks/pre-commit', '', 'rm -rf ~')],
      ['search/replace into GIT~1 (Windows 8.3 name)', sr('GIT~1/hooks/pre-commit', '', 'rm -rf ~')],
      ['search/replace into .git::$INDEX_ALLOCATION (NTFS stream)', sr('.git::$INDEX_ALLOCATION/hooks/pre-commit', '', 'rm -rf ~')],
      ['search/replace up through ".. " (Windows)', sr('.. /escape.ts', '', 'x')],
      ['search/replace up through "..." (Windows)', sr('a/.../escape.ts', '', 'x')],
      ['search/replace NUL in path', sr('src/a\u0000b.ts', '', 'x')],
      ['diff a/../../x', diff('a/../../x', 'b/../../x', '@@ -1 +1 @@\n-a\n+b\n')],
      ['diff absolute target', diff('/dev/null', '/tmp/rl-hostile-abs.ts', '@@ -0,0 +1 @@\n+x\n')],
      ['diff new file ../', `diff --git a/../evil.js b/../evil.js\nnew file mode 100644\n--- /dev/null\n+++ b/../evil.js\n@@ -0,0 +1 @@\n+x\n`],
      ['diff rename to ../', 'diff --git a/src/math.ts b/../math.ts\nsimilarity index 100%\nrename from src/math.ts\nrename to ../math.ts\n'],
    ];
    for (const [name, cand] of refusedPaths) {
      it(`refuses ${name} per candidate (path_outside_root), the other candidate still ranks`, async () => {
        const c = await one(cand);
        verdict(c[0]!, 'path_outside_root', /paths must stay inside the root/);
        assert.equal(c[1]!.rewards.applies, 1);
        assert.equal(c[1]!.rank, 1);
      });
    }

    it('a symlinked folder that leaves the root: neither read nor quoted (search/replace and diff)', async () => {
      const c1 = await one(sr('link_out/secret.txt', 'more', 'x'));
      verdict(c1[0]!, 'path_outside_root', /symbolic link that leaves the root/);
      const c2 = await one(diff('a/link_out/secret.txt', 'b/link_out/secret.txt', '@@ -1,2 +1,2 @@\n-nothing\n+x\n more\n'));
      verdict(c2[0]!, 'path_outside_root', /"link_out\/secret\.txt"/);
    });

    it('a symlinked file that leaves the root is refused; a link inside the root is read through', async () => {
      verdict((await one(diff('a/file_link', 'b/file_link', '@@ -1 +1 @@\n-x\n+y\n')))[0]!, 'path_outside_root', /file_link/);
      const c = await one(sr('alias/math.ts', '  return a - b;', '  return a * b;'));
      assert.equal(c[0]!.rewards.applies, 1);
    });

    it('a dangling link and a FIFO named by a candidate: refused or not read, no hang', async () => {
      verdict((await one(sr('dangling', '', 'x')))[0]!, 'path_outside_root', /dangling/);
      const c = await one(diff('a/pipe', 'b/pipe', '@@ -1 +1 @@\n-x\n+y\n'));
      verdict(c[0]!, 'patch_apply', /pipe: the diff patches a file that is not in the workspace/);
    });

    it('paths __proto__ and constructor are ordinary keys (files, candidates, reference): no crash, no prototype change', async () => {
      const files = JSON.parse('{"__proto__": "p\\n", "constructor": "c\\n", "src/math.ts": ' + JSON.stringify(MATH) + '}') as Record<string, string>;
      const out = await rank({
        root: null,
        groups: [{ group: 'g', prompt: '', files, reference: sr('__proto__', 'p', 'q'), candidates: [sr('__proto__', 'p', 'q'), sr('constructor', 'c', 'd'), diff('/dev/null', 'b/toString', '@@ -0,0 +1 @@\n+x\n'), GOOD] }],
      });
      const c = out.groups[0]!.candidates;
      assert.equal(c[0]!.rewards.similarity, 1);
      assert.deepEqual(c[0]!.files, [{ path: '__proto__', status: 'modified', after: 'q\n' }]);
      assert.equal(c[1]!.rewards.applies, 1);
      assert.deepEqual(c[2]!.files, [{ path: 'toString', status: 'added', after: 'x\n' }]);
      assert.equal(({} as Record<string, unknown>).toString, Object.prototype.toString);
    });

    it('--tests: one escaping candidate fails alone; the others are tested', async () => {
      const out = await rank({
        tests: { command: `${NODE} -e "process.exit(require('fs').readFileSync('src/math.ts','utf8').includes('a + b') ? 0 : 1)"`, timeoutMs: 20_000 },
        groups: [{ group: 'g', prompt: '', candidates: [sr('../escape.ts', '', 'x'), GOOD, diff('a/../../x', 'b/../../x', '@@ -1 +1 @@\n-a\n+b\n')] }],
      });
      const c = out.groups[0]!.candidates;
      verdict(c[0]!, 'path_outside_root', /\.\.\/escape\.ts/);
      verdict(c[2]!, 'path_outside_root', /\.\.\/\.\.\/x/);
      assert.equal(c[1]!.rewards.tests, 1);
      assert.equal(c[0]!.rewards.tests, 0);
    });
  });

  describe('test sandbox', () => {
    const cmd = (js: string) => `${NODE} -e ${JSON.stringify(js)}`;
    /** The GOOD candidate's tests run with `command`: the candidate's output (its tests evidence for messages). */
    const tested = async (command: string) => (await rank({ tests: { command, timeoutMs: 20_000 }, groups: [{ group: 'g', prompt: '', candidates: [GOOD] }] })).groups[0]!.candidates[0]!;
    /** Runs `f` with process.env[name] set to `value` (the test command inherits the environment), then restores it. */
    const withEnv = async <T>(name: string, value: string, f: () => Promise<T>): Promise<T> => {
      const saved = process.env[name];
      process.env[name] = value;
      try {
        return await f();
      } finally {
        if (saved === undefined) delete process.env[name];
        else process.env[name] = saved;
      }
    };

    it('a test leaving a process in its own session holding the output pipes: the verdict still comes at the time limit', async () => {
      // setsid escapes the process-group kill; its inherited stdout kept 'close' from ever firing (the ranking hung).
      const pidFile = path.join(base, 'daemon.pid');
      const js = "const c=require('child_process').spawn('sleep',['120'],{detached:true,stdio:['ignore','inherit','inherit']});require('fs').writeFileSync(process.argv[1],String(c.pid));c.unref()";
      const t0 = Date.now();
      const r = await Promise.race([
        runCommand(`${NODE} -e ${JSON.stringify(js)} ${JSON.stringify(pidFile)}`, base, 1500),
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000)),
      ]);
      try { process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL'); } catch { /* gone */ }
      assert.notEqual(r, 'hung', `no verdict after ${Date.now() - t0} ms`);
      if (r !== 'hung') assert.equal(r.passed, false);
    });
    it('a candidate editing node_modules/x/index.js and creating node_modules/evil.js changes only the copy', async () => {
      const cand = `diff --git a/node_modules/x/index.js b/node_modules/x/index.js\n--- a/node_modules/x/index.js\n+++ b/node_modules/x/index.js\n@@ -1 +1 @@\n-module.exports = 1;\n+module.exports = 2;\ndiff --git a/node_modules/evil.js b/node_modules/evil.js\nnew file mode 100644\n--- /dev/null\n+++ b/node_modules/evil.js\n@@ -0,0 +1 @@\n+evil\n`;
      const out = await rank({
        tests: { command: cmd("const fs=require('fs');process.exit(require('./node_modules/x')===2&&fs.existsSync('node_modules/evil.js')?0:1)"), timeoutMs: 20_000 },
        groups: [{ group: 'g', prompt: '', candidates: [cand] }],
      });
      assert.equal(out.groups[0]!.candidates[0]!.rewards.tests, 1, JSON.stringify(out.groups[0]!.candidates[0]!.tests));
    });

    it('the test command writing into node_modules, .venv, an in-root link and through a link out of the root touches nothing real', async () => {
      const js = [
        "const fs=require('fs');",
        "fs.writeFileSync('node_modules/x/index.js','hacked');",
        "fs.appendFileSync('.venv/lib.py','hacked');",
        "fs.writeFileSync('alias/math.ts','hacked');",
        "let out=0; try { fs.writeFileSync('link_out/pwned.txt','x'); out=1 } catch {}",
        "try { fs.writeFileSync('file_link','x'); } catch {}",
        "process.exit(fs.lstatSync('alias').isSymbolicLink() || fs.existsSync('link_out') ? 1 : 0)",
      ].join('');
      const c = await tested(cmd(js));
      assert.equal(c.rewards.tests, 1, c.tests?.outputTail);
      assert.ok(!fs.existsSync(path.join(outside, 'pwned.txt')));
    });

    it('in the sandbox the test command cannot write the real workspace or anything else by absolute path; the copy and TMPDIR are writable', async function () {
      const why = testSandboxUnavailable();
      if (why) {
        console.log(`      skipped: ${why}`);
        this.skip();
      }
      const js = [
        "const fs=require('fs'),os=require('os'),path=require('path');",
        "const tryWrite=(f)=>{try{fs.writeFileSync(f,'hacked');return 'wrote'}catch(e){return e.code}};",
        `const real=tryWrite(${JSON.stringify(path.join(root, 'src', 'math.ts'))}), out=tryWrite(${JSON.stringify(path.join(outside, 'secret.txt'))});`,
        "const copy=tryWrite('src/new.ts'), tmp=tryWrite(path.join(os.tmpdir(),'t.txt'));",
        "console.log(real,out,copy,tmp);",
        "process.exit(real==='EROFS'&&out==='EROFS'&&copy==='wrote'&&tmp==='wrote'&&os.tmpdir()!=='/tmp'?0:1)",
      ].join('');
      const c = await tested(cmd(js));
      assert.equal(c.rewards.tests, 1, c.tests?.outputTail);
    });

    it('in the sandbox nothing the test command starts outlives it, a setsid process included', async function () {
      if (testSandboxUnavailable()) this.skip();
      const marker = `rl-sandbox-${process.pid}-${Date.now()}`;
      const c = await tested(`setsid sh -c 'sleep 120; : ${marker}' > /dev/null 2>&1 < /dev/null & exit 0`);
      assert.equal(c.rewards.tests, 1, c.tests?.outputTail);
      const left = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout.trim();
      for (const pid of left.split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
      assert.equal(left, '', 'a process the test started outlived it');
    });

    for (const variable of ['XDG_RUNTIME_DIR', 'SSH_AUTH_SOCK'] as const) {
      it(`in the sandbox a socket under ${variable} (session bus, rootless docker; the ssh agent) cannot be reached`, async function () {
        if (testSandboxUnavailable()) this.skip();
        const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-runtime-'));
        const sock = path.join(runtime, 'bus');
        const server = net.createServer((c) => c.end('hello'));
        await new Promise<void>((resolve) => server.listen(sock, resolve));
        try {
          const js = `const c=require('net').connect(${JSON.stringify(sock)});c.on('connect',()=>{console.log('connected');process.exit(1)});c.on('error',(e)=>{console.log(e.code);process.exit(0)})`;
          const c = await withEnv(variable, variable === 'SSH_AUTH_SOCK' ? sock : runtime, () => tested(cmd(js)));
          assert.equal(c.rewards.tests, 1, c.tests?.outputTail);
        } finally {
          server.close();
          fs.rmSync(runtime, { recursive: true, force: true });
        }
      });
    }

    it('in the sandbox the credentials under HOME read as empty and nothing leaves the machine; localhost works', async function () {
      if (testSandboxUnavailable()) this.skip();
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-home-'));
      fs.mkdirSync(path.join(home, '.ssh'));
      fs.writeFileSync(path.join(home, '.ssh', 'id_rsa'), 'PRIVATE KEY');
      fs.writeFileSync(path.join(home, '.npmrc'), '//registry.npmjs.org/:_authToken=SECRET');
      try {
        const js = [
          "const fs=require('fs'),net=require('net'),path=require('path'),h=process.env.HOME;",
          "const rd=(f)=>{try{return fs.readFileSync(path.join(h,f),'utf8')}catch(e){return e.code}};",
          "const key=rd('.ssh/id_rsa'), rc=rd('.npmrc');",
          "const srv=net.createServer((c)=>c.end('local')).listen(0,'127.0.0.1',()=>{",
          " net.connect(srv.address().port,'127.0.0.1').on('data',(d)=>{",
          "  net.connect(80,'192.0.2.1').on('connect',()=>{console.log('outside');process.exit(1)}).on('error',(e)=>{",
          "   console.log(key,JSON.stringify(rc),String(d),e.code);process.exit(key==='ENOENT'&&rc===''&&String(d)==='local'?0:1)})})});",
        ].join('');
        const c = await withEnv('HOME', home, () => tested(cmd(js)));
        assert.equal(c.rewards.tests, 1, c.tests?.outputTail);
        assert.doesNotMatch(c.tests?.outputTail ?? '', /PRIVATE KEY|SECRET/);
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
    });

    it('where the sandbox cannot be made, it says why (and the tests reward is refused, not run bare)', () => {
      assert.match(testSandboxUnavailable('/nonexistent/python3') ?? '', /nonexistent\/python3/);
    });

    it('the sandbox copy holds no symbolic link; writeChanges refuses ../ and links even when called directly', async () => {
      const dir = await copyWorkspace(root);
      try {
        const links: string[] = [];
        const walk = (d: string) => {
          for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            if (e.isSymbolicLink()) links.push(path.join(d, e.name));
            else if (e.isDirectory()) walk(path.join(d, e.name));
          }
        };
        walk(dir);
        assert.deepEqual(links, []);
        assert.equal(fs.readFileSync(path.join(dir, 'alias', 'math.ts'), 'utf8'), MATH, 'an in-root link is copied as what it points to');
        assert.ok(!fs.existsSync(path.join(dir, 'link_out')) && !fs.existsSync(path.join(dir, 'file_link')), 'links out of the root are left out');
        fs.symlinkSync(outside, path.join(dir, 'planted'));
        await assert.rejects(writeChanges(dir, [{ path: 'planted/x.txt', status: 'added', before: null, after: 'x' }]), /path_outside_root|leaves the root/);
        await assert.rejects(writeChanges(dir, [{ path: '../x.txt', status: 'added', before: null, after: 'x' }]), /goes up/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('sizes and time', () => {
    it('a hunk start line of 10^20 is refused at once; 10^9 is clamped and applies with a note', async () => {
      verdict((await one(diff('a/src/math.ts', 'b/src/math.ts', '@@ -99999999999999999999,1 +1,1 @@\n-  return a - b;\n+  return a + b;\n')))[0]!, 'patch_format', /too large/);
      const c = await one(diff('a/src/math.ts', 'b/src/math.ts', '@@ -1000000000,1 +1000000000,1 @@\n-  return a - b;\n+  return a + b;\n'));
      assert.equal(c[0]!.rewards.applies, 1);
      assert.match(c[0]!.notes.join(), /applied at line 2, not at line 1000000000/);
    });

    it('more candidates than maxCandidates: the group is refused with limit_exceeded naming the limit and the flag', async () => {
      const out = await rank({ limits: { maxCandidates: 2 }, groups: [{ group: 'g', prompt: '', candidates: [GOOD, GOOD, GOOD] }, { group: 'ok', prompt: '', candidates: [GOOD] }] });
      assert.equal(out.groups[0]!.error?.code, 'limit_exceeded');
      assert.match(out.groups[0]!.error!.message, /3 candidates exceeds the limit maxCandidates=2; raise it with --limit maxCandidates=N/);
      assert.equal(out.groups[0]!.candidates[2]!.error?.code, 'limit_exceeded');
      assert.equal(out.groups[1]!.candidates[0]!.rewards.applies, 1, 'the next group is scored');
    });

    it('a group over maxGroupChars is refused', async () => {
      const out = await rank({ limits: { maxGroupChars: 1000 }, groups: [{ group: 'g', prompt: '', candidates: [GOOD + ' '.repeat(1000)] }] });
      assert.match(out.groups[0]!.error!.message, /maxGroupChars=1000/);
    });

    it('a candidate over maxPatchChars gets its own verdict', async () => {
      const c = await one(GOOD + '\n'.repeat(5000), { limits: { maxPatchChars: 4000 } });
      verdict(c[0]!, 'limit_exceeded', /candidate 0: 50\d\d characters exceeds the limit maxPatchChars=4000/);
      assert.equal(c[1]!.rewards.applies, 1);
    });

    it('a hunk over maxHunkLines and a file over maxFileLines get limit_exceeded', async () => {
      const body = '@@ -1,3 +1,3 @@\n' + ' y\n-y\n+z\n y\n';
      verdict((await one(diff('a/big.txt', 'b/big.txt', body), { limits: { maxHunkLines: 3 } }))[0]!, 'limit_exceeded', /maxHunkLines=3/);
      verdict((await one(diff('a/big.txt', 'b/big.txt', body), { limits: { maxFileLines: 1000 } }))[0]!, 'limit_exceeded', /big\.txt: 3001 lines exceeds the limit maxFileLines=1000/);
    });

    it('a file over maxFileBytes under the root is not read', async () => {
      verdict((await one(sr('big.txt', 'y', 'z'), { limits: { maxFileBytes: 100 } }))[0]!, 'limit_exceeded', /big\.txt: 6000 bytes exceeds the limit maxFileBytes=100/);
    });

    it('two whole-file rewrites of a large file stop at candidateTimeMs (similarity computed under the budget)', async () => {
      const old = Array.from({ length: 1500 }, (_, i) => `const v${i} = ${i} * ${i % 7}; // line ${i}`).join('\n') + '\n';
      const a = old.replace(/const/g, 'let');
      const b = old.toUpperCase();
      let t = 0;
      const now = () => (t += 1); // every clock read is 1 ms: deterministic, independent of the machine
      const out = await rank(
        { root: null, limits: { candidateTimeMs: 300 }, groups: [{ group: 'g', prompt: '', files: { 'f.ts': old }, reference: '```\n' + b + '```', candidates: ['```\n' + a + '```', '```\n' + b + '```', GOOD] }] },
        { now },
      );
      const c = out.groups[0]!.candidates;
      verdict(c[0]!, 'limit_exceeded', /candidate 0: scoring took over candidateTimeMs=300 ms; raise it with --limit candidateTimeMs=N/);
    });

    it('groupTimeMs stops the group: the candidates not scored in time say so', async () => {
      let t = 0;
      const now = () => (t += 1);
      const many = Array.from({ length: 40 }, (_, i) => sr('src/math.ts', '  return a - b;', `  return a + ${i};`));
      const out = await rank({ limits: { groupTimeMs: 20 }, groups: [{ group: 'g', prompt: '', candidates: many }] }, { now });
      const last = out.groups[0]!.candidates[39]!;
      verdict(last, 'limit_exceeded', /group "g": scoring took over groupTimeMs=20 ms/);
    });

    it('cancel stops the work (no clock reads after the rejection), not just the wait', async () => {
      const old = Array.from({ length: 200 }, (_, i) => `const v${i} = ${i}; // ${i}`).join('\n') + '\n';
      const ac = new AbortController();
      let reads = 0;
      const now = () => (++reads, Date.now());
      const cands = Array.from({ length: 12 }, (_, i) => '```\n' + old.replace(/const/g, `let${i}`) + '```');
      const p = rank({ root: null, groups: [{ group: 'g', prompt: '', files: { 'f.ts': old }, candidates: cands }] }, { now, signal: ac.signal, progress: () => {} });
      const t0 = Date.now();
      setTimeout(() => { if (process.env.RL_DEBUG) console.log('abort at', Date.now() - t0, 'reads', reads); ac.abort(); }, 30);
      void p.then(() => process.env.RL_DEBUG && console.log('resolved at', Date.now() - t0), () => {});
      await assert.rejects(p, (e: { code?: string }) => e.code === 'cancelled');
      const at = reads;
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(reads, at, 'scoring went on after the cancellation');
    });
  });

  describe('formats', () => {
    it('search/replace on a binary file (NUL bytes) does not apply', async () => {
      verdict((await one(sr('bin.dat', 'a', 'c')))[0]!, 'patch_apply', /bin\.dat: binary file/);
    });
    it('a diff on a file with invalid UTF-8 does not apply (no U+FFFD rewrite)', async () => {
      verdict((await one(diff('a/latin1.txt', 'b/latin1.txt', '@@ -1 +1 @@\n-caf\ufffd\n+cafe\n')))[0]!, 'patch_apply', /latin1\.txt: binary file/);
    });
    it('a whole-file rewrite of a given file with NUL bytes does not apply', async () => {
      const out = await rank({ root: null, groups: [{ group: 'g', prompt: '', files: { 'b.bin': 'a\u0000b' }, candidates: ['```\nhello\n```'] }] });
      verdict(out.groups[0]!.candidates[0]!, 'patch_apply', /b\.bin: binary file/);
    });
    it('GIT binary patches and /dev/null on both sides are format errors', async () => {
      verdict((await one('diff --git a/src/math.ts b/src/math.ts\nindex 1..2 100644\nGIT binary patch\nliteral 5\nabcde\n\n'))[0]!, 'patch_format', /binary patch/);
      verdict((await one(diff('/dev/null', '/dev/null', '@@ -0,0 +1 @@\n+x\n')))[0]!, 'patch_format', /\/dev\/null on both sides/);
    });
    it('a 160 KB answer of 4,000 unclosed search/replace blocks gets its verdict (no backtracking regex)', async () => {
      const text = '```\n### src/math.ts\n<<<<<<< SEARCH\nx\n=======\ny\n'.repeat(4000) + '>>>>>>> REPLACE\n';
      verdict((await one(text))[0]!, 'patch_format', /No valid search blocks found/);
    });
    it('a rename from a link out of the root is refused', async () => {
      verdict((await one('diff --git a/link_out/secret.txt b/src/s.txt\nsimilarity index 100%\nrename from link_out/secret.txt\nrename to src/s.txt\n'))[0]!, 'path_outside_root', /link_out/);
    });
  });

  // Mocha runs a suite's own tests before its child suites: this one sits in the last child suite so it runs last.
  describe('afterwards', () => {
    it('after all of the above, the same process still ranks a normal group', async () => {
    const out = await rank({ groups: [{ group: 'g', prompt: '', reference: GOOD, candidates: [sr('src/math.ts', '  return a - b;', '  return b - a;'), GOOD] }] });
    const c = out.groups[0]!.candidates;
    assert.equal(c[1]!.rewards.similarity, 1);
    assert.equal(c[1]!.rank, 1);
    });
  });
});
