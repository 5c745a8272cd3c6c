// The dashboard's style sheet (dark theme, fleet table, host cards), shared by the dashboard
// page and the login page.

export const DASHBOARD_STYLE = `
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
