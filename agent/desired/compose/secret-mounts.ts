// A service's `secrets:` and `configs:` as docker compose mounts them on one engine: a `file:`
// source is bind-mounted read-only (secrets at /run/secrets/NAME, configs at /NAME), an
// `environment:` or `content:` source is written into the container after create. External
// ones exist only in swarm: docker-compose warns and skips them, and so does moor.
import { Buffer } from 'node:buffer';
import type { ServiceInput, TopFileInput } from './schema.js';
import { resolveBindSource } from './mounts.js';
import type { Report, ServiceContext, Take } from './service-context.js';
import type { ContainerFileSpec, MountSpec } from '../model.js';
import { bindSourceRefusal } from '../policy.js';
import type { KeyPath } from '../../config-text/problems.js';
import { normaliseAbsolute } from '../../config-text/safe-path.js';

export type FileKind = 'secrets' | 'configs';

export interface FileMounts {
  mounts: { mount: MountSpec; path: KeyPath }[];
  files: ContainerFileSpec[];
}

/** Why a top-level secret or config cannot be used, or null. */
export function topFileProblem(kind: FileKind, def: TopFileInput): string | null {
  const sources = (['file', 'environment', 'content'] as const).filter((k) => def[k] !== undefined);
  if (def.external !== undefined && def.external !== false) return sources.length > 0 ? 'external cannot be combined with file, environment or content' : null;
  if (sources.length !== 1) return `a ${kind === 'secrets' ? 'secret' : 'config'} needs exactly one of file, environment${kind === 'configs' ? ', content' : ''} or external`;
  if (kind === 'secrets' && def.content !== undefined) return 'content is for configs; write a secret to a file or a .env variable';
  return null;
}

export function fileMountsOf(kind: FileKind, input: ServiceInput, ctx: ServiceContext, report: { problem: Report; warning: Report }, take: Take): FileMounts {
  const out: FileMounts = { mounts: [], files: [] };
  const defs = kind === 'secrets' ? ctx.secrets : ctx.configs;
  (input[kind] ?? []).forEach((item, i) => {
    const path: KeyPath = [kind, i];
    const ref = typeof item === 'string' ? { source: item } : item;
    const def = defs.get(ref.source);
    if (def === undefined) {
      report.problem(path, `${kind === 'secrets' ? 'secret' : 'config'} "${ref.source}" is not declared under top-level ${kind}`);
      return;
    }
    if (topFileProblem(kind, def) !== null) return; // reported at the top level
    const rawTarget = ref.target ?? ref.source;
    const targetText = rawTarget.startsWith('/') ? rawTarget : kind === 'secrets' ? `/run/secrets/${rawTarget}` : `/${rawTarget}`;
    const target = normaliseAbsolute(targetText);
    if ('error' in target) {
      report.problem([...path, 'target'], target.error);
      return;
    }
    if (def.external !== undefined && def.external !== false) {
      report.warning(path, `${kind === 'secrets' ? 'secret' : 'config'} "${ref.source}" is external: it exists only in swarm and is not mounted (as docker-compose does)`);
      return;
    }
    if (def.file !== undefined) {
      const resolved = take(resolveBindSource(def.file, ctx.projectDir), path);
      if (resolved === null) return;
      const refusal = resolved.repoPath === null ? bindSourceRefusal(resolved.source, ctx.policy) : null;
      if (refusal) report.problem(path, refusal);
      const mount: MountSpec = { type: 'bind', source: resolved.source, target: target.path, readOnly: true, repoPath: resolved.repoPath, propagation: null, selinux: null };
      out.mounts.push({ mount, path });
      return;
    }
    let content = def.content ?? '';
    const variable = def.environment ?? '';
    if (def.environment !== undefined) {
      const value = ctx.envVars[def.environment];
      if (value === undefined) report.problem(path, `variable ${def.environment} (the source of ${kind === 'secrets' ? 'secret' : 'config'} "${ref.source}") is not set in .env`);
      content = value ?? '';
    }
    out.files.push({
      target: target.path,
      variable,
      contentBase64: Buffer.from(content, 'utf8').toString('base64'),
      mode: ref.mode ?? 0o444,
      uid: ref.uid ?? '0',
      gid: ref.gid ?? '0',
    });
  });
  return out;
}
