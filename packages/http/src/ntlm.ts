/**
 * NTLM (NTLMv2) for the transport: the three-message handshake on one keep-alive connection, messages built by
 * `@ewsjs/ntlm-client` (maintained for Node 18+, with its own MD4 since OpenSSL 3 dropped it). Exchange Server
 * on-premises offers NTLM (and Negotiate) on EWS.
 */
import { createRequire } from 'node:module';

interface Type2Message { flags: number; version: number; challenge: Buffer; targetName: string }
interface NtlmClient {
  createType1Message(workstation?: string, target?: string): string;
  decodeType2Message(str: string): Type2Message;
  createType3Message(type2: Type2Message, username: string, password: string, workstation?: string, target?: string): string;
}

let client: NtlmClient | undefined;
/** The NTLM message builder, loaded on first use: it and its DES code cost every other transport ~10 ms to load. */
const ntlm = (): NtlmClient => (client ??= createRequire(import.meta.url)('@ewsjs/ntlm-client') as NtlmClient);

/** One NTLM identity. `DOMAIN\user` names the domain; `user@domain` (UPN) is sent as is with no domain. */
export class NtlmSession {
  private readonly user: string;
  private readonly domain: string;

  constructor(username: string, private readonly password: string, private readonly workstation = '') {
    const slash = username.indexOf('\\');
    this.user = slash >= 0 ? username.slice(slash + 1) : username;
    this.domain = slash >= 0 ? username.slice(0, slash) : '';
  }

  /** The `Authorization` value that opens the handshake (type 1). */
  negotiate(): string {
    return ntlm().createType1Message(this.workstation, this.domain);
  }

  /**
   * The `Authorization` value answering the server's challenge (type 3), from its `NTLM <token>`. Throws when the
   * challenge is malformed or offers only NTLMv1, whose responses can be cracked: it is never answered.
   */
  authenticate(challenge: string): string {
    const type2 = ntlm().decodeType2Message(challenge);
    if (type2.version !== 2) throw new Error('the server offers only NTLMv1, which Dovetail does not use (enable NTLMv2 on the server)');
    return ntlm().createType3Message(type2, this.user, this.password, this.workstation, this.domain);
  }
}
