import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ALLOW, namespaceRefusal, securityOptRefusal } from '../../../agent/desired/policy.js';
import type { AllowSwitches, PolicySettings } from '../../../agent/settings/model.js';
import { assertProblem, composeWith, POLICY, problems } from './fixtures.js';

const withAllow = (allow: Partial<AllowSwitches>): PolicySettings => ({ ...POLICY, allow: { ...DEFAULT_ALLOW, ...allow } });
const compose = (text: string, policy = POLICY): ReturnType<typeof problems> => problems({ 'compose.yaml': text }, policy);

const bindVolume = (opts: string): string => `services:
  web:
    image: x
    volumes: ["data:/data"]
volumes:
  data:
    driver_opts: ${opts}
`;

describe('the allow-list: capabilities', () => {
  const caps = ['SYS_MODULE', 'SYS_RAWIO', 'DAC_READ_SEARCH', 'BPF', 'PERFMON', 'NET_ADMIN', 'SYS_TIME'];
  for (const cap of caps) {
    it(`refuses cap_add ${cap} unless policy.allow.capabilities lists it`, async () => {
      const text = composeWith(`    cap_add: [${cap}]\n`);
      assertProblem(await compose(text), { file: 'compose.yaml', line: 4, key: 'services.web.cap_add[0]', message: /policy\.allow\.capabilities/ });
      assert.deepEqual(await compose(text, withAllow({ capabilities: [cap] })), []);
    });
  }
  it("accepts capabilities of Docker's default set without a switch", async () => {
    assert.deepEqual(await compose(composeWith('    cap_add: [CHOWN, NET_BIND_SERVICE, cap_kill]\n')), []);
  });
  it('accepts everything with allowPrivileged', async () => {
    assert.deepEqual(await compose(composeWith('    cap_add: [SYS_MODULE, ALL]\n'), { ...POLICY, allowPrivileged: true }), []);
  });
});

describe('the allow-list: namespaces and containers', () => {
  it('allows host networking by default and refuses it when the switch is off', async () => {
    const text = composeWith('    network_mode: host\n');
    assert.deepEqual(await compose(text), []);
    assertProblem(await compose(text, withAllow({ hostNetwork: false })), {
      file: 'compose.yaml', line: 4, key: 'services.web.network_mode', message: /policy\.allow\.hostNetwork/,
    });
  });
  it('refuses network_mode container: on a container the project does not own', async () => {
    const text = composeWith('    network_mode: "container:someone-else"\n');
    assertProblem(await compose(text), { file: 'compose.yaml', line: 4, key: 'services.web.network_mode', message: /does not own.*foreignContainers/ });
    assert.deepEqual(await compose(text, withAllow({ foreignContainers: true })), []);
  });
  it('accepts container: and service: modes on the project own containers', async () => {
    const text = 'services:\n  db: { image: x }\n  a: { image: x, network_mode: "service:db" }\n  b: { image: x, network_mode: "container:default-db" }\n';
    assert.deepEqual(await compose(text), []);
  });
  it('refuses pid and ipc host without their switches', () => {
    assert.match(namespaceRefusal('pid', 'host', POLICY) ?? '', /policy\.allow\.hostPid/);
    assert.match(namespaceRefusal('ipc', 'host', POLICY) ?? '', /policy\.allow\.hostIpc/);
    assert.equal(namespaceRefusal('pid', 'host', withAllow({ hostPid: true })), null);
    assert.equal(namespaceRefusal('ipc', 'host', withAllow({ hostIpc: true })), null);
    assert.equal(namespaceRefusal('ipc', 'private', POLICY), null);
    assert.equal(namespaceRefusal('pid', 'host', { ...POLICY, allowPrivileged: true }), null);
  });
  it('refuses security_opt without its switch', () => {
    assert.match(securityOptRefusal('seccomp=unconfined', POLICY) ?? '', /policy\.allow\.securityOpt/);
    assert.equal(securityOptRefusal('seccomp=unconfined', withAllow({ securityOpt: true })), null);
  });
});

describe('the allow-list: volumes and networks', () => {
  it('refuses a bind-type volume of / through driver_opts', async () => {
    const text = bindVolume('{ type: none, o: bind, device: / }');
    assertProblem(await compose(text), { file: 'compose.yaml', line: 7, key: 'volumes.data.driver_opts.device', message: /outside the allowed roots/ });
    assert.deepEqual(await compose(text, withAllow({ volumeBindOutsideRoots: true })), []);
  });
  it('refuses a bind-type volume of the docker socket', async () => {
    const list = await compose(bindVolume('{ o: "rbind,ro", device: /var/run/docker.sock }'));
    assertProblem(list, { file: 'compose.yaml', line: 7, key: 'volumes.data.driver_opts.device', message: /docker\.sock/ });
  });
  it('accepts a bind-type volume under the bind roots', async () => {
    assert.deepEqual(await compose(bindVolume('{ type: none, o: bind, device: /srv/data }')), []);
  });
  it('refuses a volume mounting a host block device unless privileged', async () => {
    const text = bindVolume('{ type: ext4, device: /dev/sda1 }');
    assertProblem(await compose(text), { file: 'compose.yaml', line: 7, key: 'volumes.data.driver_opts.type', message: /allowPrivileged/ });
    assert.deepEqual(await compose(bindVolume('{ type: nfs, o: "addr=10.0.0.1", device: ":/export" }')), []);
  });
  it('refuses non-local volume drivers unless listed', async () => {
    const text = 'services:\n  web: { image: x, volumes: ["data:/data"] }\nvolumes:\n  data: { driver: rexray/ebs }\n';
    assertProblem(await compose(text), { file: 'compose.yaml', line: 4, key: 'volumes.data.driver', message: /policy\.allow\.volumeDrivers/ });
    assert.deepEqual(await compose(text, withAllow({ volumeDrivers: ['rexray/ebs'] })), []);
  });
  it('refuses external volumes and networks without policy.allow.external', async () => {
    const text = 'services:\n  web: { image: x, volumes: ["data:/data"], networks: [edge] }\nvolumes:\n  data: { external: true }\nnetworks:\n  edge: { external: true }\n';
    const list = await compose(text);
    assertProblem(list, { file: 'compose.yaml', line: 4, key: 'volumes.data.external', message: /policy\.allow\.external/ });
    assertProblem(list, { file: 'compose.yaml', line: 6, key: 'networks.edge.external', message: /policy\.allow\.external/ });
    assert.deepEqual(await compose(text, withAllow({ external: true })), []);
  });
});
