/**
 * A port of CPython's `difflib.SequenceMatcher` (Lib/difflib.py, Ratcliff/Obershelp "gestalt pattern matching"
 * with the junk and autojunk heuristics) that returns results identical to CPython's: the same matching blocks,
 * opcodes, grouped opcodes and `ratio()` down to the last bit.
 *
 * Why a port and not an npm package: the packages that call themselves difflib ports either re-implement the
 * algorithm loosely (different tie-breaking, no autojunk) or are slow; the SWE-RL reward is defined by CPython's
 * exact choices, so every decision below (earliest i, then earliest j; extension over junk; popular elements at
 * len(b) >= 200) follows the Python code line by line.
 *
 * Speed comes from representation only: elements are interned to dense integer ids, `b2j` is a CSR table of
 * typed arrays, and `find_longest_match`'s per-row dicts become one length array stamped with a row counter.
 *
 * Sequences are arrays of strings (lines) or strings. A string is compared element by element as Python does,
 * i.e. by Unicode code point (not UTF-16 unit), so lengths and ratios match Python's `len(str)`.
 */

export type Sequence = string | readonly string[];

export interface Match {
  a: number;
  b: number;
  size: number;
}

export type OpTag = 'replace' | 'delete' | 'insert' | 'equal';
/** `[tag, i1, i2, j1, j2]`, as in Python. */
export type Opcode = [OpTag, number, number, number, number];

/** Interned view of a sequence: elements of `a` that never occur in `b` get id -1 (they can never match). */
interface Interned {
  aIds: Int32Array;
  bIds: Int32Array;
  /** Number of distinct elements in b. */
  nb: number;
}

/** Splits a JS string into Python code points (surrogate pairs joined), as numbers. */
export function codePoints(s: string): Int32Array {
  const out = new Int32Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out[n++] = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        i++;
        continue;
      }
    }
    out[n++] = c;
  }
  return n === s.length ? out : out.slice(0, n);
}

/** Length of a string in code points (Python's `len`). */
export function pyLen(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

// Scratch table for interning BMP code points; entries are reset after each use.
const BMP_IDS = new Int32Array(0x10000).fill(-1);

function internCodePoints(a: Int32Array, b: Int32Array): Interned {
  const bIds = new Int32Array(b.length);
  const astral = new Map<number, number>();
  const used: number[] = [];
  let nb = 0;
  for (let j = 0; j < b.length; j++) {
    const c = b[j]!;
    let id: number;
    if (c < 0x10000) {
      id = BMP_IDS[c]!;
      if (id < 0) {
        id = BMP_IDS[c] = nb++;
        used.push(c);
      }
    } else {
      const got = astral.get(c);
      if (got === undefined) astral.set(c, (id = nb++));
      else id = got;
    }
    bIds[j] = id;
  }
  const aIds = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const c = a[i]!;
    aIds[i] = c < 0x10000 ? BMP_IDS[c]! : (astral.get(c) ?? -1);
  }
  for (const c of used) BMP_IDS[c] = -1;
  return { aIds, bIds, nb };
}

function internStrings(a: readonly string[], b: readonly string[]): { ids: Interned; values: string[] } {
  const map = new Map<string, number>();
  const values: string[] = [];
  const bIds = new Int32Array(b.length);
  for (let j = 0; j < b.length; j++) {
    const s = b[j]!;
    let id = map.get(s);
    if (id === undefined) {
      id = values.length;
      map.set(s, id);
      values.push(s);
    }
    bIds[j] = id;
  }
  const aIds = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) aIds[i] = map.get(a[i]!) ?? -1;
  return { ids: { aIds, bIds, nb: values.length }, values };
}

