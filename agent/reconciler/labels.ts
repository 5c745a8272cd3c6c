// moor's ownership labels on everything it creates.

import { LABEL } from '../contracts/observed.js';

export function ownershipLabels(args: { host: string; project: string; service?: string; hash: string; revision: string }): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.managed]: 'true',
    [LABEL.host]: args.host,
    [LABEL.project]: args.project,
    [LABEL.hash]: args.hash,
    [LABEL.revision]: args.revision,
  };
  if (args.service !== undefined) labels[LABEL.service] = args.service;
  return labels;
}
