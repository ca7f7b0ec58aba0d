/** ResolveNames (enough for a connectivity check), ConvertId, and file / contact-photo attachments. */
import type { RequestContext } from '../context.js';
import { newId } from '../ids.js';
import { resolveItem, ERR, requireAccess } from '../resolve.js';
import { EwsError, schemaError } from '../soap.js';
import { itemChangeKey, type Attachment, type Mailbox, type StoredItem } from '../store.js';
import { formatUtc } from '../time.js';
import { child, childText, el, NS, textEl, type XNode } from '../xml.js';
import { boolAttr, perElement, respond, type Handler } from './common.js';

function mailboxNode(name: string, email: string, type = 'Mailbox'): XNode {
  return el('t:Mailbox', undefined, el('t:Name', undefined, name), el('t:EmailAddress', undefined, email),
    el('t:RoutingType', undefined, 'SMTP'), el('t:MailboxType', undefined, type));
}

export const resolveNames: Handler = (op, ctx) => {
  const entry = childText(op, 'UnresolvedEntry', NS.M);
  if (entry === undefined) throw schemaError("The element 'ResolveNames' has incomplete content: UnresolvedEntry is required.", op.line, op.column);
  const fullContact = boolAttr(op, 'ReturnFullContactData', false);
  const msgs = perElement(ctx, [op], () => {
    const needle = entry.replace(/^smtp:/i, '').toLowerCase();
    const exact = /^smtp:/i.test(entry);
    const matches = Object.values(ctx.store.data.mailboxes).filter((m) => {
      const email = m.email.toLowerCase();
      const name = m.displayName.toLowerCase();
      return exact ? email === needle : email.startsWith(needle) || name.startsWith(needle) || name.split(/\s+/).some((w) => w.startsWith(needle));
    });
    if (!matches.length) throw new EwsError('ErrorNameResolutionNoResults', 'No results were found.');
    const set = el('m:ResolutionSet', { TotalItemsInView: String(matches.length), IncludesLastItemInRange: 'true' },
      ...matches.map((m) => el('t:Resolution', undefined, mailboxNode(m.displayName, m.email),
        fullContact ? el('t:Contact', undefined, el('t:DisplayName', undefined, m.displayName),
          el('t:EmailAddresses', undefined, el('t:Entry', { Key: 'EmailAddress1' }, `SMTP:${m.email}`)),
          el('t:ContactSource', undefined, 'ActiveDirectory')) : undefined)));
    if (matches.length > 1) {
      throw Object.assign(new EwsError('ErrorNameResolutionMultipleResults', 'Multiple results were found.'), { content: set });
    }
    return [set];
  });
  for (const m of msgs) {
    const extra = (m.error as (EwsError & { content?: XNode }) | undefined)?.content;
    if (extra) { m.warning = true; m.content = [extra]; }
  }
  return respond(ctx, 'ResolveNames', msgs);
};

const FORMATS = ['EwsLegacyId', 'EwsId', 'EntryId', 'HexEntryId', 'StoreId', 'OwaId'];

export const convertId: Handler = (op, ctx) => {
  const dest = op.attrs.DestinationFormat ?? '';
  if (!FORMATS.includes(dest)) throw schemaError(`The 'DestinationFormat' attribute is invalid - The value '${dest}' is invalid according to its datatype.`, op.line, op.column);
  const ids = child(op, 'SourceIds', NS.M)?.children ?? [];
  const msgs = perElement(ctx, ids, (a) => {
    const id = a.attrs.Id ?? '';
    const found = ctx.store.locate(id);
    if (!found) throw ERR.malformed();
    if (dest !== 'EwsId' && dest !== 'EwsLegacyId') throw new EwsError('ErrorInvalidIdMalformed', `Conversion to ${dest} is not supported by this server.`);
    return [el('m:AlternateId', { 'xsi:type': 't:AlternateIdType', Format: dest, Id: id, Mailbox: found.mb.email })];
  });
  return respond(ctx, 'ConvertId', msgs);
};

function findAttachment(ctx: RequestContext, id: string): { mb: Mailbox; item: StoredItem; att: Attachment } {
  for (const mb of Object.values(ctx.store.data.mailboxes)) {
    for (const item of Object.values(mb.items)) {
      if (item.deleted) continue;
      const att = item.attachments.find((a) => a.id === id);
      if (att) {
        const folder = mb.folders[item.folderId];
        if (folder) requireAccess(ctx, mb, folder, 'Reviewer');
        ctx.log.itemIds.push(item.id);
        return { mb, item, att };
      }
    }
  }
  throw new EwsError('ErrorItemNotFound', 'The specified object was not found in the store.');
}

