// Stores the agents' events frames in batches: the frames of many hosts that arrive while a write
// is under way, or within gatherMs of the last one, go into the next one, one transaction for all
// of them (not one per frame). One host's frames alone are written at once: its agent sends the
// next only after the ack, so holding them would only slow its outbox down. Each caller's promise
// settles only once its frame is committed, so an ack still follows the commit (issue 17).

import type { EventBatchItem, EventCaps, InsertedEvents } from './storage/port.js';

type Write = (items: readonly EventBatchItem[], caps: EventCaps) => Promise<InsertedEvents[]>;

interface Waiting {
  item: EventBatchItem;
  resolve: (result: InsertedEvents) => void;
  reject: (err: unknown) => void;
}

/** Frames per transaction at most; more wait for the next one. */
export const MAX_BATCH = 500;

/** Default gap between two writes under a stream of frames from many hosts (ms): at most this much added to an ack. */
export const GATHER_MS = 50;

export class EventIntake {
  private queue: Waiting[] = [];
  private writing = false;
  private scheduled = false;
  /** When the last write started (performance.now()); -Infinity: none yet. */
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  /** The host of the last frame taken in, and whether frames of another host came since the last write started. */
  private lastHost: string | null = null;
  private mixed = false;

  /**
   * `gatherMs`: a frame arriving within this long after the previous write started, when frames of
   * more than one host came since, waits for the rest of that window: under a stream of frames (a
   * rollout's 5,000 reports) that is one commit per window instead of one per frame or two, while a
   * lone frame, or one agent's outbox draining, is written at once.
   */
  constructor(private readonly write: Write, private readonly caps: EventCaps, private readonly gatherMs = GATHER_MS) {}

  /** Resolves with what insertEvents would have returned, once the frame is committed. */
  insert(item: EventBatchItem): Promise<InsertedEvents> {
    if (this.lastHost !== null && this.lastHost !== item.host) this.mixed = true;
    this.lastHost = item.host;
    return new Promise<InsertedEvents>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.kick();
    });
  }

  /** Frames waiting or being written. */
  get backlog(): number {
    return this.queue.length;
  }

  private kick(): void {
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    const run = (): void => {
      this.scheduled = false;
      void this.drain();
    };
    // The rest of this tick's frames join the same transaction; so do those of the gathering window
    // while frames of several hosts come.
    const wait = this.mixed ? this.lastWriteAt + this.gatherMs - performance.now() : 0;
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        this.lastWriteAt = performance.now();
        this.mixed = false;
        const batch = this.queue.slice(0, MAX_BATCH);
        this.queue = this.queue.slice(batch.length);
        try {
          const results = await this.write(batch.map((w) => w.item), this.caps);
          batch.forEach((w, i) => {
            const r = results[i];
            if (r) w.resolve(r);
            else w.reject(new TypeError(`the event store returned no result for frame ${i} of ${batch.length}`));
          });
        } catch (err) {
          // Nothing of the batch is committed: every sender is told, none is acknowledged.
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
