/**
 * Colour parsing, and ChartMimic's colour pair score: max(0, 1 - CIEDE2000/100) with Lab and CIEDE2000 computed as
 * python-colormath 3.0 computes them (ChartMimic `chart2code/utils/evaluator/color_utils.py`,
 * `calculate_similarity_single`). The visual reward's histogram uses the textbook sRGB -> Lab (D65) below.
 */
import { pyInt } from '../pyDigits';

export type Rgb = readonly [number, number, number];
export type Lab = readonly [number, number, number];

// CSS named colours (CSS Color 4), packed as name:hex pairs to keep the table small.
const NAMED_PACKED =
  'aliceblue:f0f8ff antiquewhite:faebd7 aqua:00ffff aquamarine:7fffd4 azure:f0ffff beige:f5f5dc bisque:ffe4c4 black:000000 ' +
  'blanchedalmond:ffebcd blue:0000ff blueviolet:8a2be2 brown:a52a2a burlywood:deb887 cadetblue:5f9ea0 chartreuse:7fff00 ' +
  'chocolate:d2691e coral:ff7f50 cornflowerblue:6495ed cornsilk:fff8dc crimson:dc143c cyan:00ffff darkblue:00008b ' +
  'darkcyan:008b8b darkgoldenrod:b8860b darkgray:a9a9a9 darkgreen:006400 darkgrey:a9a9a9 darkkhaki:bdb76b ' +
  'darkmagenta:8b008b darkolivegreen:556b2f darkorange:ff8c00 darkorchid:9932cc darkred:8b0000 darksalmon:e9967a ' +
  'darkseagreen:8fbc8f darkslateblue:483d8b darkslategray:2f4f4f darkslategrey:2f4f4f darkturquoise:00ced1 ' +
  'darkviolet:9400d3 deeppink:ff1493 deepskyblue:00bfff dimgray:696969 dimgrey:696969 dodgerblue:1e90ff ' +
  'firebrick:b22222 floralwhite:fffaf0 forestgreen:228b22 fuchsia:ff00ff gainsboro:dcdcdc ghostwhite:f8f8ff gold:ffd700 ' +
  'goldenrod:daa520 gray:808080 green:008000 greenyellow:adff2f grey:808080 honeydew:f0fff0 hotpink:ff69b4 ' +
  'indianred:cd5c5c indigo:4b0082 ivory:fffff0 khaki:f0e68c lavender:e6e6fa lavenderblush:fff0f5 lawngreen:7cfc00 ' +
  'lemonchiffon:fffacd lightblue:add8e6 lightcoral:f08080 lightcyan:e0ffff lightgoldenrodyellow:fafad2 lightgray:d3d3d3 ' +
  'lightgreen:90ee90 lightgrey:d3d3d3 lightpink:ffb6c1 lightsalmon:ffa07a lightseagreen:20b2aa lightskyblue:87cefa ' +
  'lightslategray:778899 lightslategrey:778899 lightsteelblue:b0c4de lightyellow:ffffe0 lime:00ff00 limegreen:32cd32 ' +
  'linen:faf0e6 magenta:ff00ff maroon:800000 mediumaquamarine:66cdaa mediumblue:0000cd mediumorchid:ba55d3 ' +
  'mediumpurple:9370db mediumseagreen:3cb371 mediumslateblue:7b68ee mediumspringgreen:00fa9a mediumturquoise:48d1cc ' +
  'mediumvioletred:c71585 midnightblue:191970 mintcream:f5fffa mistyrose:ffe4e1 moccasin:ffe4b5 navajowhite:ffdead ' +
  'navy:000080 oldlace:fdf5e6 olive:808000 olivedrab:6b8e23 orange:ffa500 orangered:ff4500 orchid:da70d6 ' +
  'palegoldenrod:eee8aa palegreen:98fb98 paleturquoise:afeeee palevioletred:db7093 papayawhip:ffefd5 peachpuff:ffdab9 ' +
  'peru:cd853f pink:ffc0cb plum:dda0dd powderblue:b0e0e6 purple:800080 rebeccapurple:663399 red:ff0000 ' +
  'rosybrown:bc8f8f royalblue:4169e1 saddlebrown:8b4513 salmon:fa8072 sandybrown:f4a460 seagreen:2e8b57 ' +
  'seashell:fff5ee sienna:a0522d silver:c0c0c0 skyblue:87ceeb slateblue:6a5acd slategray:708090 slategrey:708090 ' +
  'snow:fffafa springgreen:00ff7f steelblue:4682b4 tan:d2b48c teal:008080 thistle:d8bfd8 tomato:ff6347 ' +
  'turquoise:40e0d0 violet:ee82ee wheat:f5deb3 white:ffffff whitesmoke:f5f5f5 yellow:ffff00 yellowgreen:9acd32';

