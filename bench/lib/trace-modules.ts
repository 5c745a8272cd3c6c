// `node --import bench/lib/trace-modules.js`: appends every module the process loads (its URL) to
// the file MOOR_TRACE_MODULES names, for counting what a process holds (bench/steady-quick.ts).

import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

/** Node's resolve hook: runs in the loader thread, once per import. */
export async function resolve(specifier: string, context: unknown, next: Next): Promise<{ url: string }> {
  const result = await next(specifier, context);
  const file = process.env['MOOR_TRACE_MODULES'];
  if (file) appendFileSync(file, `${result.url}\n`);
  return result;
}

if (isMainThread) register(import.meta.url);
