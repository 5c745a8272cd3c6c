// Reads the files moor.yaml places on the host (`files:`), within the per-commit limits: sizes
// first, then the contents, each source read once however many entries name it.

import type { ManifestFile, Manifest } from './manifest.js';
import { specHash } from './hash.js';
import type { FileSpec } from './model.js';
import type { Locator, ProblemList } from '../config-text/problems.js';
import { normaliseRelative } from '../config-text/safe-path.js';
import { LIMITS, type RepoDir } from './repo-files.js';

export async function readFiles(repo: RepoDir, manifest: Manifest, locator: Locator, problems: ProblemList): Promise<FileSpec[]> {
  const entries = manifest.files.filter((f) => !('error' in normaliseRelative(f.source))); // bad ones already reported
  if (manifest.files.length > LIMITS.fileEntries) {
    problems.add(locator, ['files'], `${manifest.files.length} entries, more than the limit of ${LIMITS.fileEntries} per commit`);
    return [];
  }
  // Sizes first: nothing is read unless the whole set fits (a source named by N entries counts N times).
  let total = 0;
  const usable: ManifestFile[] = [];
  for (const f of entries) {
    const size = await repo.size(f.source);
    if (!size.ok) problems.add(locator, [...f.at, 'source'], size.missing ? `${f.source} does not exist in the config dir` : size.message);
    else {
      total += size.bytes;
      usable.push(f);
    }
  }
  if (total > LIMITS.filesBytes) {
    problems.add(locator, ['files'], `sources total ${total} bytes (each entry counts its source), more than the limit of ${LIMITS.filesBytes} bytes per commit`);
    return [];
  }
  const contents = new Map<string, string>();
  const files: FileSpec[] = [];
  for (const f of usable) {
    let contentBase64 = contents.get(f.source);
    if (contentBase64 === undefined) {
      const read = await repo.read(f.source);
      if (!read.ok) {
        problems.add(locator, [...f.at, 'source'], read.missing ? `${f.source} does not exist in the config dir` : read.message);
        continue;
      }
      contentBase64 = read.data.toString('base64');
      contents.set(f.source, contentBase64);
    }
    const spec: FileSpec = {
      path: f.path,
      source: f.source,
      contentBase64,
      mode: f.mode,
      owner: f.owner,
      group: f.group,
      restarts: f.restarts,
      hash: '',
    };
    spec.hash = specHash(spec);
    files.push(spec);
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
