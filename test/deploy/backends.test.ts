import { BackendSpecError, testBackends } from '../support/backends';

test('embedded engine and media by default', () => {
  expect(testBackends({})).toEqual({ engine: { kind: 'embedded' }, media: { kind: 'embedded' } });
});

test('reads drachtio-server and FreeSWITCH targets, secrets may contain colons, IPv6 in brackets', () => {
  expect(testBackends({ CALLPARK_TEST_DRACHTIO: '127.0.0.1:9022:s:e:c', CALLPARK_TEST_FREESWITCH: '[::1]:8021:pw' })).toEqual({
    engine: { kind: 'drachtio-server', host: '127.0.0.1', port: 9022, secret: 's:e:c' },
    media: { kind: 'freeswitch', host: '::1', port: 8021, password: 'pw' },
  });
});

test.each(['127.0.0.1:9022', 'host:0:x', 'host:port:x', ':9022:x'])('refuses "%s"', (value) => {
  expect(() => testBackends({ CALLPARK_TEST_DRACHTIO: value })).toThrow(BackendSpecError);
});
