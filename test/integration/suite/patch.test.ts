/**
 * Patch candidates inside a real VS Code: a candidate's patched text opens in the diff editor as a virtual
 * `reward-lens-candidate:` document, applying it is one WorkspaceEdit, and one undo restores the file; the worker's
 * `patch.rank` ranks candidates whose top result opens and applies the same way.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PatchRankResult } from '../../../src/core/patch/protocol';
import { CANDIDATE_SCHEME, applyCandidate, openCandidateDiff, openCandidateFileDiff, registerCandidateDocuments } from '../../../src/extension/patch/diffReview';

const ORIGINAL = 'export function add(a: number, b: number): number {\n  return a - b;\n}\n';
const PATCHED = ORIGINAL.replace('a - b', 'a + b');

interface Api {
  worker: { call(method: string, params: unknown, options?: { timeoutMs?: number }): Promise<unknown> };
}

/** Resolves when `pred` holds, re-checking on every tab change (no fixed sleeps). */
function whenTabs(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error('timed out waiting for the diff tab'));
    }, timeoutMs);
    const sub = vscode.window.tabGroups.onDidChangeTabs(() => {
      if (pred()) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
}

function activeDiff(): vscode.TabInputTextDiff | null {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputTextDiff ? input : null;
}

describe('Patch candidates: diff review and apply', () => {
  let dir: string;
  let file: vscode.Uri;
  let registration: vscode.Disposable;
  // Removed at the end, not after each test: a late auto-save of a closed editor must still find its folder.
  const dirs: string[] = [];

  before(() => {
    registration = registerCandidateDocuments();
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-patch-it-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'math.ts'), ORIGINAL);
    file = vscode.Uri.file(path.join(dir, 'math.ts'));
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(() => {
    registration.dispose();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('opens the candidate in the diff editor as a virtual document', async () => {
    const right = await openCandidateDiff(file, PATCHED, 'Candidate 1');
    await whenTabs(() => activeDiff()?.modified.toString() === right.toString());
    const diff = activeDiff()!;
    assert.equal(diff.original.fsPath, file.fsPath);
    assert.equal(diff.modified.scheme, CANDIDATE_SCHEME);
    const doc = await vscode.workspace.openTextDocument(right);
    assert.equal(doc.getText(), PATCHED);
    assert.equal(doc.languageId, 'typescript');
    // The real file is untouched by reviewing.
    assert.equal(fs.readFileSync(file.fsPath, 'utf8'), ORIGINAL);
  });

  it('applies a candidate as one WorkspaceEdit, and one undo restores the file', async () => {
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const ok = await applyCandidate(vscode.Uri.file(dir), [{ path: 'math.ts', status: 'modified', after: PATCHED }], { expectedBefore: { 'math.ts': ORIGINAL } });
    assert.equal(ok, true);
    assert.equal(doc.getText(), PATCHED);
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), ORIGINAL);
    assert.equal(doc.isDirty, false);
  });

  it('Accept and Undo leave the document modified, never saved by us (with auto save off, as desktop VS Code ships)', async () => {
    const files = vscode.workspace.getConfiguration('files');
    const before = files.inspect<string>('autoSave')?.globalValue;
    await files.update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    try {
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      assert.equal(await applyCandidate(vscode.Uri.file(dir), [{ path: 'math.ts', status: 'modified', after: PATCHED }]), true);
      assert.equal(doc.isDirty, true, 'modified after Accept');
      // Longer than the web default auto-save delay (1 s): nothing of ours saves it meanwhile.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(fs.readFileSync(file.fsPath, 'utf8'), ORIGINAL, 'not written to disk by Accept');
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('undo');
      assert.equal(doc.getText(), ORIGINAL);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(fs.readFileSync(file.fsPath, 'utf8'), ORIGINAL, 'not written to disk by Undo');
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      await files.update('autoSave', before, vscode.ConfigurationTarget.Global);
    }
  });

  it('refuses to apply over a file that changed since the candidates were made', async () => {
    await assert.rejects(
      applyCandidate(vscode.Uri.file(dir), [{ path: 'math.ts', status: 'modified', after: PATCHED }], { expectedBefore: { 'math.ts': 'something else' } }),
      /math\.ts has changed since the candidates were generated/,
    );
    assert.equal((await vscode.workspace.openTextDocument(file)).getText(), ORIGINAL);
  });

  it('ranks candidates in the worker (patch.rank) and opens and applies the best one', async function () {
    const ext = vscode.extensions.getExtension<Api>('reward-lens.reward-lens');
    assert.ok(ext, 'extension not installed');
    const api = await ext.activate();
    const sr = (s: string, r: string) => `\`\`\`ts\n### math.ts\n<<<<<<< SEARCH\n${s}\n=======\n${r}\n>>>>>>> REPLACE\n\`\`\``;
    let out: PatchRankResult;
    try {
      out = (await api.worker.call(
        'patch.rank',
        { root: dir, groups: [{ group: 'g', prompt: 'fix add', candidates: [sr('  return a - b;', '  return a * b;'), sr('  return a - b;', '  return a + b;'), sr('nope', 'x')], reference: sr('  return a - b;', '  return a + b;') }] },
        { timeoutMs: 30_000 },
      )) as PatchRankResult;
    } catch (e) {
      if ((e as { code?: string }).code === 'unknown_method') {
        console.log('      (skipped: the built worker in dist/ predates patch.rank; rebuild with npm run build)');
        this.skip();
      }
      throw e;
    }
    const best = out.groups[0]!.candidates.find((c) => c.rank === 1)!;
    assert.equal(best.index, 1);
    assert.equal(best.rewards.similarity, 1);
    assert.equal(out.groups[0]!.candidates[2]!.error?.code, 'patch_apply');
    const right = await openCandidateFileDiff(vscode.Uri.file(dir), best.files[0]!, 'Candidate 2');
    await whenTabs(() => activeDiff()?.modified.toString() === right.toString());
    assert.equal(await applyCandidate(vscode.Uri.file(dir), best.files), true);
    const doc = await vscode.workspace.openTextDocument(file);
    assert.equal(doc.getText(), PATCHED);
    assert.equal(await doc.save(), true, 'save failed');
    assert.equal(fs.readFileSync(file.fsPath, 'utf8'), PATCHED);
  });
});
