/**
 * A server-side NTLMv2 check written from MS-NLMP (§3.3.2), independent of the client library: it issues a
 * challenge and verifies the client's NTProofStr against the password, per connection.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const md4 = createRequire(import.meta.url)('js-md4') as { arrayBuffer(data: Uint8Array): ArrayBuffer };

const SIGNATURE = Buffer.from('NTLMSSP\0', 'ascii');
const FLAGS = 0x00000001 /* unicode */ | 0x00000200 /* NTLM */ | 0x00080000 /* extended session security */ | 0x00800000 /* target info */ | 0x00000004;

function secBuf(msg: Buffer, at: number): Buffer {
  const len = msg.readUInt16LE(at);
  const off = msg.readUInt32LE(at + 4);
  return msg.subarray(off, off + len);
}

function type2(challenge: Buffer, domain: string): string {
  const target = Buffer.from(domain, 'utf16le');
  const info = Buffer.concat([Buffer.from([2, 0]), Buffer.from([target.length & 0xff, target.length >> 8]), target, Buffer.from([0, 0, 0, 0])]);
  const head = Buffer.alloc(48);
  SIGNATURE.copy(head, 0);
  head.writeUInt32LE(2, 8);
  head.writeUInt16LE(target.length, 12); head.writeUInt16LE(target.length, 14); head.writeUInt32LE(48, 16);
  head.writeUInt32LE(FLAGS, 20);
  challenge.copy(head, 24);
  head.writeUInt16LE(info.length, 40); head.writeUInt16LE(info.length, 42); head.writeUInt32LE(48 + target.length, 44);
  return Buffer.concat([head, target, info]).toString('base64');
}

/** True when the type 3 message proves knowledge of `password` for the challenge. */
function verify(type3: Buffer, challenge: Buffer, accounts: Map<string, string>): string | undefined {
  if (!type3.subarray(0, 8).equals(SIGNATURE) || type3.readUInt32LE(8) !== 3) return undefined;
  const nt = secBuf(type3, 20);
  const domain = secBuf(type3, 28).toString('utf16le');
  const user = secBuf(type3, 36).toString('utf16le');
  const password = accounts.get(user.toLowerCase()) ?? accounts.get(`${domain}\\${user}`.toLowerCase());
  if (password === undefined || nt.length < 32) return undefined;
  const ntHash = Buffer.from(md4.arrayBuffer(Buffer.from(password, 'utf16le')));
  const ntowf2 = createHmac('md5', ntHash).update(Buffer.from(user.toUpperCase() + domain, 'utf16le')).digest();
  const proof = createHmac('md5', ntowf2).update(Buffer.concat([challenge, nt.subarray(16)])).digest();
  return proof.equals(nt.subarray(0, 16)) ? user : undefined;
}

/**
 * Middleware for a node:http handler: answers NTLM's handshake and calls `next` for requests on an
 * authenticated connection. `accounts` maps lower-case usernames (or `domain\user`) to passwords.
 */
export function ntlmGuard(accounts: Record<string, string>, next: (req: IncomingMessage, res: ServerResponse, user: string) => void) {
  const known = new Map(Object.entries(accounts).map(([k, v]) => [k.toLowerCase(), v]));
  const state = new WeakMap<Socket, { challenge?: Buffer; user?: string }>();
  const stats = { negotiations: 0, authenticated: 0, refused: 0 };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const s = state.get(socket) ?? {};
    state.set(socket, s);
    if (s.user) { next(req, res, s.user); return; }
    const header = req.headers.authorization ?? '';
    const token = /^NTLM (.+)$/.exec(header)?.[1];
    const msg = token ? Buffer.from(token, 'base64') : undefined;
    if (msg && msg.subarray(0, 8).equals(SIGNATURE) && msg.readUInt32LE(8) === 1) {
      stats.negotiations++;
      s.challenge = randomBytes(8);
      res.writeHead(401, { 'www-authenticate': `NTLM ${type2(s.challenge, 'CORP')}`, 'content-length': '0' }).end();
      return;
    }
    if (msg && s.challenge && msg.readUInt32LE(8) === 3) {
      const user = verify(msg, s.challenge, known);
      s.challenge = undefined;
      if (user) { s.user = user; stats.authenticated++; next(req, res, user); return; }
      stats.refused++;
    }
    res.writeHead(401, { 'www-authenticate': 'NTLM', 'content-length': '0' }).end();
  };
  return Object.assign(handler, { stats });
}
