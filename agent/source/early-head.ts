// The agent's first poll, sent as soon as its settings are read: the round trip to git runs while
// the rest of the agent loads (the bar: a sync under way within 250 ms of start). The first head()
// asked for soon after is that poll's answer; every other one is a poll of its own.

import * as nodeFs from 'node:fs';
import type { AgentSettings } from '../settings/model.js';
import { agentSourceOptions, createConfigSource } from './create-source.js';
import type { ConfigSource } from './port.js';

/** An early answer older than this is not used: the branch may have moved since. */
export const EARLY_HEAD_MAX_AGE_MS = 10_000;

export function withEarlyHead(source: ConfigSource, now: () => number = Date.now): ConfigSource {
  const sentAt = now();
  let early: Promise<string> | null = source.head();
  // Consumed by the first head(), or dropped: never an unhandled rejection.
  early.catch(() => undefined);
  return {
    head: () => {
      const answer = early;
      early = null;
      return answer !== null && now() - sentAt <= EARLY_HEAD_MAX_AGE_MS ? answer : source.head();
    },
    checkout: (commit, destDir) => source.checkout(commit, destDir),
    stats: () => source.stats(),
  };
}

/** The agent's http(s) transport with its first poll sent; null for ssh and local sources (they load git first anyway). */
export function earlyAgentSource(settings: AgentSettings): ConfigSource | null {
  if (settings.source.kind !== 'http') return null;
  return withEarlyHead(createConfigSource({ fs: nodeFs }, agentSourceOptions(settings.source, settings.stateDir)));
}
