import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The browser code fixpath serves: the help widget for other sites, and the agent console. */
export interface WebAssets {
  widget: string;
  console: string;
}

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'web');

async function bundle(entry: string): Promise<string> {
  // esbuild is a development dependency: a production install runs the bundles `npm run build` made.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(SRC, entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022'],
    platform: 'browser',
    write: false,
    // Licence notices of bundled packages (Chart.js's MIT notice) stay, at the end of the script.
    legalComments: 'eof',
  });
  return result.outputFiles[0]!.text;
}

/** Bundle both, minified, as self-contained scripts. */
export async function buildWebAssets(): Promise<WebAssets> {
  const [widget, consoleApp] = await Promise.all([bundle('widget.ts'), bundle('console.ts')]);
  return { widget, console: consoleApp };
}
