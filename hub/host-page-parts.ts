// Browser code for the host page, served inside the dashboard's script (no inline script: the CSP
// forbids it): the applied commit's author and message, each sync's field-level changes as
// readable lines, and inline-SVG charts of CPU, memory and disk over the last day. Every value
// from an agent goes through esc() (the dashboard script's; this part is appended to it).

export const HOST_PAGE_PARTS = `
function firstLine(s) { return String(s == null ? '' : s).split('\\n')[0]; }
function commitInfo(st) {
  var c = st && st.commit;
  if (!c) return '';
  return '<div class="commit"><div>' + esc(firstLine(c.message)) + '</div><div class="muted">' + esc(c.author) + ' &lt;' + esc(c.email) + '&gt;, ' + esc(c.date) + '</div></div>';
}
function value(v) { return v == null ? '<span class="muted">(none)</span>' : esc(v); }
function changeLines(cs) {
  return (cs || []).map(function (c) {
    return '<div class="chg">' + esc(c.action) + ' <code>' + esc(c.kind + '/' + c.name) + '</code> <span class="muted">' + esc(c.why) + '</span>' +
      (c.fields || []).map(function (f) { return '<div class="fld"><code>' + esc(f.field) + '</code>: ' + value(f.from) + ' &rarr; ' + value(f.to) + '</div>'; }).join('') + '</div>';
  }).join('');
}
var EVENT_CLS = { 'sync.succeeded': 't-ok', 'source.recovered': 't-ok', 'engine.recovered': 't-ok', 'sync.failed': 't-bad', 'sync.rolledBack': 't-bad', 'sync.rollbackFailed': 't-bad',
  'commit.invalid': 't-bad', 'commit.refused': 't-bad', 'agent.bug': 't-bad', 'drift.detected': 't-warn', 'source.unreachable': 't-warn', 'engine.unresponsive': 't-warn', 'agent.suspended': 't-warn' };
function eventType(t) { return '<code class="' + (EVENT_CLS[t] || '') + '">' + esc(t) + '</code>'; }
function cut(c) { return esc(String(c || '').slice(0, 12)); }
function eventDetail(ev) {
  switch (ev.type) {
    case 'sync.started': return cut(ev.commit) + ' (' + esc(ev.trigger) + ')';
    case 'sync.succeeded': return cut(ev.commit) + ' converged: ' + esc(ev.changes) + ' change(s) in ' + esc((ev.durationMs / 1000).toFixed(1)) + ' s' + changeLines(ev.diff);
    case 'sync.failed': case 'commit.invalid': return cut(ev.commit) + ': ' + esc(ev.error.message);
    case 'sync.rolledBack': return cut(ev.commit) + ' rolled back to ' + cut(ev.to) + ': ' + esc(ev.error.message);
    case 'sync.rollbackFailed': return cut(ev.commit) + ' failed: ' + esc(ev.error.message) + '; putting back ' + cut(ev.to) + ' failed: ' + esc(ev.rollbackError.message);
    case 'commit.refused': return cut(ev.commit) + ' refused: ' + esc(ev.reason);
    case 'drift.detected': return (ev.healed ? 'put back' : 'reported, not put back') + changeLines(ev.changes);
    default:
      var d = Object.assign({}, ev); delete d.type;
      return esc(JSON.stringify(d).slice(0, 300));
  }
}
function chart(title, key, points, now) {
  var W = 300, H = 80, DAY = 86400000;
  var pts = points.filter(function (p) { return typeof p[key] === 'number'; });
  var xy = pts.map(function (p) { return [Math.max(0, W * (1 - (now - p.at) / DAY)), H - (H * Math.min(100, Math.max(0, p[key]))) / 100]; });
  var last = pts.length ? pts[pts.length - 1][key] : null;
  var end = xy.length ? xy[xy.length - 1] : null;
  return '<div class="card chart" data-chart="' + key + '"><h3>' + esc(title) + ' <span class="val">' + (last == null ? 'no data' : esc(last.toFixed(1)) + ' %') + '</span></h3>' +
    '<svg viewBox="0 0 ' + W + ' ' + H + '" width="100%" height="' + H + '" role="img" aria-label="' + esc(title) + ', last 24 hours">' +
    '<line x1="0" y1="' + H / 2 + '" x2="' + W + '" y2="' + H / 2 + '" stroke="#26313d" stroke-dasharray="3 3"></line>' +
    '<polyline fill="none" stroke="#58a6ff" stroke-width="1.5" points="' + esc(xy.map(function (c) { return c[0].toFixed(1) + ',' + c[1].toFixed(1); }).join(' ')) + '"></polyline>' +
    (end ? '<circle cx="' + esc(end[0].toFixed(1)) + '" cy="' + esc(end[1].toFixed(1)) + '" r="2.5" fill="#58a6ff"></circle>' : '') +
    '</svg><div class="muted">last 24 h, ' + pts.length + ' point(s) of 5 min</div></div>';
}
function renderCharts(name) {
  getJSON('/api/hosts/' + encodeURIComponent(name) + '/metrics').then(function (d) {
    var el = document.getElementById('charts');
    if (el) el.innerHTML = chart('CPU', 'cpu', d.points, d.now) + chart('Memory', 'mem', d.points, d.now) + chart('Disk (fullest)', 'disk', d.points, d.now);
  }).catch(function () { /* the rest of the page stands without charts */ });
}
`;

export const HOST_PAGE_STYLE = `.chg{margin-top:4px}.fld{padding-left:14px;font-size:12px}.commit{margin-top:6px}.chart svg{display:block;background:var(--bg);border-radius:4px}.chart .val{color:var(--text);text-transform:none}`;
