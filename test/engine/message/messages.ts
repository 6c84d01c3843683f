/** Sample messages shared by the message-layer tests. */
export const INVITE_SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

export function invite(body = INVITE_SDP, extraHeaders = ''): string {
  return (
    'INVITE sip:704@park.example.com SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport\r\n' +
    'Max-Forwards: 70\r\n' +
    'To: <sip:704@park.example.com>\r\n' +
    'From: "Alice Ä" <sip:alice@example.com>;tag=1928301774\r\n' +
    'Call-ID: a84b4c76e66710@pc33.example.com\r\n' +
    'CSeq: 314159 INVITE\r\n' +
    'Contact: <sip:alice@192.0.2.1:5060>\r\n' +
    'Content-Type: application/sdp\r\n' +
    extraHeaders +
    'Content-Length: ' + Buffer.byteLength(body) + '\r\n' +
    '\r\n' +
    body
  );
}

export const OK_RESPONSE =
  'SIP/2.0 200 OK\r\n' +
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5060\r\n' +
  'To: <sip:704@park.example.com>;tag=a6c85cf\r\n' +
  'From: "Alice" <sip:alice@example.com>;tag=1928301774\r\n' +
  'Call-ID: a84b4c76e66710@pc33.example.com\r\n' +
  'CSeq: 314159 INVITE\r\n' +
  'Contact: <sip:park@192.0.2.9>\r\n' +
  'Content-Length: 0\r\n' +
  '\r\n';

export const BYE =
  'BYE sip:alice@192.0.2.1:5060 SIP/2.0\r\n' +
  'Via: SIP/2.0/TCP 192.0.2.9:5060;branch=z9hG4bKnashds7\r\n' +
  'Max-Forwards: 70\r\n' +
  'From: <sip:704@park.example.com>;tag=a6c85cf\r\n' +
  'To: "Alice" <sip:alice@example.com>;tag=1928301774\r\n' +
  'Call-ID: a84b4c76e66710@pc33.example.com\r\n' +
  'CSeq: 1 BYE\r\n' +
  'Content-Length: 0\r\n' +
  '\r\n';
