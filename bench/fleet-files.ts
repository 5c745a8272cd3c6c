// The bench fleet: `hosts` hosts in sites of PER_SITE, one group per site, 3 shared stacks
// (monitoring, mqtt, cameras), a value per host that its compose interpolates. Also written
// to a folder (`node build/bench/fleet-files.js DIR [--hosts N]`) for profiling the verb.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PER_SITE = 10;

/** The fleet checkout's files, by path relative to its root. */
export function fleetFiles(hosts: number): Map<string, Buffer> {
  const sites = Math.ceil(hosts / PER_SITE);
  const f = new Map<string, string>();
  const groups = ['  - { name: everyone, select: {}, stacks: [monitoring, mqtt] }'];
  for (let s = 0; s < sites; s++) groups.push(`  - { name: site-${s}, select: { site: site-${s} }, stacks: [cameras], values: { SITE_NAME: "site ${s}", MQTT_HOST: "10.${s % 250}.0.5" } }`);
  f.set('fleet.yaml', `hostBranch: hosts/{host}\ngroups:\n${groups.join('\n')}\nrollout: { waves: [1, "10%", "100%"], maxFailures: "5%" }\n`);
  f.set('stacks/monitoring/compose.yaml', 'name: edge\nservices:\n  telegraf:\n    image: local/busybox:1\n    command: ["sleep", "3600"]\n    network_mode: none\n    environment: { INFLUX_URL: "${INFLUX_URL}", SITE: "${SITE_NAME}" }\n');
  f.set('stacks/monitoring/.env', 'INFLUX_URL=http://influx.example:8086\n');
  f.set('stacks/monitoring/telegraf.conf', `[agent]\n  interval = "10s"\n${'# padding\n'.repeat(40)}`);
  f.set('stacks/monitoring/units/telegraf-rotate.service', '[Service]\nType=oneshot\nExecStart=/bin/true\n');
  f.set('stacks/monitoring/units/telegraf-rotate.timer', '[Timer]\nOnCalendar=daily\n');
  f.set('stacks/monitoring/moor.yaml', 'units:\n  - { name: telegraf-rotate.timer, enabled: true, state: running }\nrollout: { healthTimeout: 60s }\n');
  f.set('stacks/mqtt/compose.yaml', 'services:\n  mosquitto:\n    image: local/busybox:1\n    command: ["sleep", "3600"]\n    network_mode: none\n    environment: { MQTT_HOST: "${MQTT_HOST}" }\n');
  f.set('stacks/cameras/compose.yaml', 'services:\n  frigate:\n    image: local/busybox:${FRIGATE_TAG:-1}\n    command: ["sleep", "3600"]\n    network_mode: none\n    environment: { CAMERA: "${CAMERA_URL}" }\n');
  f.set('stacks/cameras/files/frigate.yml', 'cameras: {}\n');
  f.set('stacks/cameras/moor.yaml', 'files:\n  - { path: /etc/moor-files/frigate.yml, source: files/frigate.yml, mode: "0644" }\n');
  for (let h = 0; h < hosts; h++) {
    const site = Math.floor(h / PER_SITE);
    f.set(`hosts/edge-${String(h).padStart(4, '0')}.yaml`, `labels: { site: site-${site}, role: camera }\nvalues: { CAMERA_URL: "rtsp://10.${site % 250}.1.${h % 250}/live" }\n`);
  }
  return new Map([...f].map(([k, v]) => [k, Buffer.from(v)]));
}

/** Writes the fleet's files under `dir`. */
export function writeFleet(dir: string, files: ReadonlyMap<string, Buffer>): void {
  for (const [rel, data] of files) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), data);
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error('usage: node build/bench/fleet-files.js DIR [--hosts N]');
  const arg = process.argv.indexOf('--hosts');
  writeFleet(dir, fleetFiles(arg >= 0 ? Number(process.argv[arg + 1]) : 500));
}
