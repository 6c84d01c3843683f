import { createHash } from 'node:crypto';
import vm from 'node:vm';
import { CALLER, SALES_A, SALES_B } from '../park/park-harness';
import { jsonOf, SseClient, startHarness, TOKEN, type AdminHarness, type CallBody, type CallsBody, type LotsBody } from './admin-harness';

const open: AdminHarness[] = [];
const streams: SseClient[] = [];

async function harness(...args: Parameters<typeof startHarness>): Promise<AdminHarness> {
  const h = await startHarness(...args);
  open.push(h);
  return h;
}

function sse(h: AdminHarness, query = `?token=${TOKEN}`, headers: Record<string, string> = {}): SseClient {
  const client = new SseClient(`${h.admin.url}/api/events${query}`, headers);
  streams.push(client);
  return client;
}

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  for (const h of open.splice(0)) {
    await h.admin.close();
    h.park.stop();
  }
});

describe('admin API: authentication', () => {
  it.each(['/api/lots', '/api/calls', '/api/calls/x', '/metrics', '/api/events'])('%s needs the bearer token', async (path) => {
    const h = await harness();
    const missing = await h.call(path, { token: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="callpark"');
    expect(await missing.json()).toEqual({ error: 'a valid bearer token is required' });
    const wrong = await h.call(path, { token: `${TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="callpark", error="invalid_token"');
  });

  it('takes ?token= on the event stream only', async () => {
    const h = await harness();
    expect((await h.call(`/api/calls?token=${TOKEN}`, { token: null })).status).toBe(401);
    const stream = sse(h);
    await stream.until(() => stream.status === 200);
    const refused = sse(h, '?token=nope');
    await refused.until(() => refused.status !== 0);
    expect(refused.status).toBe(401);
  });

  it('serves /healthz and the board page without a token; the page carries no data and a strict CSP', async () => {
    const h = await harness();
    const health = await h.call('/healthz', { token: null });
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const page = await h.call('/', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'sha256-[^']+'/);
    const html = await page.text();
    expect(html).toContain('new EventSource');
    expect(html).not.toContain(TOKEN);
    // the inline script compiles, and the CSP hashes are those of the inline script and style
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*)<\/style>/.exec(html)![1]!;
    expect(() => new vm.Script(script)).not.toThrow();
    const hash = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(page.headers.get('content-security-policy')).toContain(`script-src ${hash(script)}`);
    expect(page.headers.get('content-security-policy')).toContain(`style-src ${hash(style)}`);
  });

  it('answers unknown paths 404 and wrong methods 405 with Allow, as JSON', async () => {
    const h = await harness();
    const missing = await h.call('/api/nothing');
    expect([missing.status, await missing.json()]).toEqual([404, { error: 'no route /api/nothing' }]);
    const wrongMethod = await h.call('/api/calls/x', { method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, DELETE');
  });

  it('listens on IPv6 loopback too', async () => {
    const h = await harness({ listen: { host: '::1', port: 0 } });
    expect(h.admin.url).toBe(`http://[::1]:${h.admin.port}`);
    expect((await h.call('/api/lots')).status).toBe(200);
  });
});

describe('admin API: lots and calls', () => {
  it('lists lots and parked calls, and one call by id', async () => {
    const h = await harness();
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const lots = await jsonOf<LotsBody>(h.call('/api/lots'));
    expect(lots.draining).toBe(false);
    expect(lots.lots).toContainEqual({ name: 'sales', rangeStart: 701, rangeEnd: 703, occupied: [701], orbits: 3 });
    const calls = await jsonOf<CallsBody>(h.call('/api/calls'));
    expect(calls.calls).toHaveLength(1);
    expect(calls.calls[0]).toMatchObject({ id: call.id, orbit: 701, lot: 'sales', state: 'parked', parker: { identity: 'sip:1001@pbx.example.com' } });
    const one = await h.call(`/api/calls/${call.id}`);
    expect((await jsonOf<CallBody>(one)).call.id).toBe(call.id);
    expect((await h.call('/api/calls/nope')).status).toBe(404);
  });

  it('POST /api/calls/:id/ringback rings the parker back now; a second time is a 409', async () => {
    const h = await harness();
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const rung = await h.call(`/api/calls/${call.id}/ringback`, { method: 'POST' });
    expect(rung.status).toBe(202);
    expect((await jsonOf<CallBody>(rung)).call).toMatchObject({ state: 'ringingBack', ringbackAttempts: 1 });
    const again = await h.call(`/api/calls/${call.id}/ringback`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await jsonOf<{ error: string }>(again)).error).toContain('cannot ring back in state ringingBack');
    expect((await h.call('/api/calls/nope/ringback', { method: 'POST' })).status).toBe(404);
  });

  it('DELETE /api/calls/:id hangs up as adminHangup', async () => {
    const h = await harness();
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const reasons: string[] = [];
    h.park.on('ended', ({ reason }) => reasons.push(reason));
    const deleted = await h.call(`/api/calls/${call.id}`, { method: 'DELETE' });
    expect([deleted.status, await deleted.json()]).toEqual([200, { id: call.id, ended: 'adminHangup' }]);
    expect(reasons).toEqual(['adminHangup']);
    expect((await h.call(`/api/calls/${call.id}`)).status).toBe(404);
    expect((await h.call(`/api/calls/${call.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('POST /api/calls/:id/retrieve is 501 without a retrieveTo function', async () => {
    const h = await harness();
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const res = await h.call(`/api/calls/${call.id}/retrieve`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: 'sip:1002@pbx.example.com' }),
    });
    expect(res.status).toBe(501);
  });

  it('POST /api/calls/:id/retrieve hands the call and URI to retrieveTo, validating the body', async () => {
    const asked: Array<[string, string]> = [];
    const h = await harness({
      retrieveTo: async (id, uri) => {
        asked.push([id, uri]);
        if (uri === 'sip:busy@pbx.example.com') throw new Error('486 Busy Here');
      },
    });
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const post = (id: string, body: string, type = 'application/json'): Promise<Response> =>
      h.call(`/api/calls/${id}/retrieve`, { method: 'POST', headers: { 'Content-Type': type }, body });

    const ok = await post(call.id, JSON.stringify({ to: 'sip:1002@pbx.example.com' }));
    expect([ok.status, await ok.json()]).toEqual([200, { id: call.id, retrievedTo: 'sip:1002@pbx.example.com' }]);
    expect(asked).toEqual([[call.id, 'sip:1002@pbx.example.com']]);

    expect((await post(call.id, JSON.stringify({ to: 'tel:1002' }))).status).toBe(400);
    expect((await post(call.id, '{not json')).status).toBe(400);
    expect((await post(call.id, '[]')).status).toBe(400);
    expect((await post(call.id, JSON.stringify({ to: 'sip:1002@x' }), 'text/plain')).status).toBe(415);
    expect((await post(call.id, JSON.stringify({ to: `sip:${'a'.repeat(20_000)}@x` }))).status).toBe(413);
    expect((await post('nope', JSON.stringify({ to: 'sip:1002@x' }))).status).toBe(404);
    const failed = await post(call.id, JSON.stringify({ to: 'sip:busy@pbx.example.com' }));
    expect([failed.status, await failed.json()]).toEqual([502, { error: 'retrieval to sip:busy@pbx.example.com failed' }]);
    expect(asked).toHaveLength(2);
  });
});

describe('admin API: event stream', () => {
  it('streams park events as JSON, sends heartbeats, and forgets a client that leaves', async () => {
    const h = await harness({ heartbeatMs: 50 });
    const stream = sse(h);
    await stream.until(() => h.admin.streamClients() === 1 && stream.comments.includes('connected'));
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    await stream.until(() => stream.events.some((e) => e.event === 'parked'));
    expect(stream.events.find((e) => e.event === 'parked')?.data).toMatchObject({ call: { id: call.id, orbit: 701, lot: 'sales' } });
    expect(stream.events.find((e) => e.event === 'orbitChanged')?.data).toEqual({ lot: 'sales', orbit: 701, state: 'parked' });
    h.park.replaceParkedParty(call.id, { identity: 'sip:1009@pbx.example.com', displayName: 'Transferee' });
    await stream.until(() => stream.events.some((e) => e.event === 'partyReplaced'));
    expect(stream.events.find((e) => e.event === 'partyReplaced')?.data).toMatchObject({
      call: { id: call.id, orbit: 701, parked: { identity: 'sip:1009@pbx.example.com', displayName: 'Transferee' } },
      previous: CALLER,
    });
    expect((await jsonOf<CallBody>(h.call(`/api/calls/${call.id}`))).call.parked).toEqual({ identity: 'sip:1009@pbx.example.com', displayName: 'Transferee' });
    h.park.hangup(call.id, 'adminHangup');
    await stream.until(() => stream.events.some((e) => e.event === 'ended'));
    expect(stream.events.find((e) => e.event === 'ended')?.data).toMatchObject({ reason: 'adminHangup' });
    await stream.until(() => stream.comments.includes('heartbeat'));

    stream.close();
    const deadline = Date.now() + 5000;
    while (h.admin.streamClients() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(h.admin.streamClients()).toBe(0);
  });

  it('ends open streams when the server closes', async () => {
    const h = await harness();
    const stream = sse(h, '', { Authorization: `Bearer ${TOKEN}` });
    await stream.until(() => h.admin.streamClients() === 1);
    await h.admin.close();
    expect(h.admin.streamClients()).toBe(0);
  });
});

describe('admin API: metrics and health', () => {
  const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/;

  function parseMetrics(text: string): Map<string, number> {
    const values = new Map<string, number>();
    const typed = new Set<string>();
    for (const line of text.trimEnd().split('\n')) {
      if (line.startsWith('# HELP ')) continue;
      const type = /^# TYPE (\S+) (counter|gauge)$/.exec(line);
      if (type !== null) {
        typed.add(type[1]!);
        continue;
      }
      const sample = SAMPLE.exec(line);
      if (sample === null) throw new Error(`unparsable metrics line: ${line}`);
      if (!typed.has(sample[1]!)) throw new Error(`sample before its TYPE: ${line}`);
      values.set(`${sample[1]}${sample[2] ?? ''}`, Number(sample[3]));
    }
    return values;
  }

  it('exposes parked calls per lot, counters, guard failures and process figures in the text format', async () => {
    const h = await harness({ engineStats: () => ({ dialogs: 3, serverTransactions: 2, clientTransactions: 1, appConnections: 1 }), mediaSessions: () => 4, appCounts: () => ({ calls: 5 }) });
    const first = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.park.beginRetrieve({ orbit: first.orbit, retriever: SALES_B }).complete();
    h.guard.recordFailure({ identity: SALES_B });
    h.clock.advance(60_000); // parkTimeout: the second call rings back

    const res = await h.call('/metrics');
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const metrics = parseMetrics(await res.text());
    expect(metrics.get('callpark_parked_calls{lot="sales"}')).toBe(1);
    expect(metrics.get('callpark_parked_calls{lot="hotel"}')).toBe(0);
    expect(metrics.get('callpark_parks_total{lot="sales"}')).toBe(2);
    expect(metrics.get('callpark_retrievals_total{lot="sales"}')).toBe(1);
    expect(metrics.get('callpark_ringbacks_total{lot="sales"}')).toBe(1);
    expect(metrics.get('callpark_calls_ended_total{reason="retrieved"}')).toBe(1);
    expect(metrics.get('callpark_failed_retrievals_total{kind="refused"}')).toBe(1);
    expect(metrics.get('callpark_engine_dialogs')).toBe(3);
    expect(metrics.get('callpark_engine_transactions{role="server"}')).toBe(2);
    expect(metrics.get('callpark_media_sessions')).toBe(4);
    expect(metrics.get('callpark_sip_calls')).toBe(5);
    expect(metrics.get('callpark_draining')).toBe(0);
    expect(metrics.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(metrics.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('escapes label values', async () => {
    const { PrometheusText } = await import('../../src/admin/prometheus');
    const text = new PrometheusText().add('x_total', 'counter', 'a\nb', [{ labels: { lot: 'a"b\\c\nd' }, value: 1 }]).toString();
    expect(text).toBe('# HELP x_total a\\nb\n# TYPE x_total counter\nx_total{lot="a\\"b\\\\c\\nd"} 1\n');
  });
});

describe('admin server start-up', () => {
  it('fails to start on a port already in use, and lets go of the park service', async () => {
    const h = await harness();
    await expect(startHarness({ listen: { host: '127.0.0.1', port: h.admin.port } })).rejects.toThrow(/EADDRINUSE/);
  });
});
