// Builds the Dockerode client from the agent's docker settings (unix socket, or tcp host and
// port; the settings loader has already applied DOCKER_HOST). No call is made here.

import Dockerode from 'dockerode';
import type { AgentSettings } from '../../settings/model.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
const DEFAULT_TCP_PORT = 2375;

export function connectDocker(settings: AgentSettings['docker']): Dockerode {
  if (settings.socketPath !== null) return new Dockerode({ socketPath: settings.socketPath });
  if (settings.host !== null) {
    return new Dockerode({ host: settings.host, port: settings.port ?? DEFAULT_TCP_PORT, protocol: 'http' });
  }
  return new Dockerode({ socketPath: DEFAULT_DOCKER_SOCKET });
}
