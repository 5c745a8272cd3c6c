// The dashboard's rollout pages (/rollouts, /rollouts/ID): filled in by rollout-page.js.
// null until the page exists; the API works without it.

export const ROLLOUT_PAGE_HTML: string | null = null;
