// The host-side adapters besides Docker: systemd units and managed files. Absent until the
// host manages them (systemd.enabled in agent.yaml, or files declared).

import type { FilesPort } from './executors/files/port.js';
import type { SystemdPort } from './executors/systemd/port.js';
import type { Logger } from './logger.js';
import type { HostReader } from './observe/observe.js';
import type { AgentSettings } from './settings/model.js';

export interface HostParts {
  systemd?: SystemdPort;
  files?: FilesPort;
  reader?: HostReader;
}

export function createHostParts(_settings: AgentSettings, _deps: { logger: Logger }): HostParts {
  return {};
}
