/**
 * The server side of NTLM (MS-NLMP): a CHALLENGE_MESSAGE for a client's NEGOTIATE_MESSAGE, and the check of the
 * AUTHENTICATE_MESSAGE's NTLMv2 response against the user's password (NTOWFv2 = HMAC-MD5(MD4(UTF-16LE(password)),
 * UTF-16LE(UPPER(user) + domain)); NTProofStr = HMAC-MD5(NTOWFv2, serverChallenge + blob)). NTLMv1 is refused, as
 * current Exchange configurations do. MD4 comes from js-md4 (Node 20's OpenSSL 3 has no MD4).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import md4 from 'js-md4';

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
const FLAG = {
  UNICODE: 0x00000001, OEM: 0x00000002, REQUEST_TARGET: 0x00000004, SIGN: 0x00000010, SEAL: 0x00000020,
  NTLM: 0x00000200, ALWAYS_SIGN: 0x00008000, TARGET_TYPE_DOMAIN: 0x00010000, EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000, VERSION: 0x02000000, N128: 0x20000000, KEY_EXCH: 0x40000000, N56: 0x80000000,
};

/** Which NTLM message a token holds (1, 2 or 3), or 0 if it is not NTLMSSP. */
export function messageType(token: Buffer): number {
  if (token.length < 12 || !token.subarray(0, 8).equals(SIGNATURE)) return 0;
  return token.readUInt32LE(8);
}

function avPair(id: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(id, 0);
  head.writeUInt16LE(value.length, 2);
  return Buffer.concat([head, value]);
}

function fileTime(ms: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE((BigInt(ms) + 11_644_473_600_000n) * 10_000n);
  return b;
}

/** A CHALLENGE_MESSAGE answering a NEGOTIATE_MESSAGE; keep `challenge` to check the AUTHENTICATE_MESSAGE. */
export function challengeMessage(negotiate: Buffer, domain = 'SIMULATOR', server = 'EWSSIM'): { message: Buffer; challenge: Buffer } {
  const clientFlags = negotiate.length >= 16 ? negotiate.readUInt32LE(12) : 0;
  const echo = clientFlags & (FLAG.SIGN | FLAG.SEAL | FLAG.ALWAYS_SIGN | FLAG.KEY_EXCH | FLAG.N56 | FLAG.N128 | FLAG.VERSION);
  const flags = (FLAG.UNICODE | FLAG.REQUEST_TARGET | FLAG.NTLM | FLAG.TARGET_TYPE_DOMAIN | FLAG.EXTENDED_SESSIONSECURITY |
    FLAG.TARGET_INFO | echo) >>> 0;
  const challenge = randomBytes(8);
  const target = Buffer.from(domain, 'utf16le');
  const info = Buffer.concat([
    avPair(2, Buffer.from(domain, 'utf16le')), avPair(1, Buffer.from(server, 'utf16le')),
    avPair(4, Buffer.from(`${domain.toLowerCase()}.local`, 'utf16le')),
    avPair(3, Buffer.from(`${server.toLowerCase()}.${domain.toLowerCase()}.local`, 'utf16le')),
    avPair(7, fileTime(Date.now())), avPair(0, Buffer.alloc(0)),
  ]);
  const head = Buffer.alloc(56);
  SIGNATURE.copy(head, 0);
  head.writeUInt32LE(2, 8);
  head.writeUInt16LE(target.length, 12);
  head.writeUInt16LE(target.length, 14);
  head.writeUInt32LE(56, 16);
  head.writeUInt32LE(flags, 20);
  challenge.copy(head, 24);
  head.writeUInt16LE(info.length, 40);
  head.writeUInt16LE(info.length, 42);
  head.writeUInt32LE(56 + target.length, 44);
  // Version: 10.0 build 17763, NTLM revision 15.
  Buffer.from([10, 0, 0x63, 0x45, 0, 0, 0, 15]).copy(head, 48);
  return { message: Buffer.concat([head, target, info]), challenge };
}

/** The fields of an AUTHENTICATE_MESSAGE the check needs. */
export interface Authenticate {
  user: string;
  domain: string;
  workstation: string;
  ntResponse: Buffer;
}

function field(msg: Buffer, at: number): Buffer {
  const len = msg.readUInt16LE(at);
  const off = msg.readUInt32LE(at + 4);
  if (off + len > msg.length) throw new Error('NTLM message field out of bounds');
  return msg.subarray(off, off + len);
}

/** Parses an AUTHENTICATE_MESSAGE; throws on a malformed one. */
export function parseAuthenticate(msg: Buffer): Authenticate {
  if (messageType(msg) !== 3 || msg.length < 64) throw new Error('not an NTLM AUTHENTICATE_MESSAGE');
  const flags = msg.readUInt32LE(60);
  const str = (b: Buffer) => b.toString(flags & FLAG.UNICODE ? 'utf16le' : 'latin1');
  return { ntResponse: Buffer.from(field(msg, 20)), domain: str(field(msg, 28)), user: str(field(msg, 36)), workstation: str(field(msg, 44)) };
}

const hmac = (key: Buffer, ...data: Buffer[]) => {
  const h = createHmac('md5', key);
  for (const d of data) h.update(d);
  return h.digest();
};

/** True if the AUTHENTICATE_MESSAGE's NTLMv2 response proves knowledge of `password` for this challenge. */
export function verifyNtlmV2(auth: Authenticate, challenge: Buffer, password: string): boolean {
  if (auth.ntResponse.length <= 24) return false; // NTLMv1 (or anonymous) is not accepted.
  const ntHash = Buffer.from(md4.arrayBuffer(Buffer.from(password, 'utf16le')));
  const ntowfv2 = hmac(ntHash, Buffer.from(auth.user.toUpperCase() + auth.domain, 'utf16le'));
  const proof = auth.ntResponse.subarray(0, 16);
  const blob = auth.ntResponse.subarray(16);
  const expected = hmac(ntowfv2, challenge, blob);
  return timingSafeEqual(proof, expected);
}