export class SequenceMatcher {
  private a: Sequence = '';
  private b: Sequence = '';
  private aIds: Int32Array = new Int32Array(0);
  private bIds: Int32Array = new Int32Array(0);
  private la = 0;
  private lb = 0;
  /** CSR b2j: indices of id k in b are b2jIdx[b2jStart[k] .. b2jStart[k+1]); junk and popular ids have empty ranges. */
  private b2jStart = new Int32Array(1);
  private b2jIdx = new Int32Array(0);
  /** 1 where the element of b with that id is junk (isjunk). Popular elements are not junk (as in CPython). */
  private bjunk = new Uint8Array(0);
  private hasJunk = false;
  private matchingBlocks: Match[] | null = null;
  private opcodes: Opcode[] | null = null;
  // find_longest_match scratch: j -> run length, valid when stamp[j] equals the row's stamp.
  private lenArr = new Int32Array(0);
  private stampArr = new Int32Array(0);
  private stamp = 0;
  /**
   * Called about every 65,000 comparisons (and once per matching-block search) so a caller can stop a long ratio:
   * it throws to abandon the computation (a deadline, a cancellation). Not part of CPython's class.
   */
  check: (() => void) | undefined = undefined;
  private work = 0;

  constructor(
    private readonly isjunk: ((elt: string) => boolean) | null = null,
    a: Sequence = '',
    b: Sequence = '',
    private readonly autojunk = true,
  ) {
    this.setSeqs(a, b);
  }

  setSeqs(a: Sequence, b: Sequence): void {
    this.a = a;
    this.b = b;
    this.prepare();
  }

  setSeq1(a: Sequence): void {
    this.setSeqs(a, this.b);
  }

  setSeq2(b: Sequence): void {
    this.setSeqs(this.a, b);
  }

  private prepare(): void {
    this.matchingBlocks = null;
    this.opcodes = null;
    const { a, b } = this;
    let ids: Interned;
    let valueOf: (id: number) => string;
    if (typeof a === 'string' && typeof b === 'string') {
      const bc = codePoints(b);
      ids = internCodePoints(codePoints(a), bc);
      const firstCp = new Int32Array(ids.nb);
      for (let j = bc.length - 1; j >= 0; j--) firstCp[ids.bIds[j]!] = bc[j]!;
      valueOf = (id) => String.fromCodePoint(firstCp[id]!);
    } else {
      const aa = typeof a === 'string' ? Array.from(a) : a;
      const bb = typeof b === 'string' ? Array.from(b) : b;
      const r = internStrings(aa, bb);
      ids = r.ids;
      valueOf = (id) => r.values[id]!;
    }
    this.aIds = ids.aIds;
    this.bIds = ids.bIds;
    this.la = ids.aIds.length;
    this.lb = ids.bIds.length;
    this.chainB(ids.nb, valueOf);
    if (this.lenArr.length < this.lb + 1) {
      this.lenArr = new Int32Array(this.lb + 1);
      this.stampArr = new Int32Array(this.lb + 1);
      this.stamp = 0;
    }
  }

  /** CPython's `__chain_b`: index b, drop junk, then (autojunk, n >= 200) drop elements in more than 1% + 1 spots. */
  private chainB(nb: number, valueOf: (id: number) => string): void {
    const { bIds, lb } = this;
    const counts = new Int32Array(nb);
    for (let j = 0; j < lb; j++) counts[bIds[j]!]!++;
    const dropped = new Uint8Array(nb);
    this.bjunk = new Uint8Array(nb);
    this.hasJunk = false;
    if (this.isjunk) {
      for (let k = 0; k < nb; k++) {
        if (this.isjunk(valueOf(k))) {
          this.bjunk[k] = 1;
          dropped[k] = 1;
          this.hasJunk = true;
        }
      }
    }
    if (this.autojunk && lb >= 200) {
      const ntest = Math.floor(lb / 100) + 1;
      for (let k = 0; k < nb; k++) if (!dropped[k] && counts[k]! > ntest) dropped[k] = 1;
    }
    const start = new Int32Array(nb + 1);
    for (let k = 0; k < nb; k++) start[k + 1] = start[k]! + (dropped[k] ? 0 : counts[k]!);
    const fill = start.slice(0, nb);
    const idx = new Int32Array(start[nb]!);
    for (let j = 0; j < lb; j++) {
      const k = bIds[j]!;
      if (!dropped[k]) idx[fill[k]!++] = j;
    }
    this.b2jStart = start;
    this.b2jIdx = idx;
  }

