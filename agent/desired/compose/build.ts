// `build:` of a compose service (`build: ./dir` or `{context, dockerfile, args, target}`): checked
// here (the context must lie inside the config dir); the engine builds it on the host from the
// context placed in the project directory, tagged `image:` or `<project>-<service>` as compose does.
import { posix } from 'node:path';
import { z } from 'zod';
import type { BuildSpec } from '../model.js';
import type { KeyPath } from '../../config-text/problems.js';

const stringish = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** The schema entry of `build` (one key of the service schema). */
export const buildSchema = z.union([
  z.string().min(1),
  z.strictObject({
    context: z.string().min(1).optional(),
    dockerfile: z.string().min(1).optional(),
    args: z.union([z.record(z.string(), stringish.nullable()), z.array(z.string())]).optional(),
    target: z.string().min(1).optional(),
  }),
]);
export type BuildInput = z.infer<typeof buildSchema>;

/** A path inside the config dir ('.' for the dir itself), or null when it leaves it. */
function inside(p: string): string | null {
  if (posix.isAbsolute(p) || /[\0\n\r]/.test(p) || p.startsWith('~')) return null;
  const normal = posix.normalize(p).replace(/(.)\/+$/, '$1');
  return normal === '..' || normal.startsWith('../') ? null : normal;
}

/** The build of a service without its content hash (the loader adds it once it has read the context). */
export function buildOf(input: BuildInput | undefined, report: (path: KeyPath, message: string) => void): BuildSpec | null {
  if (input === undefined) return null;
  const long = typeof input === 'string' ? { context: input } : input;
  const at: KeyPath = typeof input === 'string' ? ['build'] : ['build', 'context'];
  const rawContext = long.context ?? '.';
  const context = inside(rawContext);
  if (context === null) {
    report(at, `build context "${rawContext}" must be a folder inside the config dir (moor builds from the commit, not from the host)`);
    return null;
  }
  const rawDockerfile = long.dockerfile ?? 'Dockerfile';
  const dockerfile = inside(rawDockerfile);
  if (dockerfile === null || dockerfile === '.') {
    report(['build', 'dockerfile'], `dockerfile "${rawDockerfile}" must be a file inside the build context`);
    return null;
  }
  const args: Record<string, string> = {};
  const rawArgs = long.args ?? {};
  const pairs: [string, string | null][] = Array.isArray(rawArgs)
    ? rawArgs.map((item) => {
        const eq = item.indexOf('=');
        return eq < 0 ? [item, null] : [item.slice(0, eq), item.slice(eq + 1)];
      })
    : Object.entries(rawArgs);
  // An arg without a value takes it from the environment in compose; moor has none to give: left out.
  for (const [k, v] of pairs.sort(([a], [b]) => a.localeCompare(b))) if (v !== null) args[k] = v;
  return { context, dockerfile, args, target: long.target ?? null, hash: '' };
}

/** The tag compose gives a built image without `image:`. */
export function builtImageName(project: string, service: string): string {
  return `${project}-${service}`;
}
