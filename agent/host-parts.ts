// The host-side adapters besides Docker: systemd units and managed files. systemd is absent
// when agent.yaml says systemd.enabled: false; files are always managed (under allowedFileRoots).

import { HostFiles } from './executors/files/host-files.js';
import type { FilesPort } from './executors/files/port.js';
import type { SystemdPort } from './executors/systemd/port.js';
import { Systemctl } from './executors/systemd/systemctl.js';
import type { Logger } from './logger.js';
import type { HostReader } from './observe/observe.js';
import type { AgentSettings } from './settings/model.js';

export interface HostParts {
  systemd?: SystemdPort;
  files?: FilesPort;
  reader?: HostReader;
}

export function createHostParts(settings: AgentSettings, _deps: { logger: Logger }): HostParts {
  const files = new HostFiles({ allowedFileRoots: settings.policy.allowedFileRoots });
  const systemd = settings.systemd.enabled ? new Systemctl({ unitDir: settings.systemd.unitDir }) : undefined;
  const reader: HostReader = {
    units: (names) => (systemd ? systemd.units(names) : Promise.resolve([])),
    files: (paths) => files.files(paths),
  };
  return { systemd, files, reader };
}
