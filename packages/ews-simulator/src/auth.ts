/**
 * Authentication as an on-premises Exchange EWS virtual directory does it: Basic, NTLM (a challenge/response
 * handshake on one keep-alive connection, which then stays authenticated) and OAuth Bearer tokens registered by the
 * test. A request without valid credentials gets 401 with the WWW-Authenticate headers Exchange sends.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { challengeMessage, messageType, parseAuthenticate, verifyNtlmV2 } from './ntlm.js';

/** A simulated user: their mailbox address and password. */
export interface UserAccount {
  email: string;
  password: string;
  displayName?: string;
}

export type AuthResult =
  | { ok: true; user: string; scheme: 'Basic' | 'NTLM' | 'Bearer' }
  | { ok: false; scheme: string; /** An NTLM CHALLENGE_MESSAGE header value to send with the 401. */ challenge?: string };

interface ConnectionState {
  challenge?: Buffer;
  prefix?: string;
  user?: string;
}

/** Finds a user by the name a client sent: `a@x.org`, `DOMAIN\a`, `a` or `a@DOMAIN`. */
export function findUser(users: UserAccount[], name: string): UserAccount | undefined {
  const n = name.toLowerCase();
  const exact = users.find((u) => u.email.toLowerCase() === n);
  if (exact) return exact;
  const local = n.includes('\\') ? n.split('\\').pop()! : n.split('@')[0]!;
  return users.find((u) => u.email.toLowerCase().split('@')[0] === local);
}

export class Authenticator {
  private readonly connections = new WeakMap<Socket, ConnectionState>();

  constructor(
    private readonly users: () => UserAccount[],
    private readonly tokens: Map<string, string>,
  ) {}

  /** The WWW-Authenticate headers of a 401. */
  challengeHeaders(host: string): string[] {
    const h = ['Negotiate', 'NTLM', `Basic realm="${host}"`];
    if (this.tokens.size) h.push('Bearer');
    return h;
  }

  authenticate(req: IncomingMessage): AuthResult {
    const header = req.headers.authorization ?? '';
    const socket = req.socket;
    const state = this.connections.get(socket);
    const space = header.indexOf(' ');
    const scheme = space > 0 ? header.slice(0, space) : header;
    const value = space > 0 ? header.slice(space + 1).trim() : '';
    if (!header) {
      if (state?.user) return { ok: true, user: state.user, scheme: 'NTLM' };
      return { ok: false, scheme: 'none' };
    }
    switch (scheme.toLowerCase()) {
      case 'basic': {
        const decoded = Buffer.from(value, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        const user = colon >= 0 ? findUser(this.users(), decoded.slice(0, colon)) : undefined;
        if (user && user.password === decoded.slice(colon + 1)) return { ok: true, user: user.email, scheme: 'Basic' };
        return { ok: false, scheme: 'Basic' };
      }
      case 'bearer': {
        const email = this.tokens.get(value);
        return email ? { ok: true, user: email, scheme: 'Bearer' } : { ok: false, scheme: 'Bearer' };
      }
      case 'ntlm':
      case 'negotiate':
        return this.ntlm(socket, scheme, Buffer.from(value, 'base64'));
      default:
        return { ok: false, scheme };
    }
  }

  private ntlm(socket: Socket, prefix: string, token: Buffer): AuthResult {
    const type = messageType(token);
    if (type === 1) {
      const { message, challenge } = challengeMessage(token);
      this.connections.set(socket, { challenge, prefix });
      return { ok: false, scheme: 'NTLM', challenge: `${prefix} ${message.toString('base64')}` };
    }
    const state = this.connections.get(socket);
    if (type === 3 && state?.challenge) {
      this.connections.set(socket, {});
      try {
        const auth = parseAuthenticate(token);
        const user = findUser(this.users(), auth.user.includes('@') || !auth.domain ? auth.user : `${auth.domain}\\${auth.user}`);
        if (user && verifyNtlmV2(auth, state.challenge, user.password)) {
          this.connections.set(socket, { user: user.email });
          return { ok: true, user: user.email, scheme: 'NTLM' };
        }
      } catch {
        // A malformed AUTHENTICATE_MESSAGE fails like a wrong password.
      }
    }
    return { ok: false, scheme: 'NTLM' };
  }
}
