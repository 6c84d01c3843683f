/**
 * RFC 3264 §8: a new offer in an existing session repeats the origin line with the version
 * incremented. Used when we re-offer our own hold SDP to a parked party. Done on the text so
 * that long session ids are not rounded by a number parser.
 */
export function nextSdpVersion(sdp: string): string {
  return sdp.replace(/^(o=\S+ \S+ )(\d+)/m, (_match, head: string, version: string) => `${head}${BigInt(version) + 1n}`);
}

export function hasSdp(body: string | undefined): body is string {
  return typeof body === 'string' && /^v=0/m.test(body);
}
