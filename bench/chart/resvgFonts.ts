import * as fs from 'fs';
import * as path from 'path';
const ROOT = path.resolve(__dirname, '../..');
const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
async function main() {
  const resvg = await import('@resvg/resvg-wasm');
  await resvg.initWasm(fs.readFileSync(path.join(ROOT, 'node_modules/@resvg/resvg-wasm/index_bg.wasm')));
  const fonts = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => new Uint8Array(fs.readFileSync(path.join(ROOT, `media/fonts/${f}`))));
  const empty = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/></svg>';
  const text = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="30"><text x="5" y="20" font-family="sans-serif" font-size="11">Revenue 2024 Q1</text></svg>';
  for (let k = 0; k < 3; k++) for (const [name, svg, f] of [['empty, no fonts', empty, []], ['empty, 2 fonts', empty, fonts], ['text, 2 fonts', text, fonts], ['empty, regular only', empty, [fonts[0]!]]] as const) {
    const t = cpu();
    for (let i = 0; i < 30; i++) { const r = new resvg.Resvg(svg, { font: { fontBuffers: f as Uint8Array[], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } }); r.free(); }
    console.log(name.padEnd(22), ((cpu() - t) / 30).toFixed(2), 'ms');
  }
}
main();
