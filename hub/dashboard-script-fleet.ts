// Browser code of the dashboard, served inside /dashboard.js (the CSP allows no inline script):
// the fleet table, paged through /api/hosts with its filter chips, search and label selector.

export const FLEET_SCRIPT = `function fleet() {
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
`;
