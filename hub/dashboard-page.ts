// The dashboard: one static page and its script (served apart: the CSP allows no inline script), no build step. The fleet table pages
// through /api/hosts (100 rows at a time, filter and search on the server), the host view shows events.

import { HOST_PAGE_PARTS, HOST_PAGE_STYLE } from './host-page-parts.js';

const STYLE = `
:root{--bg:#0f1419;--panel:#171e26;--line:#26313d;--text:#dce3ea;--muted:#8a98a8;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--info:#58a6ff;--chip:#1f2a35}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--text)}
header{display:flex;align-items:center;gap:16px;padding:14px 24px;border-bottom:1px solid var(--line);background:var(--panel)}
header h1{font-size:18px;margin:0;font-weight:600}header h1 a{color:inherit;text-decoration:none}header .sub{color:var(--muted)}
main{padding:20px 24px;max-width:1500px;margin:0 auto}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:14px}
.chip{border:1px solid var(--line);background:var(--chip);color:var(--text);border-radius:999px;padding:5px 12px;cursor:pointer;font:inherit}
.chip b{margin-left:6px}.chip.on{border-color:var(--info);box-shadow:0 0 0 1px var(--info) inset}
.bar{display:flex;gap:12px;align-items:center;margin-bottom:12px}
input[type=search]{flex:1;max-width:420px;background:var(--panel);border:1px solid var(--line);color:var(--text);border-radius:6px;padding:7px 10px;font:inherit}
button.act{background:#238636;border:1px solid #2ea043;color:#fff;border-radius:6px;padding:6px 14px;font:inherit;cursor:pointer}
button.pg{background:var(--panel);border:1px solid var(--line);color:var(--text);border-radius:6px;padding:5px 10px;cursor:pointer}
button:disabled{opacity:.4;cursor:default}
table{width:100%;border-collapse:collapse;background:var(--panel);border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);white-space:nowrap}
th{color:var(--muted);font-weight:500;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
tbody tr:hover{background:#1c2530}td a{color:var(--info);text-decoration:none}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px}.up{background:var(--ok)}.down{background:var(--bad)}
.tag{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;border:1px solid var(--line)}
.t-ok{color:var(--ok);border-color:#2e6b3a}.t-bad{color:var(--bad);border-color:#7d2f2c}.t-warn{color:var(--warn);border-color:#6b5220}.t-muted{color:var(--muted)}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;color:#c9d1d9}
.muted{color:var(--muted)}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:14px;margin-bottom:18px;align-items:start}
.card{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:14px}.card h3{margin:0 0 8px;font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.card .big{font-size:20px;font-weight:600}.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}
.kv>.muted{max-width:130px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
#toast{position:fixed;bottom:20px;right:20px;background:var(--chip);border:1px solid var(--line);padding:10px 14px;border-radius:6px;display:none}
.pager{display:flex;gap:8px;align-items:center;margin-top:10px;color:var(--muted)}
`;

