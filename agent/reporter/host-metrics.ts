// Samples the host for heartbeats with systeminformation's cheap calls only,
// and gathers the inventory (OS, CPU, agent version) once, in the background, at start.
// Only the three of systeminformation's modules these calls need are loaded
// (systeminformation-parts.d.ts).

import { readFile, statfs } from 'node:fs/promises';
import { loadavg, uptime } from 'node:os';
import { cpu, currentLoad } from 'systeminformation/lib/cpu.js';
import { mem } from 'systeminformation/lib/memory.js';
import { osInfo } from 'systeminformation/lib/osinfo.js';
import type { HostInventory, HostMetrics } from '../contracts/hub-protocol.js';

export interface HeartbeatSampler {
  /** Warms the CPU load counters and starts gathering the inventory; call once. */
  start(): void;
  sample(): Promise<HostMetrics>;
  /** Null until gathered (it takes a moment at start). */
  inventory(): HostInventory | null;
}

export interface HeartbeatSamplerOptions {
  /** Folders whose file system usage is reported, e.g. the state dir and Docker's root. */
  diskPaths: string[];
  agentVersion: string;
  /** Where the host exposes a CPU temperature in millidegrees; the first readable one wins. */
  thermalFiles?: string[];
  /** Reported in the inventory (issue 13). */
  ageRecipient?: string;
}

const DEFAULT_THERMAL = ['/sys/class/thermal/thermal_zone0/temp', '/sys/class/hwmon/hwmon0/temp1_input'];

export function createHeartbeatSampler(options: HeartbeatSamplerOptions): HeartbeatSampler {
  let inventory: HostInventory | null = null;
  const thermalFiles = options.thermalFiles ?? DEFAULT_THERMAL;

  async function gatherInventory(): Promise<void> {
    const [os, cpuData, memData] = await Promise.all([osInfo(), cpu(), mem()]);
    inventory = {
      os: { platform: os.platform, distro: os.distro, release: os.release, arch: os.arch, kernel: os.kernel },
      cpu: { manufacturer: cpuData.manufacturer, brand: cpuData.brand, cores: cpuData.cores },
      memTotal: memData.total,
      agentVersion: options.agentVersion,
      nodeVersion: process.version,
      ...(options.ageRecipient ? { ageRecipient: options.ageRecipient } : {}),
    };
  }

  async function disk(path: string): Promise<{ path: string; used: number; size: number } | null> {
    try {
      const s = await statfs(path);
      return { path, used: (s.blocks - s.bfree) * s.bsize, size: s.blocks * s.bsize };
    } catch {
      return null; // a path that does not exist (no Docker on this host) is simply not reported
    }
  }

  async function temperature(): Promise<number | null> {
    for (const file of thermalFiles) {
      try {
        const milli = Number((await readFile(file, 'utf8')).trim());
        if (Number.isFinite(milli)) return Math.round(milli / 100) / 10;
      } catch {
        // next candidate
      }
    }
    return null;
  }

  return {
    start(): void {
      // A cold currentLoad costs about 500 ms; warm it once so that each beat is a cheap diff.
      void currentLoad().catch(() => undefined);
      void gatherInventory().catch(() => undefined);
    },
    async sample(): Promise<HostMetrics> {
      const [load, memNow, temp, ...disks] = await Promise.all([
        currentLoad(),
        mem(),
        temperature(),
        ...options.diskPaths.map(disk),
      ]);
      return {
        cpuLoad: Math.round(load.currentLoad * 10) / 10,
        load1: loadavg()[0] ?? 0,
        memUsed: memNow.active,
        memTotal: memNow.total,
        disks: disks.filter((d): d is { path: string; used: number; size: number } => d !== null),
        uptimeSec: Math.round(uptime()),
        temperature: temp,
      };
    },
    inventory: () => inventory,
  };
}
