/**
 * UTF-8 decoding with Python's `bytes.decode(errors="ignore")` semantics (test-suite-sql-eval's text_factory):
 * invalid bytes are dropped, each ill-formed sequence ending at its maximal valid prefix (Unicode 3.9 / CPython),
 * so a byte that could start a valid sequence is never swallowed by the preceding error.
 */
export function decodeUtf8Ignore(bytes: Uint8Array): { text: string; invalid: boolean } {
  let out = '';
  let invalid = false;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      if (b0 === 0xe0) lo = 0xa0;
      else if (b0 === 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      if (b0 === 0xf0) lo = 0x90;
      else if (b0 === 0xf4) hi = 0x8f;
    } else {
      invalid = true;
      i++;
      continue;
    }
    let cp = b0 & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++, j++) {
      const b = bytes[j];
      const min = k === 0 ? lo : 0x80;
      const max = k === 0 ? hi : 0xbf;
      if (b === undefined || b < min || b > max) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (b & 0x3f);
    }
    if (!ok) {
      invalid = true;
      i = j;
      continue;
    }
    out += String.fromCodePoint(cp);
    i = j;
  }
  return { text: out, invalid };
}
