// Browser code of the dashboard, served inside /dashboard.js (the CSP allows no inline script):
// the audit log and the operators page (with revoke), then the start: who is logged in, which view.

export const ADMIN_SCRIPT = `function renderAudit() {
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
`;

/** Runs last: reads who is logged in and renders the view the path names. */
export const BOOT_SCRIPT = `var ME = null;
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