let named: Map<string, string> | undefined;
function namedTable(): Map<string, string> {
  if (!named) {
    named = new Map();
    for (const pair of NAMED_PACKED.split(' ')) {
      const [k, v] = pair.split(':');
      if (k && v) named.set(k, `#${v}`);
    }
  }
  return named;
}

function clamp255(x: number): number {
  return Math.max(0, Math.min(255, Math.round(x)));
}

function hslToRgb(h: number, s: number, l: number): Rgb {
  const hh = (((h % 360) + 360) % 360) / 360;
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const f = (t: number): number => {
    const u = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
    if (u < 1 / 6) return p + (q - p) * 6 * u;
    if (u < 1 / 2) return q;
    if (u < 2 / 3) return p + (q - p) * (2 / 3 - u) * 6;
    return p;
  };
  return [clamp255(f(hh + 1 / 3) * 255), clamp255(f(hh) * 255), clamp255(f(hh - 1 / 3) * 255)];
}

/**
 * Normalises a CSS colour (hex 3/4/6/8, rgb()/rgba(), hsl()/hsla(), named) to lower-case `#rrggbb`.
 * Returns null for anything else (gradients, `none`, `transparent`, fully transparent rgba).
 */
export function normalizeColor(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const s = input.trim().toLowerCase();
  if (!s || s === 'none' || s === 'transparent') return null;
  let m = /^#([0-9a-f]{3,8})$/.exec(s);
  if (m) {
    const h = m[1]!;
    if (h.length === 3 || h.length === 4) {
      if (h.length === 4 && h[3] === '0') return null;
      return `#${h[0]}${h[0]}${h[1]}${h[1]}${h[2]}${h[2]}`;
    }
    if (h.length === 6) return `#${h}`;
    if (h.length === 8) return h.slice(6) === '00' ? null : `#${h.slice(0, 6)}`;
    return null;
  }
  m = /^rgba?\(\s*([\d.]+%?)[\s,]+([\d.]+%?)[\s,]+([\d.]+%?)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(s);
  if (m) {
    const ch = (v: string): number => (v.endsWith('%') ? (parseFloat(v) * 255) / 100 : parseFloat(v));
    if (m[4] !== undefined && parseFloat(m[4]) === 0) return null;
    return rgbToHex([clamp255(ch(m[1]!)), clamp255(ch(m[2]!)), clamp255(ch(m[3]!))]);
  }
  m = /^hsla?\(\s*([\d.]+)(?:deg)?[\s,]+([\d.]+)%[\s,]+([\d.]+)%(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(s);
  if (m) {
    if (m[4] !== undefined && parseFloat(m[4]) === 0) return null;
    return rgbToHex(hslToRgb(parseFloat(m[1]!), parseFloat(m[2]!) / 100, parseFloat(m[3]!) / 100));
  }
  return namedTable().get(s) ?? null;
}

export function hexToRgb(hex: string): Rgb {
  const n = parseInt(hex.slice(1, 7), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function rgbToHex(rgb: Rgb): string {
  return `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** sRGB (0-255) -> CIE L*a*b* with the D65 reference white. */
export function rgbToLab(rgb: Rgb): Lab {
  const lin = rgb.map((c) => {
    const v = c / 255;
    return v > 0.04045 ? ((v + 0.055) / 1.055) ** 2.4 : v / 12.92;
  }) as [number, number, number];
  const [r, g, b] = lin;
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const fx = f(x), fy = f(y), fz = f(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

export function deltaE76(a: Lab, b: Lab): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/**
 * sRGB (0-255) -> Lab exactly as colormath 3.0's `convert_color(sRGBColor(r, g, b, is_upscaled=True), LabColor)`:
 * its 6-digit sRGB -> XYZ matrix (negative XYZ clamped to 0), no chromatic adaptation (the Lab keeps the sRGB
 * space's native D65 white, 0.95047 / 1 / 1.08883: `LabColor`'s D50 default is not applied by this conversion), and
 * the linear segment 7.787 t + 16/116 below (216/24389).
 */
export function rgbToLabColormath(rgb: Rgb): Lab {
  const lin = rgb.map((c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const [r, g, b] = lin;
  const x = Math.max(0.412424 * r + 0.357579 * g + 0.180464 * b, 0);
  const y = Math.max(0.212656 * r + 0.715158 * g + 0.0721856 * b, 0);
  const z = Math.max(0.0193324 * r + 0.119193 * g + 0.950444 * b, 0);
  const f = (t: number): number => (t > 216 / 24389 ? t ** (1 / 3) : 7.787 * t + 16 / 116);
  const fx = f(x / 0.95047), fy = f(y / 1), fz = f(z / 1.08883);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

const RAD = Math.PI / 180;
const DEG = 180 / Math.PI;
const P25_7 = 25 ** 7;

/**
 * CIEDE2000 (kL = kC = kH = 1) as colormath 3.0's `delta_e_cie2000` computes it, including its two departures from
 * Sharma et al. 2005: the mean hue adds 360 whenever the hues are more than 180 apart (never subtracts), which moves
 * the rotation term's centre, and no special case for a zero chroma.
 */
export function deltaE2000(lab1: Lab, lab2: Lab): number {
  const [L1, a1, b1] = lab1;
  const [L2, a2, b2] = lab2;
  const avgLp = (L1 + L2) / 2;
  const C1 = Math.sqrt(a1 * a1 + b1 * b1), C2 = Math.sqrt(a2 * a2 + b2 * b2);
  const avgC = (C1 + C2) / 2;
  const G = 0.5 * (1 - Math.sqrt(avgC ** 7 / (avgC ** 7 + P25_7)));
  const a1p = (1 + G) * a1, a2p = (1 + G) * a2;
  const C1p = Math.sqrt(a1p * a1p + b1 * b1), C2p = Math.sqrt(a2p * a2p + b2 * b2);
  const avgCp = (C1p + C2p) / 2;
  let h1p = Math.atan2(b1, a1p) * DEG;
  if (h1p < 0) h1p += 360;
  let h2p = Math.atan2(b2, a2p) * DEG;
  if (h2p < 0) h2p += 360;
  const avgHp = ((Math.abs(h1p - h2p) > 180 ? 360 : 0) + h1p + h2p) / 2;
  const T = 1 - 0.17 * Math.cos((avgHp - 30) * RAD) + 0.24 * Math.cos(2 * avgHp * RAD) + 0.32 * Math.cos((3 * avgHp + 6) * RAD) - 0.2 * Math.cos((4 * avgHp - 63) * RAD);
  const diff = h2p - h1p;
  let dhp = diff + (Math.abs(diff) > 180 ? 360 : 0);
  if (h2p > h1p) dhp -= 720;
  const dLp = L2 - L1;
  const dCp = C2p - C1p;
  const dHp = 2 * Math.sqrt(C2p * C1p) * Math.sin((dhp * RAD) / 2);
  const SL = 1 + (0.015 * (avgLp - 50) ** 2) / Math.sqrt(20 + (avgLp - 50) ** 2);
  const SC = 1 + 0.045 * avgCp;
  const SH = 1 + 0.015 * avgCp * T;
  const dRo = 30 * Math.exp(-(((avgHp - 275) / 25) ** 2));
  const RC = Math.sqrt(avgCp ** 7 / (avgCp ** 7 + P25_7));
  const RT = -2 * RC * Math.sin(2 * dRo * RAD);
  return Math.sqrt((dLp / SL) ** 2 + (dCp / SC) ** 2 + (dHp / SH) ** 2 + RT * (dCp / SC) * (dHp / SH));
}

/**
 * ChartMimic's `hex_to_rgb` (color_utils.py): every leading "#" stripped, then Python's `int(h[i:i+2], 16)` for
 * i = 0, 2, 4 (code point slices; Python's int() takes surrounding spaces, a sign, any script's decimal digits), so
 * "#ff000" is (255, 0, 0) and "#ff0000aa" is (255, 0, 0). Null where Python raises (e.g. "#fff", "#gg0000").
 */
export function chartMimicRgb(color: string): Rgb | null {
  const cps = Array.from(color.replace(/^#+/, ''));
  const out: number[] = [];
  for (const i of [0, 2, 4]) {
    const v = pyInt(cps.slice(i, i + 2).join(''), 16);
    if (v === null) return null;
    out.push(Number(v));
  }
  return out as unknown as Rgb;
}

/**
 * ChartMimic's score of two logged colours (`calculate_similarity_single`): for two colours starting with "#",
 * max(0, 1 - CIEDE2000/100) of their colormath Lab (read by `chartMimicRgb`); for two other strings (e.g.
 * "cmap:viridis") 1 when equal, else 0; 0 for a "#" colour against another string. Where ChartMimic raises (a "#"
 * colour its hex_to_rgb cannot read) we score like two other strings instead of failing the whole chart.
 */
export function colorPairSimilarity(a: string, b: string): number {
  const ha = a.startsWith('#'), hb = b.startsWith('#');
  if (ha !== hb) return 0;
  if (!ha || a === b) return a === b ? 1 : 0;
  const ra = chartMimicRgb(a), rb = chartMimicRgb(b);
  if (!ra || !rb) return 0;
  return Math.max(0, 1 - deltaE2000(rgbToLabColormath(ra), rgbToLabColormath(rb)) / 100);
}
