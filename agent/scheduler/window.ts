// Maintenance windows: a cron schedule (node-cron syntax, host local time) opens a window that
// lasts `duration`. Pure: the caller passes the clock.

import { parse } from 'node-cron';
import type { WindowSpec } from '../desired/model.js';

export interface WindowState {
  open: boolean;
  /** When the current window closes (open), or the next one opens (closed); null if never. */
  until: Date | null;
}

const MINUTE = 60_000;
/** How far ahead to look for the next window before giving up (cron can describe rare dates). */
const HORIZON_MINUTES = 366 * 24 * 60;

export function windowState(window: WindowSpec, now: Date): WindowState {
  const fields = parse(window.schedule);
  const matches = (d: Date): boolean =>
    fields.minute.includes(d.getMinutes()) &&
    fields.hour.includes(d.getHours()) &&
    fields.month.includes(d.getMonth() + 1) &&
    dayMatches(fields.dayOfMonth, fields.dayOfWeek, d);
  const start = floorMinute(now);
  // Open if a window started within the last `duration`.
  const back = Math.ceil(window.durationMs / MINUTE);
  for (let i = 0; i < back; i++) {
    const t = new Date(start.getTime() - i * MINUTE);
    if (matches(t) && t.getTime() + window.durationMs > now.getTime()) {
      return { open: true, until: new Date(t.getTime() + window.durationMs) };
    }
  }
  for (let i = 1; i <= HORIZON_MINUTES; i++) {
    const t = new Date(start.getTime() + i * MINUTE);
    if (matches(t)) return { open: false, until: t };
  }
  return { open: false, until: null };
}

function dayMatches(dom: (number | string)[], dow: (number | string)[], d: Date): boolean {
  const allDom = dom.length >= 31;
  const allDow = dow.length >= 7;
  const domOk = dom.includes(d.getDate());
  const dowOk = dow.includes(d.getDay()) || (d.getDay() === 0 && dow.includes(7));
  // Cron's rule: when both are restricted, either may match.
  if (!allDom && !allDow) return domOk || dowOk;
  return domOk && dowOk;
}

function floorMinute(d: Date): Date {
  return new Date(Math.floor(d.getTime() / MINUTE) * MINUTE);
}

/** A commit message trailer `Moor-Apply: now` skips the maintenance window. */
export function appliesNow(message: string): boolean {
  return /^Moor-Apply:\s*now\s*$/im.test(message);
}
