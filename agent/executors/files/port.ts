// The port to the host's filesystem for managed files: atomic writes, removal, and a look at disk.

import type { FileSpec } from '../../desired/model.js';
import type { ObservedFile } from '../../contracts/observed.js';

export interface FilesPort {
  files(paths: string[]): Promise<ObservedFile[]>;
  /** temp file + fsync + rename, with mode and owner. */
  write(file: FileSpec): Promise<void>;
  remove(path: string): Promise<void>;
}
