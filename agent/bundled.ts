// Whether this code runs from one of the bundles packaging/bundle.mjs writes (the node build's
// build/moor.cjs or the single binary), and that bundle's file; else it runs from tsc's output.

import { fileURLToPath } from 'node:url';

declare const __MOOR_BUNDLE__: boolean | undefined;

export const BUNDLED: boolean = typeof __MOOR_BUNDLE__ === 'boolean' && __MOOR_BUNDLE__;

/** The bundle's own file (in the binary: the executable): import.meta.url is set to it by the bundler. */
export function bundleFile(): string {
  return fileURLToPath(import.meta.url);
}
