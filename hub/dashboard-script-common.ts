// Browser code of the dashboard, served inside /dashboard.js (the CSP allows no inline script):
// the page state and the helpers every view uses (escaping, times, result tags, JSON fetch, toast).

export const COMMON_SCRIPT = `
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
`;
