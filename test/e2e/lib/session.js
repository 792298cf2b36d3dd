// The shared state of one e2e run (server, browser, workspace), set by test/e2e/run.js before mocha
// loads the *.e2e.js files, and read by them through session() (or get(), the same thing).
'use strict';
let current;

/** @returns {{ server: {url: string}, browser: import('playwright-core').BrowserContext, workspace: string, outputDir: string, vsix: string, userDataDir: string, extensionsDir: string }} */
function session() {
  if (!current) throw new Error('e2e session not started: run the e2e files through node test/e2e/run.js');
  return current;
}

module.exports = {
  setSession(s) { current = s; },
  session,
  get: session,
};
