// What each compose project's directory must hold for a commit: the commit's files that binds
// use (mounted content, hashed into the containers that bind them) and the data directories
// (bind sources the commit does not hold). Reads the config dir only; writes nothing.
import { posix } from 'node:path';
import { sha256Hex, specHash, stableStringify } from './hash.js';
import type { BuildSpec, ContainerSpec, ProjectDirSpec, ProjectFileSpec } from './model.js';
import type { KeyPath, Locator, ProblemList } from '../config-text/problems.js';
import type { RepoDir } from './repo-files.js';

const wholeFile = (file: string): Locator => ({ locate: () => ({ file, line: 1 }) });

/** Files of the config dir under `rel`, by path; empty when the commit does not hold `rel`. */
export class RepoContent {
  private readonly files = new Map<string, ProjectFileSpec>();
  private readonly held = new Map<string, ProjectFileSpec[]>();

  constructor(
    private readonly repo: RepoDir,
    private readonly problems: ProblemList,
  ) {}

  /** Every file placed so far, sorted by path. */
  all(): ProjectFileSpec[] {
    return [...this.files.values()].sort((a, b) => a.rel.localeCompare(b.rel));
  }

  /** The files under `rel` (one for a file), or [] when the commit does not hold it. */
  async under(rel: string): Promise<ProjectFileSpec[]> {
    const known = this.held.get(rel);
    if (known) return known;
    const out: ProjectFileSpec[] = [];
    await this.walk(rel, out);
    out.sort((a, b) => a.rel.localeCompare(b.rel));
    for (const f of out) this.files.set(f.rel, f);
    this.held.set(rel, out);
    return out;
  }

  private async walk(rel: string, out: ProjectFileSpec[]): Promise<void> {
    const read = await this.repo.read(rel);
    if (read.ok) {
      out.push({ rel, contentBase64: read.data.toString('base64'), mode: await this.repo.mode(rel), hash: sha256Hex(read.data) });
      return;
    }
    if (read.missing) return;
    const entries = await this.repo.list(rel);
    if (entries.length === 0) {
      this.problems.add(wholeFile(rel), [], read.message);
      return;
    }
    for (const e of entries) {
      if (rel === '.' && e.name === '.git') continue;
      await this.walk(rel === '.' ? e.name : `${rel}/${e.name}`, out);
    }
  }
}

/** One hash for a set of files: what a container that binds them must be replaced on. */
export function contentHash(files: readonly ProjectFileSpec[]): string {
  return sha256Hex(stableStringify(files.map((f) => [f.rel, f.mode, f.hash])));
}

/**
 * Fills `mountContent` of containers that bind paths of the commit (their hash is recomputed),
 * and returns each project's directory: files to place and data directories to create.
 */
export async function projectDirsOf(
  containers: ContainerSpec[],
  content: RepoContent,
  projectsDir: string,
  report: (path: KeyPath, message: string) => void,
  warn: (path: KeyPath, message: string) => void = report,
): Promise<ProjectDirSpec[]> {
  const dirs = new Map<string, { dataDirs: Set<string>; files: Set<string> }>();
  const dirOf = (project: string): { dataDirs: Set<string>; files: Set<string> } => {
    let d = dirs.get(project);
    if (!d) dirs.set(project, (d = { dataDirs: new Set(), files: new Set() }));
    return d;
  };
  for (const spec of containers) {
    const mountContent: Record<string, string> = {};
    for (const m of spec.mounts) {
      if (m.type !== 'bind' || m.repoPath === null) continue;
      const files = await content.under(m.repoPath);
      const d = dirOf(spec.project);
      if (files.length === 0) d.dataDirs.add(m.repoPath);
      else {
        for (const f of files) d.files.add(f.rel);
        mountContent[m.repoPath] = contentHash(files);
      }
    }
    if (Object.keys(mountContent).length > 0) {
      spec.mountContent = Object.fromEntries(Object.entries(mountContent).sort(([a], [b]) => a.localeCompare(b)));
    }
    if (spec.build) {
      const files = await buildContext(spec, spec.build, content, { report, warn });
      const d = dirOf(spec.project);
      for (const f of files) d.files.add(f.rel);
    }
    if (spec.mountContent || spec.build) spec.hash = specHash(spec);
  }
  const byRel = new Map(content.all().map((f) => [f.rel, f]));
  return [...dirs.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([project, d]) => ({
      project,
      dir: posix.join(projectsDir, project),
      files: [...d.files].sort().flatMap((rel) => byRel.get(rel) ?? []),
      dataDirs: [...d.dataDirs].filter((p) => p !== '.').sort(),
    }));
}

/**
 * The files of a build context; fills the build's hash (context, dockerfile, args, target). A
 * context the commit does not hold is the host's, like a data directory: it is built from the
 * project directory as it is there, when the image is missing or the build settings change
 * (docker compose up builds a missing image the same way).
 */
async function buildContext(
  spec: ContainerSpec,
  build: BuildSpec,
  content: RepoContent,
  say: { report: (path: KeyPath, message: string) => void; warn: (path: KeyPath, message: string) => void },
): Promise<ProjectFileSpec[]> {
  const at: KeyPath = ['services', spec.service, 'build'];
  const files = await content.under(build.context);
  const dockerfile = build.context === '.' ? build.dockerfile : `${build.context}/${build.dockerfile}`;
  const settings = { dockerfile: build.dockerfile, args: build.args, target: build.target };
  if (files.length === 0) {
    say.warn(at, `build context ${build.context} is not in the config dir: the host's ${build.context} in the project directory is built, once`);
    build.hostContext = true;
    build.hash = sha256Hex(stableStringify({ hostContext: build.context, ...settings }));
    return [];
  }
  if (!files.some((f) => f.rel === dockerfile)) say.report(at, `${dockerfile} does not exist in the build context ${build.context}`);
  build.hash = sha256Hex(stableStringify({ files: contentHash(files), ...settings }));
  return files;
}
