// Browser code of the dashboard, served inside /dashboard.js (the CSP allows no inline script):
// the host view (cards, resources, drift, events) and its actions: sync now, suspend, resume.

export const HOST_SCRIPT = `function syncNow(host) {
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
`;
