// The dashboard's rollout pages: /rollouts lists them (and starts one), /rollouts/ID shows the
// waves, hosts per phase, failures with the agent's evidence and the timeline, with the
// operator's buttons. A static page and a script served apart (the CSP allows no inline script).

const STYLE = `
:root{--bg:#0f1419;--panel:#171e26;--line:#26313d;--text:#dce3ea;--muted:#8a98a8;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--info:#58a6ff;--chip:#1f2a35}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--text)}
header{display:flex;align-items:center;gap:16px;padding:14px 24px;border-bottom:1px solid var(--line);background:var(--panel)}
header h1{font-size:18px;margin:0;font-weight:600}header a{color:var(--info);text-decoration:none}
main{padding:20px 24px;max-width:1500px;margin:0 auto}
table{width:100%;border-collapse:collapse;background:var(--panel);border:1px solid var(--line);margin-bottom:18px}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:500;font-size:12px;text-transform:uppercase}
td a{color:var(--info);text-decoration:none}.muted{color:var(--muted)}
.tag{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;border:1px solid var(--line)}
.t-ok{color:var(--ok);border-color:#2e6b3a}.t-bad{color:var(--bad);border-color:#7d2f2c}.t-warn{color:var(--warn);border-color:#6b5220}.t-info{color:var(--info)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:14px;margin-bottom:18px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:14px}.card h3{margin:0 0 6px;font-size:12px;color:var(--muted);text-transform:uppercase}
.big{font-size:20px;font-weight:600}pre{white-space:pre-wrap;word-break:break-word;font:12px ui-monospace,monospace;margin:4px 0 0;color:#c9d1d9}
button{background:var(--panel);border:1px solid var(--line);color:var(--text);border-radius:6px;padding:6px 12px;cursor:pointer;font:inherit;margin-right:6px}
button.go{background:#238636;border-color:#2ea043;color:#fff}button.stop{border-color:#7d2f2c;color:var(--bad)}
form.start{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:8px;background:var(--panel);border:1px solid var(--line);padding:12px;margin-bottom:18px}
input{background:var(--bg);border:1px solid var(--line);color:var(--text);border-radius:6px;padding:6px 8px;font:inherit}
#msg{color:var(--warn);margin-bottom:10px}
`;