  /**
   * Longest matching block in a[alo:ahi] and b[blo:bhi]; among maximal blocks the one starting earliest in a,
   * then earliest in b; then extended over junk on both sides (CPython's exact rules).
   */
  findLongestMatch(alo = 0, ahi = this.la, blo = 0, bhi = this.lb): Match {
    const { aIds: a, bIds: b, b2jStart: start, b2jIdx: idx, lenArr, stampArr } = this;
    let besti = alo;
    let bestj = blo;
    let bestsize = 0;
    if (this.stamp > 0x7ffffff0 - (ahi - alo)) {
      stampArr.fill(0);
      this.stamp = 0;
    }
    // A fresh stamp per row; +1 first so the first row never sees the previous call's last row as "previous".
    let stamp = ++this.stamp;
    for (let i = alo; i < ahi; i++) {
      const prev = stamp;
      stamp = ++this.stamp;
      const id = a[i]!;
      if (id < 0) continue;
      let lo = start[id]!;
      let hi = start[id + 1]!;
      if (lo === hi) continue;
      if (this.check !== undefined && (this.work += hi - lo) > 1 << 16) {
        this.work = 0;
        this.check();
      }
      // Restrict to blo <= j < bhi by binary search (CPython skips/breaks linearly; same set of j).
      if (idx[lo]! < blo) {
        let l = lo;
        let h = hi;
        while (l < h) {
          const m = (l + h) >>> 1;
          if (idx[m]! < blo) l = m + 1;
          else h = m;
        }
        lo = l;
      }
      if (hi > lo && idx[hi - 1]! >= bhi) {
        let l = lo;
        let h = hi;
        while (l < h) {
          const m = (l + h) >>> 1;
          if (idx[m]! < bhi) l = m + 1;
          else h = m;
        }
        hi = l;
      }
      // Descending j so that reading j-1 sees the previous row before this row overwrites it. CPython walks
      // ascending and keeps the first j that beats bestsize; the same j is the smallest j with the row maximum.
      let rowBest = 0;
      let rowJ = 0;
      for (let p = hi - 1; p >= lo; p--) {
        const j = idx[p]!;
        const k = j > 0 && stampArr[j - 1] === prev ? lenArr[j - 1]! + 1 : 1;
        lenArr[j] = k;
        stampArr[j] = stamp;
        if (k >= rowBest) {
          rowBest = k;
          rowJ = j;
        }
      }
      if (rowBest > bestsize) {
        besti = i - rowBest + 1;
        bestj = rowJ - rowBest + 1;
        bestsize = rowBest;
      }
    }
    // Extend over non-junk equal elements, then over junk equal elements (CPython's four loops).
    const junk = this.bjunk;
    const hasJunk = this.hasJunk;
    while (besti > alo && bestj > blo && !(hasJunk && junk[b[bestj - 1]!]) && a[besti - 1] === b[bestj - 1]) {
      besti--;
      bestj--;
      bestsize++;
    }
    while (besti + bestsize < ahi && bestj + bestsize < bhi && !(hasJunk && junk[b[bestj + bestsize]!]) && a[besti + bestsize] === b[bestj + bestsize]) {
      bestsize++;
    }
    if (hasJunk) {
      while (besti > alo && bestj > blo && junk[b[bestj - 1]!] && a[besti - 1] === b[bestj - 1]) {
        besti--;
        bestj--;
        bestsize++;
      }
      while (besti + bestsize < ahi && bestj + bestsize < bhi && junk[b[bestj + bestsize]!] && a[besti + bestsize] === b[bestj + bestsize]) {
        bestsize++;
      }
    }
    return { a: besti, b: bestj, size: bestsize };
  }

  getMatchingBlocks(): Match[] {
    if (this.matchingBlocks) return this.matchingBlocks;
    const { la, lb } = this;
    const queue: number[] = [0, la, 0, lb];
    const blocks: Match[] = [];
    while (queue.length > 0) {
      const bhi = queue.pop()!;
      const blo = queue.pop()!;
      const ahi = queue.pop()!;
      const alo = queue.pop()!;
      this.check?.();
      const x = this.findLongestMatch(alo, ahi, blo, bhi);
      const { a: i, b: j, size: k } = x;
      if (k) {
        blocks.push(x);
        if (alo < i && blo < j) queue.push(alo, i, blo, j);
        if (i + k < ahi && j + k < bhi) queue.push(i + k, ahi, j + k, bhi);
      }
    }
    // Blocks never overlap in a, so ordering by a equals Python's tuple sort.
    blocks.sort((x, y) => x.a - y.a);
    let i1 = 0;
    let j1 = 0;
    let k1 = 0;
    const nonAdjacent: Match[] = [];
    for (const { a: i2, b: j2, size: k2 } of blocks) {
      if (i1 + k1 === i2 && j1 + k1 === j2) {
        k1 += k2;
      } else {
        if (k1) nonAdjacent.push({ a: i1, b: j1, size: k1 });
        i1 = i2;
        j1 = j2;
        k1 = k2;
      }
    }
    if (k1) nonAdjacent.push({ a: i1, b: j1, size: k1 });
    nonAdjacent.push({ a: la, b: lb, size: 0 });
    this.matchingBlocks = nonAdjacent;
    return nonAdjacent;
  }

