import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseByteSize } from '../../../agent/config-text/byte-size.js';
import {
  parseDevice,
  parseExtraHost,
  parsePortShort,
  parseRestart,
  parseVolumeShort,
  splitCommand,
} from '../../../agent/desired/compose/syntax.js';
import { parseDuration } from '../../../agent/config-text/duration.js';
import { isUnder, normaliseAbsolute, normaliseRelative } from '../../../agent/config-text/safe-path.js';

const value = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!r.ok) assert.fail(r.error);
  return r.value;
};

describe('compose syntaxes', () => {
  it('parses short port mappings with host ip, protocol and ephemeral host ports', () => {
    assert.deepEqual(value(parsePortShort('80')), [{ hostIp: '', hostPort: null, containerPort: 80, protocol: 'tcp' }]);
    assert.deepEqual(value(parsePortShort('8080:80')), [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
    assert.deepEqual(value(parsePortShort('127.0.0.1:53:53/udp')), [{ hostIp: '127.0.0.1', hostPort: 53, containerPort: 53, protocol: 'udp' }]);
    assert.deepEqual(value(parsePortShort('127.0.0.1::80')), [{ hostIp: '127.0.0.1', hostPort: null, containerPort: 80, protocol: 'tcp' }]);
    assert.deepEqual(value(parsePortShort('[::1]:8080:80')), [{ hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  });
  it('expands port ranges port by port, as the engine does', () => {
    assert.deepEqual(value(parsePortShort('5683-5685:5683-5685/udp')).map((p) => `${p.hostPort}:${p.containerPort}/${p.protocol}`), ['5683:5683/udp', '5684:5684/udp', '5685:5685/udp']);
    assert.deepEqual(value(parsePortShort('9000-9001')).map((p) => [p.hostPort, p.containerPort]), [[null, 9000], [null, 9001]]);
  });
  it('refuses ranges of different sizes, out-of-range ports and unknown protocols with a clear message', () => {
    const range = parsePortShort('8000-8010:80');
    assert.ok(!range.ok && /differ in size/.test(range.error));
    assert.ok(!parsePortShort('70000:80').ok);
    assert.ok(!parsePortShort('80/icmp').ok);
  });
  it('parses named volumes, and binds (absolute or relative, source as written) with ro/rw modes', () => {
    const plain = { selinux: null, propagation: null, noCopy: false };
    assert.deepEqual(value(parseVolumeShort('data:/var/lib/data')), { type: 'volume', volume: 'data', target: '/var/lib/data', readOnly: false, ...plain });
    assert.deepEqual(value(parseVolumeShort('/srv/x/:/x:ro')), { type: 'bind', source: '/srv/x/', target: '/x', readOnly: true, ...plain });
    assert.deepEqual(value(parseVolumeShort('./data:/data')), { type: 'bind', source: './data', target: '/data', readOnly: false, ...plain });
  });
  it('reads :z, :Z, propagation and nocopy modes, and a bare container path as an anonymous volume', () => {
    assert.deepEqual(value(parseVolumeShort('/:/host:ro,rslave')), { type: 'bind', source: '/', target: '/host', readOnly: true, selinux: null, propagation: 'rslave', noCopy: false });
    assert.deepEqual(value(parseVolumeShort('db:/var/lib/db:Z')), { type: 'volume', volume: 'db', target: '/var/lib/db', readOnly: false, selinux: 'Z', propagation: null, noCopy: false });
    assert.deepEqual(value(parseVolumeShort('db:/data:nocopy')), { type: 'volume', volume: 'db', target: '/data', readOnly: false, selinux: null, propagation: null, noCopy: true });
    assert.deepEqual(value(parseVolumeShort('/var/cache')), { type: 'volume', volume: '', target: '/var/cache', readOnly: false, selinux: null, propagation: null, noCopy: false });
  });
  it('says a bare name misses its target, and refuses unknown modes and misplaced ones', () => {
    const bare = parseVolumeShort('data');
    assert.ok(!bare.ok && /has no target/.test(bare.error) && !/name:/.test(bare.error));
    assert.ok(!parseVolumeShort('data:/data:sideways').ok);
    assert.ok(!parseVolumeShort('data:/data:rslave').ok);
    assert.ok(!parseVolumeShort('./x:/data:nocopy').ok);
  });
  it('parses devices with default container path and permissions', () => {
    assert.deepEqual(value(parseDevice('/dev/ttyUSB0')), { hostPath: '/dev/ttyUSB0', containerPath: '/dev/ttyUSB0', permissions: 'rwm' });
    assert.deepEqual(value(parseDevice('/dev/ttyUSB0:/dev/serial:r')), { hostPath: '/dev/ttyUSB0', containerPath: '/dev/serial', permissions: 'r' });
  });
  it('writes extra hosts in Docker form whether given with : or =', () => {
    assert.equal(value(parseExtraHost('db:10.0.0.2')), 'db:10.0.0.2');
    assert.equal(value(parseExtraHost('v6=::1')), 'v6:::1');
  });
  it('accepts restart policies including on-failure:N', () => {
    assert.equal(value(parseRestart('on-failure:3')), 'on-failure:3');
    assert.ok(!parseRestart('sometimes').ok);
  });
  it('splits command strings like a shell without expanding anything', () => {
    assert.deepEqual(value(splitCommand(`sh -c 'echo "$HOME" > /x' --flag="a b"`)), ['sh', '-c', 'echo "$HOME" > /x', '--flag=a b']);
    assert.ok(!splitCommand('echo "open').ok);
  });
});

describe('durations and sizes', () => {
  it('reads 1m30s, 10s, 500ms, 2h and bare seconds', () => {
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration(5), 5_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
  });
  it('rejects malformed durations', () => {
    for (const bad of ['', 'soon', '10x', '1m 30s', '-5s']) assert.equal(parseDuration(bad), null, bad);
  });
  it('reads byte sizes with b, k, m, g units', () => {
    assert.equal(parseByteSize('512m'), 512 * 1024 ** 2);
    assert.equal(parseByteSize('1g'), 1024 ** 3);
    assert.equal(parseByteSize('1GB'), 1024 ** 3);
    assert.equal(parseByteSize('100k'), 102_400);
    assert.equal(parseByteSize(4096), 4096);
    assert.equal(parseByteSize('lots'), null);
  });
});

describe('path checks', () => {
  it('normalises absolute paths and refuses .. segments', () => {
    assert.deepEqual(normaliseAbsolute('/srv//data/./x/'), { path: '/srv/data/x' });
    assert.ok('error' in normaliseAbsolute('/srv/../etc'));
    assert.ok('error' in normaliseAbsolute('srv/data'));
  });
  it('treats a root as containing itself and its children, not its prefix siblings', () => {
    assert.ok(isUnder('/srv', '/srv'));
    assert.ok(isUnder('/srv/a/b', '/srv/'));
    assert.ok(!isUnder('/srvx', '/srv'));
    assert.ok(isUnder('/anything', '/'));
  });
  it('keeps relative paths inside the folder', () => {
    assert.deepEqual(normaliseRelative('./files//a.conf'), { path: 'files/a.conf' });
    assert.ok('error' in normaliseRelative('../secret'));
    assert.ok('error' in normaliseRelative('files/../../x'));
    assert.ok('error' in normaliseRelative('/etc/passwd'));
  });
});
