/**
 * Authentication: Basic, a real NTLM message sequence (from @ewsjs/ntlm-client, the NTLM client that
 * ews-javascript-api uses) on one keep-alive connection, OAuth Bearer tokens, and the 401 challenge headers.
 */
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EwsSimulator } from '../src/index.js';
import { ALICE, envelope, startSimulator } from './support.js';

const ntlm = createRequire(import.meta.url)('@ewsjs/ntlm-client') as {
  createType1Message(workstation?: string, target?: string): string;
  decodeType2Message(header: string): unknown;
  createType3Message(type2: unknown, user: string, password: string, workstation?: string, target?: string): string;
};

let sim: EwsSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim.stop(); });

const BODY = envelope('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>');

interface Reply { status: number; headers: Record<string, string[] | undefined>; body: string; port: number }

function send(agent: Agent, authorization?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(sim.url, {
      method: 'POST', agent,
      headers: { 'content-type': 'text/xml; charset=utf-8', ...(authorization ? { authorization } : {}) },
    }, (res) => {
      const port = res.socket.localPort!;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headersDistinct, body, port }));
    });
    req.on('error', reject);
    req.end(BODY);
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('authentication', () => {
  it('challenges an anonymous request with Negotiate, NTLM and Basic realm', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const r = await send(agent);
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toEqual(['Negotiate', 'NTLM', 'Basic realm="127.0.0.1"']);
    agent.destroy();
  });

  it('accepts Basic with the right password (email, DOMAIN\\user or bare user name) and refuses a wrong one', async () => {
    const agent = new Agent({ keepAlive: true });
    expect((await send(agent, basic(ALICE.email, ALICE.password))).status).toBe(200);
    expect((await send(agent, basic('EXAMPLE\\alice', ALICE.password))).status).toBe(200);
    expect((await send(agent, basic(ALICE.email, 'wrong'))).status).toBe(401);
    expect(sim.requests().at(-1)!.authScheme).toBe('Basic');
    agent.destroy();
  });

  it('completes an NTLMv2 handshake on one connection, which then stays authenticated', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await send(agent, ntlm.createType1Message('WORKSTATION', 'EXAMPLE'));
    expect(first.status).toBe(401);
    const challenge = first.headers['www-authenticate']![0]!;
    expect(challenge).toMatch(/^NTLM [A-Za-z0-9+/=]+$/);
    const type3 = ntlm.createType3Message(ntlm.decodeType2Message(challenge), 'alice', ALICE.password, 'WORKSTATION', 'EXAMPLE');
    const second = await send(agent, type3);
    expect(second.status).toBe(200);
    expect(second.body).toContain('GetFolderResponseMessage ResponseClass="Success"');
    expect(second.port).toBe(first.port);
    const third = await send(agent);
    expect(third.status).toBe(200);
    expect(third.port).toBe(first.port);
    expect(sim.requests().at(-1)).toMatchObject({ authScheme: 'NTLM', user: ALICE.email });
    agent.destroy();
  });

  it('refuses an NTLM response computed with a wrong password, and one without a prior challenge', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await send(agent, ntlm.createType1Message('WORKSTATION', 'EXAMPLE'));
    const type3 = ntlm.createType3Message(ntlm.decodeType2Message(first.headers['www-authenticate']![0]!), 'alice', 'not-the-password', 'WORKSTATION', 'EXAMPLE');
    expect((await send(agent, type3)).status).toBe(401);
    expect((await send(agent, type3)).status).toBe(401);
    agent.destroy();
  });

  it('accepts a registered Bearer token (and then advertises Bearer) and refuses an unknown one', async () => {
    const agent = new Agent({ keepAlive: true });
    expect((await send(agent, 'Bearer nope')).status).toBe(401);
    sim.addToken({ token: 'token-123', email: ALICE.email });
    expect((await send(agent, 'Bearer token-123')).status).toBe(200);
    const anon = await send(agent);
    expect(anon.headers['www-authenticate']).toContain('Bearer');
    expect(sim.requests().filter((e) => e.authScheme === 'Bearer' && e.status === 200)).toHaveLength(1);
    agent.destroy();
  });
});
