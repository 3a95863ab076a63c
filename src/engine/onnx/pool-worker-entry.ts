import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Where the pool's worker code lives: the built `.js` beside this file, or the `.ts` source in a checkout,
 * which workers can only load through tsx's loader (added unless the process already runs under tsx).
 */
export function workerEntry(): { filename: string; execArgv?: string[] } {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const filename = new URL(`./pool-worker${ext}`, import.meta.url).href;
  // Source checkouts run TypeScript through tsx: workers need its loader unless they inherit it.
  if (ext === '.js' || process.execArgv.some((arg) => arg.includes('tsx'))) return { filename };
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { filename, execArgv: [...process.execArgv, '--import', loader] };
}
