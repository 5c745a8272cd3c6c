// The dashboard: one static page and its script (served apart: the CSP allows no inline script), no build step. The fleet table pages
// through /api/hosts (100 rows at a time, filter and search on the server), the host view shows events.

import { HOST_PAGE_PARTS, HOST_PAGE_STYLE } from './host-page-parts.js';
import { DASHBOARD_STYLE as STYLE } from './dashboard-style.js';
import { COMMON_SCRIPT } from './dashboard-script-common.js';
import { FLEET_SCRIPT } from './dashboard-script-fleet.js';
import { HOST_SCRIPT } from './dashboard-script-host.js';
import { ADMIN_SCRIPT, BOOT_SCRIPT } from './dashboard-script-admin.js';

/** The page's script, one piece a view; the start (BOOT_SCRIPT) runs after every function is defined. */
const SCRIPT = COMMON_SCRIPT + HOST_SCRIPT + FLEET_SCRIPT + ADMIN_SCRIPT + BOOT_SCRIPT;

/** Served at /dashboard.js: the CSP allows no inline script. */
export const DASHBOARD_SCRIPT = SCRIPT + HOST_PAGE_PARTS;

const HEADER = `<header><h1><a href="/">moor fleet</a></h1><span class="sub">hosts, revisions, syncs and drift</span>
<span style="flex:1"></span><a href="/rollouts" style="color:var(--info)">rollouts</a><a id="auditlink" href="/audit" style="display:none;color:var(--info)">audit log</a><a id="userslink" href="/users" style="display:none;color:var(--info)">operators</a><span class="sub" id="who"></span>
<form method="post" action="/logout" style="margin:0"><button class="pg" type="submit">Log out</button></form></header>`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>moor fleet</title><style>${STYLE}${HOST_PAGE_STYLE}</style></head>
<body>${HEADER}
<main id="app"><p class="muted">Loading...</p></main><div id="toast"></div>
<script src="/dashboard.js"></script></body></html>`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The login page: no script at all; a token form, and the OpenID button when configured. */
export function loginPage(o: { message: string; oidc: boolean; firstRun: boolean; config: string }): string {
  const first = o.firstRun
    ? `<p class="muted">No operator exists yet. On the hub, run<br><code>moor hub user add NAME --role admin --config ${escapeHtml(o.config)}</code><br>and paste the token it prints.</p>`
    : '';
  const sso = o.oidc ? '<p><a class="act" id="oidc" href="/login/oidc" style="text-decoration:none;display:inline-block">Log in with OpenID Connect</a></p><p class="muted">or with an API token:</p>' : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>moor fleet: log in</title><style>${STYLE}</style></head>
<body><header><h1>moor fleet</h1><span class="sub">log in</span></header>
<main><div class="card" style="max-width:520px">${o.message ? `<p class="t-bad" id="message">${escapeHtml(o.message)}</p>` : ''}${first}${sso}
<form method="post" action="/login"><input type="password" name="token" id="token" autocomplete="off" placeholder="moor_..." style="width:100%;background:var(--bg);border:1px solid var(--line);color:var(--text);border-radius:6px;padding:7px 10px">
<p><button class="act" type="submit" id="login">Log in</button></p></form></div></main></body></html>`;
}

/** After an OpenID login: a same-site navigation to `to`, so that the Strict session cookie goes along. */
export function redirectPage(to: string): string {
  return `<!doctype html><html><head><meta http-equiv="refresh" content="0;url=${escapeHtml(to)}"><title>moor fleet</title></head><body><a href="${escapeHtml(to)}">Continue</a></body></html>`;
}
