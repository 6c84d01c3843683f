/**
 * GET /: a live park board. The page itself holds no data and needs no token; the token travels
 * in the URL fragment (`/#token=…`), which browsers never send to a server. The script moves it
 * to sessionStorage, calls the API with an Authorization header, and passes it as `?token=` only
 * to /api/events, because EventSource cannot set headers. Data is rendered with textContent, and
 * a CSP allows only this page's own inline script and style (by hash).
 */
import { createHash } from 'node:crypto';

const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.3em; }
table { border-collapse: collapse; min-width: 40em; margin-bottom: 1.5em; }
th, td { text-align: left; padding: 0.3em 0.8em; border-bottom: 1px solid #ddd; }
th { background: #f3f3f3; }
#status { color: #666; margin-bottom: 1em; }
.ringingBack { color: #b36b00; } .retrieving { color: #0a6; }
button { margin-right: 0.4em; }
`;

const SCRIPT = `
(() => {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.get('token')) {
    sessionStorage.setItem('callparkToken', params.get('token'));
    history.replaceState(null, '', location.pathname);
  }
  const token = sessionStorage.getItem('callparkToken');
  const status = document.getElementById('status');
  if (!token) { status.textContent = 'Open this page as /#token=YOUR_ADMIN_TOKEN'; return; }
  const auth = { Authorization: 'Bearer ' + token };
  const cell = (row, text) => { const td = document.createElement('td'); td.textContent = text; row.appendChild(td); return td; };
  const since = (ms) => { const s = Math.max(0, Math.round((Date.now() - ms) / 1000)); return Math.floor(s / 60) + 'm ' + String(s % 60).padStart(2, '0') + 's'; };
  let calls = [];
  async function act(method, path) {
    const res = await fetch(path, { method, headers: auth });
    if (!res.ok) status.textContent = method + ' ' + path + ': ' + ((await res.json()).error || res.status);
  }
  function render() {
    const body = document.getElementById('calls');
    body.replaceChildren();
    for (const call of calls) {
      const row = document.createElement('tr');
      cell(row, String(call.orbit)); cell(row, call.lot);
      cell(row, call.state).className = call.state;
      cell(row, call.parked ? (call.parked.displayName ? call.parked.displayName + ' ' : '') + call.parked.identity : '');
      cell(row, call.parker.identity);
      cell(row, since(call.parkedAt || call.createdAt));
      const buttons = cell(row, '');
      if (call.state === 'parked') {
        const ring = document.createElement('button'); ring.textContent = 'Ring back';
        ring.onclick = () => act('POST', '/api/calls/' + encodeURIComponent(call.id) + '/ringback');
        buttons.appendChild(ring);
      }
      const hang = document.createElement('button'); hang.textContent = 'Hang up';
      hang.onclick = () => { if (confirm('Hang up the call at ' + call.orbit + '?')) act('DELETE', '/api/calls/' + encodeURIComponent(call.id)); };
      buttons.appendChild(hang);
      body.appendChild(row);
    }
    if (calls.length === 0) { const row = document.createElement('tr'); cell(row, 'No parked calls').colSpan = 7; body.appendChild(row); }
  }
  async function refresh() {
    const res = await fetch('/api/calls', { headers: auth });
    if (res.status === 401) { status.textContent = 'The admin token was refused.'; return; }
    calls = (await res.json()).calls;
    render();
  }
  let pending;
  const soon = () => { clearTimeout(pending); pending = setTimeout(refresh, 100); };
  const events = new EventSource('/api/events?token=' + encodeURIComponent(token));
  for (const name of ['parked', 'retrieving', 'retrieved', 'retrieveFailed', 'ringback', 'fallback', 'ended', 'reserved', 'partyReplaced']) {
    events.addEventListener(name, soon);
  }
  events.onopen = () => { status.textContent = 'Live'; soon(); };
  events.onerror = () => { status.textContent = 'Reconnecting...'; };
  setInterval(render, 1000);
})();
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export const BOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>callpark: park board</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Parked calls</h1>
<div id="status">Connecting...</div>
<table>
<thead><tr><th>Orbit</th><th>Lot</th><th>State</th><th>Parked party</th><th>Parked by</th><th>Since</th><th></th></tr></thead>
<tbody id="calls"></tbody>
</table>
<script>${SCRIPT}</script>
</body>
</html>
`;

export const BOARD_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': [
    "default-src 'none'",
    `script-src ${sha256(SCRIPT)}`,
    `style-src ${sha256(STYLE)}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'Referrer-Policy': 'no-referrer',
};
