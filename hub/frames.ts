// Checks every agent frame before anything of it is kept: nesting depth scanned on the raw text
// (before JSON.parse), then the strict schemas of frame-schemas.ts, by a validator compiled from
// them (frame-check.ts); zod names the first problem of a frame the compiled validator refused.

import { createHash } from 'node:crypto';
import { compiledCheck } from './frame-check.js';
import { eventsFrame, frame, helloFrame, leanEventsFrame, leanStatusFrame, refusedFrame, statusFrame, wireHeartbeatFrame, type WireMetrics } from './frame-schemas.js';
import { isRecord, type AgentFrame, type HostMetrics } from '../agent/contracts/hub-protocol.js';

/** Deepest nesting a real frame has is about 6 (events -> drift change -> fields -> item). */
export const MAX_FRAME_DEPTH = 16;
/** One event's JSON; larger ones make the whole frame bad. */
export const MAX_EVENT_BYTES = 256 * 1024;
/**
 * No event of a frame this short can serialise longer than MAX_EVENT_BYTES: JSON parsed and written
 * again is at most 5.25 times as long (a number: 1e20 written out), so such a frame's events are not
 * serialised only to be measured.
 */
const SHORT_FRAME = Math.floor(MAX_EVENT_BYTES / 6);

export class BadFrameError extends Error {
  readonly code = 'BAD_FRAME';
}

/** Fails when objects or arrays nest deeper than `max`; strings are skipped, so brackets in them do not count. */
export function checkDepth(text: string, max: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) throw new BadFrameError(`frame nests deeper than ${max}`);
    } else if (c === 93 || c === 125) depth--;
  }
}

/**
 * Each frame's validator compiled from its schema, by `t` and whether the frame is lean. A
 * heartbeat's is compiled from its wire shape: its metrics' nulls are made NaN after the check, as
 * zod's parse makes them.
 */
const compiled = {
  hello: compiledCheck(helloFrame),
  heartbeat: compiledCheck(wireHeartbeatFrame),
  status: compiledCheck(statusFrame),
  events: compiledCheck(eventsFrame),
  refused: compiledCheck(refusedFrame),
  leanStatus: compiledCheck(leanStatusFrame),
  leanEvents: compiledCheck(leanEventsFrame),
};


/**
 * Reads the frames of many hosts, remembering each host's last status frame: the same text again
 * (a status resent unchanged, after a reconnect or a request) is the message already checked, the
 * very same object, so the hub neither parses nor validates nor writes it again. A status that came
 * on an events frame since makes it stale: it is forgotten then, not kept (text and object, with
 * what the store serialised of it) for every host of the fleet, for the collector to mark again at
 * each major collection.
 */
export class FrameReader {
  /** Each host's last status frame: its digest (the text itself was 2 KB a host, 10 MB of a 5,000-host hub's heap) and the message. */
  private readonly lastStatus = new Map<string, { digest: string; message: AgentFrame }>();

  read(host: string, text: string): AgentFrame {
    const last = this.lastStatus.get(host);
    // Only a status frame can be the same text again: a heartbeat or events frame is never digested.
    const digest = last !== undefined && text.startsWith('{"t":"status"') ? digestOf(text) : null;
    if (last !== undefined && last.digest === digest) return last.message;
    const message = parseAgentFrame(text);
    if (message.t === 'status') this.lastStatus.set(host, { digest: digest ?? digestOf(text), message });
    else if (message.t === 'events' && message.status !== undefined) this.lastStatus.delete(host);
    return message;
  }
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

/** Parses one text frame; throws BadFrameError naming the first problem. */
export function parseAgentFrame(text: string): AgentFrame {
  checkDepth(text, MAX_FRAME_DEPTH);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadFrameError('frame is not JSON');
  }
  const m = checkedFast(value) ?? parsedByZod(value);
  if (m.t === 'events' && text.length > SHORT_FRAME) {
    for (const e of m.events) {
      if (JSON.stringify(e.event).length > MAX_EVENT_BYTES) throw new BadFrameError(`event ${e.seq} is larger than ${MAX_EVENT_BYTES} bytes`);
    }
  }
  return m;
}

/**
 * The frame, when the validator compiled for its kind accepts it: the same value (its schema
 * changes none), or for a heartbeat the same with its metrics' nulls made NaN. Null for a frame it
 * refuses or an unknown kind, which zod parses (and names the problem of).
 */
export function checkedFast(value: unknown): AgentFrame | null {
  if (!isRecord(value)) return null;
  const lean = 'resources' in value;
  switch (value['t']) {
    case 'hello':
      return compiled.hello(value) ? value : null;
    case 'heartbeat':
      return compiled.heartbeat(value) ? { ...value, metrics: unmeasuredAsNaN(value.metrics) } : null;
    case 'status':
      if (lean) return compiled.leanStatus(value) ? value : null;
      return compiled.status(value) ? value : null;
    case 'events':
      if (lean) return compiled.leanEvents(value) ? value : null;
      return compiled.events(value) ? value : null;
    case 'refused':
      return compiled.refused(value) ? value : null;
    default:
      return null;
  }
}

/** Wire metrics as zod's parse hands them back: each null figure NaN (temperature stays null: "no sensor"). */
function unmeasuredAsNaN(m: WireMetrics | null): HostMetrics | null {
  if (m === null) return null;
  return {
    cpuLoad: m.cpuLoad ?? NaN, load1: m.load1 ?? NaN, memUsed: m.memUsed ?? NaN, memTotal: m.memTotal ?? NaN,
    disks: m.disks.map((d) => ({ path: d.path, used: d.used ?? NaN, size: d.size ?? NaN })),
    uptimeSec: m.uptimeSec ?? NaN, temperature: m.temperature,
  };
}

/** The frame as zod parses it; a BadFrameError naming the first problem when it does not pass. */
export function parsedByZod(value: unknown): AgentFrame {
  const parsed = leanSchema(value).safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadFrameError(`bad frame at ${issue?.path.map(String).join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The frames that share their `t` with another: lean ones, told apart by their top-level `resources`. */
function leanSchema(value: unknown): typeof frame | typeof leanStatusFrame | typeof leanEventsFrame {
  if (!isRecord(value) || !('resources' in value)) return frame;
  if (value['t'] === 'status') return leanStatusFrame;
  return value['t'] === 'events' ? leanEventsFrame : frame;
}
