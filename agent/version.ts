// The agent's version and build, baked in by the packaging build (esbuild `define`), else read
// from package.json next to the build output.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __MOOR_VERSION__: string | undefined;
declare const __MOOR_BUILD__: string | undefined;

function fromPackageJson(): string {
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    for (const up of ['..', '../..', '../../..']) {
      try {
        const pkg = JSON.parse(readFileSync(join(here, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'moor' && pkg.version) return pkg.version;
      } catch {
        // try the next folder up
      }
    }
  } catch {
    // import.meta.url is not a file URL inside some bundles
  }
  return '0.0.0';
}

export const VERSION: string = typeof __MOOR_VERSION__ === 'string' ? __MOOR_VERSION__ : fromPackageJson();
export const BUILD: string = typeof __MOOR_BUILD__ === 'string' ? __MOOR_BUILD__ : 'dev';