const SCRIPT = `
'use strict';
var PAGE = 100, state = { filter: 'all', q: '', offset: 0 }, timer = null;
var FILTERS = ['all', 'online', 'offline', 'failed', 'drift', 'suspended', 'behind'];
function $(id) { return document.getElementById(id); }
function esc(s) { return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
function short(c) { return c ? '<code title="' + esc(c) + '">' + esc(c.slice(0, 8)) + '</code>' : '<span class="muted">-</span>'; }
function ago(iso) {
  if (!iso) return '<span class="muted">never</span>';
  var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  var t = s < 60 ? s + 's' : s < 3600 ? Math.round(s / 60) + 'm' : s < 86400 ? Math.round(s / 3600) + 'h' : Math.round(s / 86400) + 'd';
  return '<span title="' + esc(iso) + '">' + esc(t) + ' ago</span>';
}
function resultTag(r) {
  if (!r) return '<span class="tag t-muted">none</span>';
  // The agent's own words: converged and unchanged are good; pending, suspended and error (retried) are waiting.
  var cls = ['succeeded', 'converged', 'unchanged', 'healed'].indexOf(r) >= 0 ? 't-ok'
    : ['running', 'pending', 'suspended', 'error', 'syncing', 'drift-reported'].indexOf(r) >= 0 ? 't-warn' : 't-bad';
  return '<span class="tag ' + cls + '">' + esc(r) + '</span>';
}
function revTag(rev) {
  if (rev.upToDate === true) return '<span class="tag t-ok">up to date</span>';
  if (rev.upToDate === false) return '<span class="tag t-warn">behind ' + short(rev.head) + '</span>';
  return '<span class="tag t-muted">unknown</span>';
}
function getJSON(url) {
  return fetch(url, { cache: 'no-store', credentials: 'same-origin' }).then(function (r) {
    if (r.status === 401) { location.href = '/login'; throw new Error('logged out'); }
    if (!r.ok) return r.json().catch(function () { return {}; }).then(function (b) { throw new Error(b.error || (r.status + ' ' + r.statusText)); });
    return r.json();
  });
}
function toast(text) { var t = $('toast'); t.textContent = text; t.style.display = 'block'; setTimeout(function () { t.style.display = 'none'; }, 3000); }
function syncNow(host) {
  fetch('/api/hosts/' + encodeURIComponent(host) + '/sync', { method: 'POST', credentials: 'same-origin' }).then(function (r) { return r.json(); })
    .then(function (b) { toast(b.sent ? 'Sync requested on ' + host : b.merged ? 'A sync of ' + host + ' is already pending' : (b.error || 'not sent')); });
}
function hostPost(host, what, body) {
  return fetch('/api/hosts/' + encodeURIComponent(host) + '/' + what, body ? { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : { method: 'POST', credentials: 'same-origin' })
    .then(function (r) { return r.json(); });
}
function breakGlassButtons(h) {
  if ($('suspend')) $('suspend').onclick = function () {
    var reason = prompt('Suspend ' + h.host + ': applying and self-heal pause. Reason?', 'break-glass');
    if (!reason) return;
    var dur = prompt('For how long? (like 30m, 2h, 1d; up to 30d)', '2h');
    if (!dur) return;
    hostPost(h.host, 'suspend', { for: dur, reason: reason }).then(function (b) { toast(b.sent ? 'Suspend sent to ' + h.host : (b.error || 'not sent')); setTimeout(function () { renderHost(h.host); }, 1000); });
  };
  if ($('resume')) $('resume').onclick = function () {
    hostPost(h.host, 'resume').then(function (b) { toast(b.sent ? 'Resume sent to ' + h.host : (b.error || 'not sent')); setTimeout(function () { renderHost(h.host); }, 1000); });
  };
}
function fleet() {
  var url = '/api/hosts?filter=' + state.filter + '&q=' + encodeURIComponent(state.q) + '&selector=' + encodeURIComponent(state.sel || '') + '&offset=' + state.offset + '&limit=' + PAGE;
  return getJSON(url).then(function (d) {
    $('selerr').textContent = '';
    $('chips').innerHTML = FILTERS.map(function (f) {
      return '<button class="chip' + (f === state.filter ? ' on' : '') + '" data-f="' + esc(f) + '">' + esc(f) + '<b>' + esc(d.counts[f]) + '</b></button>';
    }).join('');
    $('rows').innerHTML = d.hosts.map(function (h) {
      return '<tr><td><span class="dot ' + (h.online ? 'up' : 'down') + '"></span><a href="/hosts/' + esc(encodeURIComponent(h.host)) + '">' + esc(h.host) + '</a>' + labelTags(h.labels) + '</td>' +
        '<td>' + esc(h.state) + '</td><td>' + short(h.revision.applied) + ' ' + revTag(h.revision) + '</td>' +
        '<td>' + resultTag(h.lastSync && h.lastSync.result) + ' ' + (h.lastSync ? ago(h.lastSync.at) : '') + '</td>' +
        '<td>' + (h.drift ? '<span class="tag t-warn">' + esc(h.drift) + ' drifted</span>' : '<span class="muted">none</span>') + '</td>' +
        '<td>' + (h.suspended ? '<span class="tag t-warn" title="' + esc(h.suspended.reason) + '">until ' + esc(h.suspended.until.slice(0, 16)) + '</span>' : '<span class="muted">no</span>') + '</td>' +
        '<td>' + esc(h.healthy) + (h.unhealthy ? ' <span class="tag t-bad">' + esc(h.unhealthy) + ' bad</span>' : '') + '</td>' +
        '<td>' + ago(h.lastSeen) + '</td><td>' + (h.cpuLoad == null ? '-' : esc(h.cpuLoad) + '%') + ' / ' + (h.memUsedPct == null ? '-' : esc(h.memUsedPct) + '%') + '</td></tr>';
    }).join('') || '<tr><td colspan="9" class="muted">No host matches.</td></tr>';
    var end = Math.min(d.total, state.offset + PAGE);
    $('range').textContent = d.total ? (state.offset + 1) + '-' + end + ' of ' + d.total : '0 hosts';
    $('prev').disabled = state.offset === 0; $('next').disabled = end >= d.total;
  });
}
function renderFleet() {
  $('app').innerHTML = '<div class="chips" id="chips"></div><div class="bar"><input type="search" id="q" placeholder="Filter by host or branch" value="' + esc(state.q) + '"><input type="search" id="sel" placeholder="Labels: role=camera,site in (berlin,paris)" value="' + esc(state.sel || '') + '"><span class="muted" id="selerr"></span></div>' +
    '<table><thead><tr><th>Host</th><th>State</th><th>Revision vs branch head</th><th>Last sync</th><th>Drift</th><th>Suspended</th><th>Healthy</th><th>Heartbeat</th><th>CPU / mem</th></tr></thead><tbody id="rows"></tbody></table>' +
    '<div class="pager"><button class="pg" id="prev">Prev</button><button class="pg" id="next">Next</button><span id="range"></span></div>';
  $('chips').addEventListener('click', function (e) { var f = e.target.closest('[data-f]'); if (f) { state.filter = f.dataset.f; state.offset = 0; fleet(); } });
  var deb = null;
  $('q').addEventListener('input', function (e) { clearTimeout(deb); deb = setTimeout(function () { state.q = e.target.value.trim(); state.offset = 0; fleet(); }, 200); });
  var sdeb = null;
  $('sel').addEventListener('input', function (e) { clearTimeout(sdeb); sdeb = setTimeout(function () { state.sel = e.target.value.trim(); state.offset = 0; fleet().catch(function (err) { $('selerr').textContent = String(err.message); }); }, 300); });
  $('prev').onclick = function () { state.offset = Math.max(0, state.offset - PAGE); fleet(); };
  $('next').onclick = function () { state.offset += PAGE; fleet(); };
  fleet(); timer = setInterval(fleet, 5000);
}
function labelTags(labels) {
  return Object.keys(labels || {}).sort().map(function (k) { return ' <span class="tag">' + esc(k) + '=' + esc(labels[k]) + '</span>'; }).join('');
}
function card(title, body) { return '<div class="card"><h3>' + esc(title) + '</h3>' + body + '</div>'; }
function renderHost(name) {
  Promise.all([getJSON('/api/hosts/' + encodeURIComponent(name)), getJSON('/api/hosts/' + encodeURIComponent(name) + '/events?limit=200')]).then(function (r) {
    var h = r[0], ev = r[1].events, m = h.metrics, inv = h.inventory, st = h.status;
    var err = st && st.lastSync && st.lastSync.error ? '<div class="muted">' + esc(st.lastSync.error.message) + '</div>' : '';
    $('app').innerHTML = '<div class="bar"><h2 style="margin:0"><span class="dot ' + (h.online ? 'up' : 'down') + '"></span>' + esc(h.host) + '</h2>' +
      '<span class="muted">' + esc(h.branch) + '</span><span style="flex:1"></span><button class="act" id="sync">Sync now</button>' +
      (h.suspended ? '<button class="act" id="resume">Resume</button>' : '<button class="act" id="suspend">Suspend</button>') + '</div>' +
      '<div class="grid">' +
      card('Link', '<div class="big">' + (h.online ? 'online' : 'offline') + '</div><div class="muted">last heartbeat ' + ago(h.lastSeen) + ', agent ' + esc(h.version) + '</div>') +
      card('Revision', '<div class="kv"><span class="muted">applied</span>' + short(h.revision.applied) + '<span class="muted">branch head</span>' + short(h.revision.head) + '</div>' + commitInfo(st) + '<div style="margin-top:6px">' + revTag(h.revision) + '</div>') +
      card('Last sync', '<div>' + resultTag(h.lastSync && h.lastSync.result) + ' ' + (h.lastSync ? ago(h.lastSync.at) : '') + '</div>' + err) +
      card('State', '<div class="big">' + esc(h.state) + '</div>' + (h.suspended ? '<div class="tag t-warn" id="suspended">suspended until ' + esc(h.suspended.until) + ': ' + esc(h.suspended.reason) + (h.suspended.by ? ' (by ' + esc(h.suspended.by) + ')' : '') + '</div>' : '') +
        '<div class="muted">' + esc(h.healthy) + ' healthy, ' + esc(h.unhealthy) + ' unhealthy, ' + esc(h.drift) + ' drifted, outbox ' + esc(h.outbox) + '</div>') +
      card('Host', m ? '<div class="kv"><span class="muted">cpu</span>' + esc(m.cpuLoad) + '% (load ' + esc(Number(m.load1).toFixed(2)) + ')<span class="muted">memory</span>' + esc(Math.round(m.memUsed / 1048576)) + ' / ' + esc(Math.round(m.memTotal / 1048576)) + ' MiB' +
        m.disks.map(function (d) { return '<span class="muted">' + esc(d.path) + '</span>' + esc(Math.round(100 * d.used / Math.max(1, d.size))) + '% of ' + esc(Math.round(d.size / 1073741824)) + ' GiB'; }).join('') +
        '<span class="muted">uptime</span>' + esc(Math.round(m.uptimeSec / 3600)) + ' h' + (m.temperature == null ? '' : '<span class="muted">temp</span>' + esc(m.temperature) + ' C') + '</div>' : '<span class="muted">no heartbeat yet</span>') +
      card('Inventory', inv ? '<div class="kv"><span class="muted">os</span>' + esc(inv.os.distro + ' ' + inv.os.release + ' ' + inv.os.arch) + '<span class="muted">cpu</span>' + esc(inv.cpu.brand + ' x' + inv.cpu.cores) + '<span class="muted">node</span>' + esc(inv.nodeVersion) + '</div>' : '<span class="muted">unknown</span>') +
      '</div><div class="grid" id="charts"></div>' +
      (st && st.resources.length ? '<h3>Resources</h3><table><thead><tr><th>Kind</th><th>Name</th><th>Health</th><th>Detail</th></tr></thead><tbody>' + st.resources.map(function (x) {
        return '<tr><td>' + esc(x.kind) + '</td><td>' + esc(x.name) + '</td><td>' + resultTag(x.health === 'healthy' ? 'succeeded' : x.health).replace('succeeded', 'healthy') + '</td><td class="muted">' + esc(x.detail) + '</td></tr>'; }).join('') + '</tbody></table>' : '') +
      (st && st.drift.length ? '<h3>Drift</h3><table><tbody>' + st.drift.map(function (d) { return '<tr><td>' + esc(d.resource) + '</td><td class="muted">' + esc(d.detail) + '</td></tr>'; }).join('') + '</tbody></table>' : '') +
      '<h3>Events</h3><table><thead><tr><th>#</th><th>When</th><th>Event</th><th>Detail</th></tr></thead><tbody>' + (ev.map(function (e) {
        return '<tr><td class="muted">' + esc(e.seq) + '</td><td>' + ago(e.at) + '</td><td>' + eventType(e.type) + '</td><td class="muted" style="white-space:normal">' + eventDetail(e.event) + '</td></tr>'; }).join('') || '<tr><td colspan="4" class="muted">No events yet.</td></tr>') + '</tbody></table>';
    renderCharts(h.host);
    $('sync').onclick = function () { syncNow(h.host); };
    breakGlassButtons(h);
    if (ME && ME.role === 'viewer') ['sync', 'suspend', 'resume'].forEach(function (id) { if ($(id)) $(id).style.display = 'none'; });
  }).catch(function (e) { $('app').innerHTML = '<p class="muted">' + esc(e.message) + '</p>'; });
}
function renderAudit() {
  getJSON('/api/audit?limit=200').then(function (d) {
    $('app').innerHTML = '<h2>Audit log</h2><table><thead><tr><th>#</th><th>When</th><th>Who</th><th>Role</th><th>Action</th><th>Target</th><th>Result</th><th>From</th></tr></thead><tbody>' +
      (d.entries.map(function (a) {
        return '<tr><td class="muted">' + esc(a.id) + '</td><td>' + ago(a.at) + '</td><td>' + esc(a.actor) + '</td><td>' + esc(a.role) + '</td><td><code>' + esc(a.action) + '</code></td><td>' + esc(a.target) + '</td><td>' + esc(a.result) + '</td><td class="muted">' + esc(a.remote) + '</td></tr>';
      }).join('') || '<tr><td colspan="8" class="muted">Nothing yet.</td></tr>') + '</tbody></table>';
  }).catch(function (e) { $('app').innerHTML = '<p class="muted">' + esc(e.message) + '</p>'; });
}
function renderUsers() {
  getJSON('/api/users').then(function (d) {
    $('app').innerHTML = '<h2>Operators</h2><table id="users"><thead><tr><th>Name</th><th>Display name</th><th>Source</th><th>Role</th><th>Created</th><th>Last login</th><th>Status</th><th></th></tr></thead><tbody>' +
      (d.users.map(function (u) {
        var src = u.source === 'oidc' ? 'OpenID <span class="muted">' + esc(u.issuer) + ' ' + esc(u.subject) + '</span>' : 'API token';
        var live = !u.revoked;
        return '<tr data-user="' + esc(u.name) + '" data-source="' + esc(u.source) + '"><td>' + esc(u.name) + '</td><td>' + esc(u.display || '') + '</td><td>' + src + '</td><td>' + esc(u.role) + '</td><td>' + ago(u.created) + '</td><td>' + (u.lastLogin ? ago(u.lastLogin) : '<span class="muted">-</span>') + '</td>' +
          '<td>' + (live ? '<span class="tag t-ok">active</span>' : '<span class="tag t-bad">revoked ' + ago(u.revoked) + '</span>') + '</td>' +
          '<td>' + (live ? '<button class="pg revoke" data-name="' + esc(u.name) + '">Revoke</button>' : '') + '</td></tr>';
      }).join('') || '<tr><td colspan="8" class="muted">Nobody yet.</td></tr>') + '</tbody></table>';
    Array.prototype.forEach.call(document.querySelectorAll('button.revoke'), function (b) {
      b.onclick = function () {
        var name = b.dataset.name;
        if (!confirm('Revoke ' + name + '? Their token and sessions stop at once, and OpenID logins are refused from now on.')) return;
        fetch('/api/users/' + encodeURIComponent(name), { method: 'DELETE', credentials: 'same-origin' }).then(function (r) { return r.json(); })
          .then(function (b2) { toast(b2.revoked ? 'Revoked ' + name : (b2.error || 'not revoked')); renderUsers(); });
      };
    });
  }).catch(function (e) { $('app').innerHTML = '<p class="muted">' + esc(e.message) + '</p>'; });
}
var ME = null;
getJSON('/api/me').then(function (me) {
  ME = me;
  $('who').textContent = me.name + ' (' + me.role + ')';
  if (me.role !== 'viewer') $('auditlink').style.display = 'inline';
  if (me.role === 'admin') $('userslink').style.display = 'inline';
});
var path = location.pathname;
if (path.indexOf('/hosts/') === 0) { var name = decodeURIComponent(path.slice(7)); renderHost(name); timer = setInterval(function () { renderHost(name); }, 10000); }
else if (path === '/audit') renderAudit();
else if (path === '/users') renderUsers();
else renderFleet();
`;

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