function fileAttachment(a: Attachment, withContent: boolean, root?: StoredItem): XNode {
  return el('t:FileAttachment', undefined,
    el('t:AttachmentId', root ? { Id: a.id, RootItemId: root.id, RootItemChangeKey: itemChangeKey(root) } : { Id: a.id }),
    ...(withContent ? [
      el('t:Name', undefined, a.name), el('t:ContentType', undefined, a.contentType), textEl('t:ContentId', a.contentId),
      el('t:Size', undefined, String(a.size)), el('t:LastModifiedTime', undefined, a.lastModified.replace(/Z$/, '')),
      el('t:IsInline', undefined, String(a.isInline)), el('t:IsContactPhoto', undefined, String(a.isContactPhoto)),
      el('t:Content', undefined, a.content),
    ] : []));
}

export const createAttachment: Handler = (op, ctx) => {
  const parentEl = child(op, 'ParentItemId', NS.M);
  const atts = child(op, 'Attachments', NS.M)?.children ?? [];
  if (!parentEl || !atts.length) throw schemaError("The element 'CreateAttachment' has incomplete content.", op.line, op.column);
  const msgs = perElement(ctx, atts, (a) => {
    if (a.local !== 'FileAttachment') throw new EwsError('ErrorInvalidAttachmentType', `${a.local} attachments are not supported by this server.`);
    const r = resolveItem(ctx, { ...parentEl, local: 'ItemId' }, 'Editor');
    if (r.view.originalStart !== undefined) throw new EwsError('ErrorInvalidOperation', 'Attachments on single occurrences are not supported by this server.');
    const content = childText(a, 'Content') ?? '';
    if (!/^[A-Za-z0-9+/=\s]*$/.test(content)) throw schemaError("The 'Content' element is invalid - not base64.", a.line, a.column);
    const isPhoto = childText(a, 'IsContactPhoto') === 'true';
    if (isPhoto && r.item.element !== 'Contact') throw new EwsError('ErrorInvalidOperation', 'Only contacts can have a contact photo.');
    if (isPhoto) r.item.attachments = r.item.attachments.filter((x) => !x.isContactPhoto);
    const att: Attachment = {
      id: newId(), name: childText(a, 'Name') ?? 'attachment', contentType: childText(a, 'ContentType') ?? 'application/octet-stream',
      ...(childText(a, 'ContentId') ? { contentId: childText(a, 'ContentId')! } : {}),
      content: content.replace(/\s+/g, ''), size: Buffer.from(content, 'base64').length,
      isInline: childText(a, 'IsInline') === 'true', isContactPhoto: isPhoto, lastModified: formatUtc(Date.now()),
    };
    r.item.attachments.push(att);
    ctx.store.touchItem(r.mb, r.item, ['Attachments']);
    return [el('m:Attachments', undefined, fileAttachment(att, false, r.item))];
  }, [el('m:Attachments')]);
  return respond(ctx, 'CreateAttachment', msgs);
};

export const getAttachment: Handler = (op, ctx) => {
  const ids = child(op, 'AttachmentIds', NS.M)?.children ?? [];
  const msgs = perElement(ctx, ids, (a) => {
    const { att } = findAttachment(ctx, a.attrs.Id ?? '');
    return [el('m:Attachments', undefined, fileAttachment(att, true))];
  }, [el('m:Attachments')]);
  return respond(ctx, 'GetAttachment', msgs);
};

export const deleteAttachment: Handler = (op, ctx) => {
  const ids = child(op, 'AttachmentIds', NS.M)?.children ?? [];
  const msgs = perElement(ctx, ids, (a) => {
    const { mb, item, att } = findAttachment(ctx, a.attrs.Id ?? '');
    const folder = mb.folders[item.folderId];
    if (folder) requireAccess(ctx, mb, folder, 'Editor');
    item.attachments = item.attachments.filter((x) => x !== att);
    ctx.store.touchItem(mb, item, ['Attachments']);
    return [el('m:RootItemId', { RootItemId: item.id, RootItemChangeKey: itemChangeKey(item) })];
  });
  return respond(ctx, 'DeleteAttachment', msgs);
};

