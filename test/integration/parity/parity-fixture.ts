// The compose file of the parity test (every key both docker-compose 1.29 and moor express),
// the fields compared in `docker inspect`, and their normalisation: project names, project
// directories, engine-made ids and the tools' own labels are not part of the comparison.
import type Dockerode from 'dockerode';

export const REPO_FILES: Record<string, string> = {
  'app.env': 'DSN=${URL}/app\n',
  'conf/app.conf': 'listen 80\n',
  'conf/token.txt': 's3cret\n',
};

export function COMPOSE_FILE(root: string): string {
  return `services:
  web:
    image: local/busybox:1
    command: sh -c "echo \\$$HOME; sleep 3600"
    entrypoint: ["/bin/sh", "-c", "exec \\"$$@\\"", "--"]
    user: "1000:1000"
    working_dir: /tmp
    env_file: app.env
    environment:
      BIG: 12345678901234567890
      MODE: 0755
      PLAIN: value
    labels:
      org.example.role: web
    healthcheck:
      test: ["CMD", "true"]
    stop_signal: SIGINT
    stop_grace_period: 3s
    restart: on-failure:0
    cap_add: [NET_ADMIN]
    cap_drop: [MKNOD]
    devices: ["/dev/null:/dev/xnull:rw"]
    mem_limit: 64m
    cpus: 0.5
    logging:
      driver: json-file
      options: { max-size: 1m }
    init: true
    read_only: true
    tmpfs: ["/run:size=1m"]
    extra_hosts: ["db.local:10.1.2.3"]
    network_mode: none
    shm_size: 32m
    sysctls: { net.core.somaxconn: "1024" }
    ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 512 }
    group_add: ["100"]
    stdin_open: true
    tty: true
    security_opt: ["no-new-privileges:true"]
    expose: ["8080", "9000-9001/udp"]
    volumes:
      - ./conf/app.conf:/etc/app.conf:ro
      - ${root}/bind:/host:ro,rprivate
      - data:/data
      - /var/cache/anon
    secrets: [token]
  api:
    image: local/busybox:1
    command: ["sleep", "3600"]
    healthcheck:
      test: "true"
      interval: 5s
      timeout: 2s
      retries: 4
      start_period: 1s
    restart: unless-stopped
    logging:
      options: { max-size: 2m }
    mem_limit: 0
    ports: ["8080:80", "127.0.0.1:9000-9001:9000-9001/udp"]
    dns: [10.0.0.53]
    dns_search: [example.internal]
    networks:
      back:
        aliases: [api-alias]
  limits:
    image: local/busybox:1
    command: ["sleep", "3600"]
    network_mode: none
    pids_limit: 64
    deploy:
      resources:
        limits: { cpus: "0.25" }
        reservations: { memory: 16m }
volumes:
  data: {}
networks:
  back:
    internal: true
secrets:
  token:
    file: ./conf/token.txt
`;
}

export const PARITY_FIELDS = [
  'Config.Env', 'Config.Cmd', 'Config.Entrypoint', 'Config.User', 'Config.WorkingDir', 'Config.Labels', 'Config.Healthcheck',
  'Config.StopSignal', 'Config.StopTimeout', 'Config.ExposedPorts', 'Config.Tty', 'Config.OpenStdin',
  'Mounts', 'HostConfig.PortBindings', 'HostConfig.RestartPolicy', 'HostConfig.CapAdd', 'HostConfig.CapDrop',
  'HostConfig.Devices', 'HostConfig.Memory', 'HostConfig.NanoCpus', 'HostConfig.LogConfig', 'HostConfig.Init', 'HostConfig.ReadonlyRootfs',
  'HostConfig.Tmpfs', 'HostConfig.ExtraHosts', 'HostConfig.NetworkMode', 'HostConfig.ShmSize', 'HostConfig.Sysctls', 'HostConfig.Ulimits',
  'HostConfig.Dns', 'HostConfig.DnsSearch', 'HostConfig.GroupAdd', 'HostConfig.SecurityOpt', 'HostConfig.Privileged', 'Network aliases',
] as const;

type Field = (typeof PARITY_FIELDS)[number];

/** A field of an inspect result, with what legitimately differs between two projects taken out. */
export function normalised(field: Field, info: Dockerode.ContainerInspectInfo, where: { project: string; dir: string }): unknown {
  const local = (text: string): string => text.split(where.dir).join('<project-dir>').split(where.project).join('<project>');
  if (field === 'Network aliases') {
    const nets = info.NetworkSettings.Networks;
    return Object.fromEntries(
      Object.entries(nets)
        .filter(([name]) => name !== 'none' && name !== 'host')
        .map(([name, n]) => [local(name), (n.Aliases ?? []).filter((a: string) => !/^[0-9a-f]{12}$/.test(a)).sort()]),
    );
  }
  if (field === 'Mounts') {
    // Compared as the engine mounted them: docker-compose 1.29 passes named volumes as Binds and
    // secrets as Mounts, moor the other way round, which only changes how Mode is spelled.
    return info.Mounts.map((m) => ({
      Type: m.Type,
      Destination: m.Destination,
      RW: m.RW,
      Propagation: m.Propagation,
      Source: m.Type === 'bind' ? local(m.Source) : null,
      Named: m.Type === 'volume' && m.Name !== undefined && !/^[0-9a-f]{64}$/.test(m.Name) ? local(m.Name) : null,
    })).sort((a, b) => a.Destination.localeCompare(b.Destination));
  }
  const [section, key] = field.split('.') as ['Config' | 'HostConfig', string];
  const value: unknown = (info[section] as unknown as Record<string, unknown>)[key];
  // DSN comes from ${URL} in an env_file: docker-compose 1.29 looks URL up in the process
  // environment only, compose v2 (and moor) in .env too; the test checks moor's value apart.
  if (field === 'Config.Env' && Array.isArray(value)) return value.filter((e: unknown) => !String(e).startsWith('DSN=')).sort();
  // No StopTimeout is the engine's default of 10 seconds.
  if (field === 'Config.StopTimeout') return value ?? 10;
  if (field === 'Config.Labels' && value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('com.docker.compose.') && !k.startsWith('moor.')).sort());
  }
  if (field === 'HostConfig.NetworkMode') return local(String(value));
  return empty(value) ? null : value;
}

function empty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}