const SCRIPT = `
'use strict';
function $(id) { return document.getElementById(id); }
function esc(s) { return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
var CLS = { completed: 't-ok', done: 't-ok', reverted: 't-ok', running: 't-info', waiting: 't-info', publishing: 't-info', reverting: 't-info',
  paused: 't-warn', skipped: 't-warn', pending: '', halted: 't-bad', failed: 't-bad', 'revert-failed': 't-bad', aborted: 't-warn' };
function tag(s) { return '<span class="tag ' + (CLS[s] || '') + '">' + esc(s) + '</span>'; }
function getJSON(url) { return fetch(url, { cache: 'no-store', credentials: 'same-origin' }).then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.error || r.status); return b; }); }); }
function post(url, body) {
  return fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) })
    .then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.error || r.status); return b; }); });
}
function say(text) { $('msg').textContent = text; }
var ME = { role: 'viewer' };
function canAct() { return ME.role === 'operator' || ME.role === 'admin'; }
function phases(p) { return Object.keys(p).filter(function (k) { return p[k] > 0; }).map(function (k) { return tag(k) + ' ' + p[k]; }).join(' '); }
function list() {
  getJSON('/api/rollouts').then(function (d) {
    $('rows').innerHTML = d.rollouts.map(function (r) {
      return '<tr><td><a href="/rollouts/' + r.id + '">#' + r.id + '</a></td><td>' + tag(r.status) + '</td><td><code>' + esc(r.fleetCommit.slice(0, 12)) + '</code> ' + esc(r.fleetSubject) +
        '</td><td>' + esc(r.selector || '(all)') + '</td><td>' + r.wave + '/' + r.waves + '</td><td>' + phases(r.phases) + '</td><td class="muted">' + esc(r.createdBy) + ' ' + esc(r.createdAt) + '</td></tr>';
    }).join('') || '<tr><td colspan="7" class="muted">No rollout yet.</td></tr>';
  }).catch(function (e) { say(e.message); });
}
function startForm(e) {
  e.preventDefault();
  var f = e.target, body = { selector: f.selector.value.trim() };
  if (f.commit.value.trim()) body.commit = f.commit.value.trim();
  if (f.waves.value.trim()) body.waves = f.waves.value.split(',').map(function (w) { w = w.trim(); return /^[0-9]+$/.test(w) ? Number(w) : w; });
  if (f.maxFailures.value.trim()) body.maxFailures = /^[0-9]+$/.test(f.maxFailures.value.trim()) ? Number(f.maxFailures.value.trim()) : f.maxFailures.value.trim();
  if (f.waveTimeout.value.trim()) body.waveTimeout = f.waveTimeout.value.trim();
  if (f.pause.value.trim()) body.pause = f.pause.value.trim();
  var b = /^([^=]+)=([0-9]+)$/.exec(f.budget.value.trim()); if (b) body.budget = { label: b[1], maxUnavailable: Number(b[2]) };
  say('Starting...');
  post('/api/rollouts', body).then(function (r) { location.href = '/rollouts/' + r.id; }).catch(function (err) { say(err.message); });
}
function detail(id) {
  getJSON('/api/rollouts/' + id).then(function (r) {
    var waves = [];
    r.hosts.forEach(function (h) { var w = waves[h.wave] = waves[h.wave] || {}; w[h.phase] = (w[h.phase] || 0) + 1; });
    $('app').innerHTML = '<h2>Rollout #' + r.id + ' ' + tag(r.status) + '</h2>' +
      '<div class="grid"><div class="card"><h3>Fleet commit</h3><code>' + esc(r.fleetCommit) + '</code><div class="muted">' + esc(r.fleetSubject) + '</div></div>' +
      '<div class="card"><h3>Wave</h3><div class="big">' + r.wave + ' / ' + r.waves + '</div><div class="muted">waves ' + esc(JSON.stringify(r.spec.waves)) + ', maxFailures ' + esc(r.spec.maxFailures) + '</div></div>' +
      '<div class="card"><h3>Hosts</h3>' + phases(r.phases) + '</div>' +
      (canAct() ? '<div class="card"><h3>Actions</h3><button id="pause">Pause</button><button id="resume" class="go">Resume</button><button id="abort" class="stop">Abort</button><button id="revert" class="stop">Abort and revert</button></div>'
        : '<div class="card"><h3>Actions</h3><span class="muted">read-only: pausing, resuming and aborting need an operator</span></div>') + '</div>' +
      (r.haltReason ? '<p class="t-bad">Halted: ' + esc(r.haltReason) + '</p>' : '') +
      (r.failures.length ? '<h3>Failures</h3><table id="failures"><thead><tr><th>Host</th><th>Phase</th><th>Why, as the agent reported it</th></tr></thead><tbody>' + r.failures.map(function (h) {
        return '<tr><td><a href="/hosts/' + encodeURIComponent(h.host) + '">' + esc(h.host) + '</a></td><td>' + tag(h.phase) + '</td><td>' + esc(h.reason) + '<pre>' + esc(JSON.stringify(h.evidence, null, 2)) + '</pre></td></tr>';
      }).join('') + '</tbody></table>' : '') +
      '<h3>Waves</h3><table id="waves"><thead><tr><th>Wave</th><th>Hosts by phase</th></tr></thead><tbody>' + waves.map(function (w, i) { return '<tr><td>' + (i + 1) + '</td><td>' + phases(w) + '</td></tr>'; }).join('') + '</tbody></table>' +
      '<h3>Hosts</h3><table id="hosts"><thead><tr><th>Host</th><th>Wave</th><th>Phase</th><th>Commit</th><th>Reason</th></tr></thead><tbody>' + r.hosts.map(function (h) {
        return '<tr><td><a href="/hosts/' + encodeURIComponent(h.host) + '">' + esc(h.host) + '</a></td><td>' + (h.wave + 1) + '</td><td>' + tag(h.phase) + '</td><td><code>' + esc((h.revertCommit || h.commit || '').slice(0, 12)) + '</code></td><td class="muted">' + esc(h.reason) + '</td></tr>';
      }).join('') + '</tbody></table>' +
      '<h3>Timeline</h3><table id="timeline"><tbody>' + r.timeline.slice().reverse().map(function (t) { return '<tr><td class="muted">' + esc(t.at) + '</td><td>' + esc(t.text) + '</td></tr>'; }).join('') + '</tbody></table>';
    function act(verb, body) { return function () { post('/api/rollouts/' + id + '/' + verb, body).then(function () { say(verb + ' done'); detail(id); }).catch(function (e) { say(e.message); }); }; }
    if (!canAct()) return;
    $('pause').onclick = act('pause'); $('resume').onclick = act('resume'); $('abort').onclick = act('abort', { revert: false }); $('revert').onclick = act('abort', { revert: true });
  }).catch(function (e) { say(e.message); });
}
function main() {
var m = /^\\/rollouts\\/(\\d+)$/.exec(location.pathname);
if (m) { detail(m[1]); setInterval(function () { detail(m[1]); }, 3000); }
else {
  $('app').innerHTML = '<h2>Rollouts</h2>' + (canAct() ? '' : '<p class="muted">read-only: starting a rollout needs an operator</p>') + '<form class="start" id="start"' + (canAct() ? '' : ' hidden') + '><input name="commit" placeholder="fleet commit (default: branch head)"><input name="selector" placeholder="hosts, e.g. role=camera">' +
    '<input name="waves" placeholder="waves, e.g. 1,10%,50%,100%"><input name="maxFailures" placeholder="maxFailures, e.g. 5%"><input name="waveTimeout" placeholder="waveTimeout, e.g. 15m">' +
    '<input name="pause" placeholder="pause, e.g. 2m"><input name="budget" placeholder="budget, e.g. site=1"><button class="go" type="submit">Start rollout</button></form>' +
    '<table><thead><tr><th>#</th><th>Status</th><th>Fleet commit</th><th>Hosts</th><th>Wave</th><th>Phases</th><th>Started</th></tr></thead><tbody id="rows"></tbody></table>';
  $('start').addEventListener('submit', startForm);
  list(); setInterval(list, 5000);
}
}
getJSON('/api/me').then(function (me) { ME = me; }).catch(function () { /* shown as read-only */ }).then(main);
`;

/** Served at /rollouts.js. */
export const ROLLOUT_PAGE_SCRIPT = SCRIPT;

export const ROLLOUT_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>moor rollouts</title><style>${STYLE}</style></head>
<body><header><h1><a href="/" style="color:inherit">moor fleet</a></h1><a href="/rollouts">rollouts</a><span style="flex:1"></span>
<form method="post" action="/logout" style="margin:0"><button type="submit">Log out</button></form></header>
<main><div id="msg"></div><div id="app"><p class="muted">Loading...</p></div></main>
<script src="/rollouts.js"></script></body></html>`;
