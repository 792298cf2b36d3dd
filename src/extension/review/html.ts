/**
 * The review panel's HTML shell. No vscode import, so the browser tests load the very same page.
 *
 * CSP: nothing by default; the one script by nonce; styles and fonts from the webview's own resource origin;
 * images only as `data:` URLs (chart PNGs, built from validated base64 in the panel) or from the resource origin.
 * The page holds no model output: the panel script renders that as text.
 */
export interface PanelHtmlInput {
  /** `webview.cspSource`. */
  cspSource: string;
  /** Base64 from crypto.randomBytes(16), new for every page load. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function panelHtml(i: PanelHtmlInput): string {
  if (!/^[A-Za-z0-9+/=]+$/.test(i.nonce)) throw new Error('nonce must be base64');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(i.cspSource, i.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(i.styleUri)}">
<title>Reward Lens review</title>
</head>
<body>
<script nonce="${i.nonce}" src="${attr(i.scriptUri)}"></script>
</body>
</html>`;
}
