/** Every implemented operation answers odd or incomplete requests with a documented error, never an internal one. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../src/dispatch.js';
import type { EwsSimulator } from '../src/index.js';
import { ALICE, post, startSimulator, text } from './support.js';

let sim: EwsSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim.stop(); });

const BODIES = [
  (op: string) => `<m:${op}/>`,
  (op: string) => `<m:${op} Traversal="Sideways" DeleteType="Vaporize"><m:ItemIds><t:ItemId/></m:ItemIds><m:FolderIds><t:FolderId/></m:FolderIds></m:${op}>`,
  (op: string) => `<m:${op}><m:ItemShape><t:BaseShape>Everything</t:BaseShape></m:ItemShape><m:ItemIds><t:OccurrenceItemId RecurringMasterId="AAAA" InstanceIndex="-1"/></m:ItemIds></m:${op}>`,
  (op: string) => `<m:${op} SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem><t:Start>yesterday</t:Start></t:CalendarItem></m:Items>`
    + '<m:ItemChanges><t:ItemChange><t:ItemId Id="AAAA"/><t:Updates><t:SetItemField/></t:Updates></t:ItemChange></m:ItemChanges>'
    + `<m:SyncFolderId><t:DistinguishedFolderId Id="calendar"/></m:SyncFolderId><m:MaxChangesReturned>5</m:MaxChangesReturned><m:SyncState>%%%</m:SyncState></m:${op}>`,
  (op: string) => `<m:${op}><m:ParentItemId Id="AAAA"/><m:Attachments><t:FileAttachment><t:Content>***</t:Content></t:FileAttachment></m:Attachments>`
    + `<m:AttachmentIds><t:AttachmentId Id="nope"/></m:AttachmentIds><m:UnresolvedEntry></m:UnresolvedEntry><m:SourceIds><t:AlternateId/></m:SourceIds></m:${op}>`,
];

describe('robustness', () => {
  it('answers every implemented operation with a response or a documented fault for malformed input', async () => {
    const seen = new Set<string>();
    for (const op of Object.keys(HANDLERS)) {
      for (const body of BODIES) {
        const r = await post(sim, body(op), ALICE);
        expect([200, 500], `${op}: ${r.text.slice(0, 300)}`).toContain(r.status);
        expect(r.doc, `${op}: ${r.text.slice(0, 300)}`).toBeDefined();
        const code = text(r.doc, 'ResponseCode') ?? '';
        expect(code, `${op}: ${r.text.slice(0, 500)}`).not.toBe('ErrorInternalServerError');
        seen.add(code);
      }
    }
    expect(seen.has('ErrorSchemaValidation')).toBe(true);
    expect((await post(sim, '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>')).status).toBe(200);
  });
});
