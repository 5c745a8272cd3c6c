// Prometheus text exposition of the hub: hosts online, heartbeat ages, syncs by result,
// events received, message handling time. Written by hand: a few gauges and counters.

import type { HandlingTimes } from './agent-endpoint.js';
import type { Fleet } from './fleet.js';

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function renderMetrics(deps: { fleet: Fleet; times: HandlingTimes; connected: number }): string {
  const out: string[] = [];
  const metric = (name: string, type: string, help: string): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  let online = 0;
  let total = 0;
  const ages: string[] = [];
  for (const s of deps.fleet.states()) {
    total++;
    if (s.online) online++;
    if (s.ageSec !== null) ages.push(`moor_hub_heartbeat_age_seconds{host="${label(s.host)}"} ${s.ageSec.toFixed(1)}`);
  }
  metric('moor_hub_hosts', 'gauge', 'Known hosts by link state.');
  out.push(`moor_hub_hosts{state="online"} ${online}`, `moor_hub_hosts{state="offline"} ${total - online}`);
  metric('moor_hub_agent_connections', 'gauge', 'Open agent websockets.');
  out.push(`moor_hub_agent_connections ${deps.connected}`);
  metric('moor_hub_heartbeat_age_seconds', 'gauge', 'Seconds since the last frame from each host.');
  out.push(...ages);
  metric('moor_hub_syncs_total', 'counter', 'Sync results reported by agents since the hub started.');
  for (const [result, n] of deps.fleet.counters.syncsByResult) out.push(`moor_hub_syncs_total{result="${label(result)}"} ${n}`);
  metric('moor_hub_events_received_total', 'counter', 'Agent events stored since the hub started, by type.');
  for (const [type, n] of deps.fleet.counters.eventsByType) out.push(`moor_hub_events_received_total{type="${label(type)}"} ${n}`);
  metric('moor_hub_messages_total', 'counter', 'Agent frames handled since the hub started.');
  out.push(`moor_hub_messages_total ${deps.fleet.counters.messages}`);
  metric('moor_hub_message_handling_seconds', 'summary', 'Time to handle one agent frame (recent frames).');
  for (const q of [0.5, 0.9, 0.99]) out.push(`moor_hub_message_handling_seconds{quantile="${q}"} ${(deps.times.quantile(q) / 1000).toFixed(6)}`);
  const mem = process.memoryUsage();
  metric('moor_hub_resident_memory_bytes', 'gauge', 'Resident set size of the hub process.');
  out.push(`moor_hub_resident_memory_bytes ${mem.rss}`);
  return out.join('\n') + '\n';
}