  getOpcodes(): Opcode[] {
    if (this.opcodes) return this.opcodes;
    let i = 0;
    let j = 0;
    const answer: Opcode[] = [];
    for (const { a: ai, b: bj, size } of this.getMatchingBlocks()) {
      let tag: OpTag | '' = '';
      if (i < ai && j < bj) tag = 'replace';
      else if (i < ai) tag = 'delete';
      else if (j < bj) tag = 'insert';
      if (tag) answer.push([tag, i, ai, j, bj]);
      i = ai + size;
      j = bj + size;
      if (size) answer.push(['equal', ai, i, bj, j]);
    }
    this.opcodes = answer;
    return answer;
  }

  /** Change clusters with up to n elements of context (CPython's generator, collected). */
  getGroupedOpcodes(n = 3): Opcode[][] {
    let codes: Opcode[] = this.getOpcodes().map((c) => [...c] as Opcode);
    if (codes.length === 0) codes = [['equal', 0, 1, 0, 1]];
    const first = codes[0]!;
    if (first[0] === 'equal') {
      const [tag, i1, i2, j1, j2] = first;
      codes[0] = [tag, Math.max(i1, i2 - n), i2, Math.max(j1, j2 - n), j2];
    }
    const last = codes[codes.length - 1]!;
    if (last[0] === 'equal') {
      const [tag, i1, i2, j1, j2] = last;
      codes[codes.length - 1] = [tag, i1, Math.min(i2, i1 + n), j1, Math.min(j2, j1 + n)];
    }
    const nn = n + n;
    const groups: Opcode[][] = [];
    let group: Opcode[] = [];
    for (const code of codes) {
      const [tag, , i2, , j2] = code;
      let [, i1, , j1] = code;
      if (tag === 'equal' && i2 - i1 > nn) {
        group.push([tag, i1, Math.min(i2, i1 + n), j1, Math.min(j2, j1 + n)]);
        groups.push(group);
        group = [];
        i1 = Math.max(i1, i2 - n);
        j1 = Math.max(j1, j2 - n);
      }
      group.push([tag, i1, i2, j1, j2]);
    }
    if (group.length > 0 && !(group.length === 1 && group[0]![0] === 'equal')) groups.push(group);
    return groups;
  }

  /** 2.0 * M / T, computed with the same float operations as CPython (`2.0 * matches / length`). */
  ratio(): number {
    let matches = 0;
    for (const m of this.getMatchingBlocks()) matches += m.size;
    return calculateRatio(matches, this.la + this.lb);
  }

  quickRatio(): number {
    const counts = new Int32Array(this.b2jStart.length - 1);
    for (let j = 0; j < this.lb; j++) counts[this.bIds[j]!]!++;
    let matches = 0;
    for (let i = 0; i < this.la; i++) {
      const id = this.aIds[i]!;
      if (id >= 0 && counts[id]! > 0) {
        counts[id]!--;
        matches++;
      }
    }
    return calculateRatio(matches, this.la + this.lb);
  }

  realQuickRatio(): number {
    return calculateRatio(Math.min(this.la, this.lb), this.la + this.lb);
  }
}

function calculateRatio(matches: number, length: number): number {
  return length ? (2.0 * matches) / length : 1.0;
}

/** `SequenceMatcher(None, a, b, autojunk).ratio()` in one call. */
export function ratio(a: Sequence, b: Sequence, autojunk = true, check?: () => void): number {
  const m = new SequenceMatcher(null, a, b, autojunk);
  m.check = check;
  return m.ratio();
}
