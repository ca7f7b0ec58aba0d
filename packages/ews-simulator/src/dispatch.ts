/**
 * One SOAP request: the envelope is parsed safely, the header honoured (RequestServerVersion, ExchangeImpersonation,
 * TimeZoneContext) and the body's operation element handed to its handler. Whole-request failures become SOAP
 * faults; operations the simulator does not implement get a clear ErrorInvalidOperation fault, never a crash.
 */
import type { RequestContext, RequestLogEntry } from './context.js';
import { createAttachment, convertId, deleteAttachment, getAttachment, resolveNames } from './ops/misc.js';
import { createFolder, deleteFolder, findFolder, getFolder, syncFolderHierarchy } from './ops/folders.js';
import { createItem, deleteItem, findItem, getItem } from './ops/items.js';
import { syncFolderItems } from './ops/sync-items.js';
import { updateItem } from './ops/update.js';
import type { Handler } from './ops/common.js';
import { EwsError, REQUEST_VERSIONS, SoapFault, faultResponse, operationResponse, schemaError } from './soap.js';
import type { Store } from './store.js';
import { knownWindowsZone, zoneOf } from './time.js';
import { child, childText, NS, parseXml, XmlError, type XmlElement } from './xml.js';

export const HANDLERS: Record<string, Handler> = {
  GetFolder: getFolder, FindFolder: findFolder, CreateFolder: createFolder, DeleteFolder: deleteFolder,
  SyncFolderHierarchy: syncFolderHierarchy, FindItem: findItem, GetItem: getItem, CreateItem: createItem,
  UpdateItem: updateItem, DeleteItem: deleteItem, SyncFolderItems: syncFolderItems, ResolveNames: resolveNames,
  ConvertId: convertId, GetAttachment: getAttachment, CreateAttachment: createAttachment, DeleteAttachment: deleteAttachment,
};

/** Operations of the EWS schema the simulator does not implement (Microsoft's operation reference). */
const KNOWN_OPERATIONS = new Set(('AddDelegate AddDistributionGroupToImList AddEntityFeedback AddImContactToGroup AddImGroup ' +
  'AddNewImContactToGroup AddNewTelUriContactToGroup ApplyConversationAction ArchiveItem CopyFolder CopyItem CreateFolderPath ' +
  'CreateManagedFolder CreateUserConfiguration DeleteUserConfiguration DisableApp DisconnectPhoneCall EmptyFolder ExpandDL ' +
  'ExportItems FindConversation FindMessageTrackingReport FindPeople GetAppManifests GetAppMarketplaceUrl GetClientAccessToken ' +
  'GetConversationItems GetDelegate GetDiscoverySearchConfiguration GetEvents GetHoldOnMailboxes GetImItemList GetImItems ' +
  'GetInboxRules GetMailTips GetMessageTrackingReport GetNonIndexableItemDetails GetNonIndexableItemStatistics ' +
  'GetPasswordExpirationDate GetPersona GetPhoneCallInformation GetReminders GetRoomLists GetRooms GetSearchableMailboxes ' +
  'GetServerTimeZones GetServiceConfiguration GetSharingFolder GetSharingMetadata GetStreamingEvents GetUserAvailability ' +
  'GetUserConfiguration GetUserOofSettings GetUserPhoto GetUserRetentionPolicyTags InstallApp MarkAllItemsAsRead MarkAsJunk ' +
  'MoveFolder MoveItem PerformReminderAction RefreshSharingFolder RemoveContactFromImList RemoveDelegate ' +
  'RemoveDistributionGroupFromImList RemoveImContactFromGroup RemoveImGroup SearchMailboxes SendItem SetHoldOnMailboxes ' +
  'SetImGroup SetImListMigrationCompleted SetUserOofSettings Subscribe UninstallApp Unsubscribe UpdateDelegate UpdateFolder ' +
  'UpdateInboxRules UpdateUserConfiguration UploadItems').split(' '));

/** Who is asking and what they may impersonate. */
export interface Caller {
  user: string;
  /** Users this caller may impersonate (ExchangeImpersonation). */
  mayImpersonate: (target: string) => boolean;
}

/** The result of one SOAP request: status and body. */
export interface SoapResult {
  status: number;
  body: string;
}

/** Reads the operation name only (for fault injection and logging before the request runs). */
export function operationName(body: string): string {
  try {
    const env = parseXml(body);
    return child(env, 'Body', env.ns)?.children[0]?.local ?? '-';
  } catch {
    return '-';
  }
}

function impersonated(header: XmlElement | undefined, caller: Caller, store: Store): string {
  const imp = child(header, 'ExchangeImpersonation');
  if (!imp) return caller.user;
  const sid = child(imp, 'ConnectingSID');
  const target = childText(sid, 'PrimarySmtpAddress') ?? childText(sid, 'SmtpAddress') ?? childText(sid, 'PrincipalName');
  if (!target) {
    throw new SoapFault('ErrorImpersonateUserDenied', 'The simulator identifies impersonated users by PrimarySmtpAddress, SmtpAddress or PrincipalName only.');
  }
  if (!store.mailbox(target)) throw new SoapFault('ErrorNonExistentMailbox', `The SMTP address has no mailbox associated with it.`);
  if (target.toLowerCase() !== caller.user.toLowerCase() && !caller.mayImpersonate(target)) {
    throw new SoapFault('ErrorImpersonateUserDenied', 'The account does not have permission to impersonate the requested user.');
  }
  return store.mailbox(target)!.email;
}

/** Handles one SOAP request body for an authenticated caller. */
export function handleSoap(body: string, caller: Caller, store: Store, log: RequestLogEntry): SoapResult {
  try {
    let env: XmlElement;
    try {
      env = parseXml(body);
    } catch (e) {
      if (e instanceof XmlError) throw schemaError(e.message, e.line, e.column);
      throw e;
    }
    if (env.local !== 'Envelope' || (env.ns !== NS.SOAP && env.ns !== NS.SOAP12)) {
      throw schemaError(`The root element must be a SOAP Envelope, not '${env.local}'.`, env.line, env.column);
    }
    const header = child(env, 'Header', env.ns);
    const opEl = child(env, 'Body', env.ns)?.children[0];
    if (!opEl) throw new SoapFault('ErrorInvalidRequest', 'The request is invalid: the SOAP body is empty.');
    log.operation = opEl.local;
    const version = child(header, 'RequestServerVersion')?.attrs.Version ?? 'Exchange2007';
    if (!REQUEST_VERSIONS.includes(version)) throw new SoapFault('ErrorInvalidServerVersion', 'The specified server version is invalid.');
    const tzDef = child(child(header, 'TimeZoneContext'), 'TimeZoneDefinition');
    const zoneId = tzDef?.attrs.Id;
    if (zoneId && !knownWindowsZone(zoneId)) throw new SoapFault('ErrorTimeZone', `The time zone '${zoneId}' in TimeZoneContext is not valid.`);
    const user = impersonated(header, caller, store);
    log.user = user;
    const handler = HANDLERS[opEl.local];
    if (opEl.ns !== NS.M || (!handler && !KNOWN_OPERATIONS.has(opEl.local))) {
      throw schemaError(`The element '${opEl.local}' in namespace '${opEl.ns}' is not an EWS operation.`, opEl.line, opEl.column);
    }
    if (!handler) throw new SoapFault('ErrorInvalidOperation', `${opEl.local} is a valid EWS operation that this simulator does not implement.`);
    const ctx: RequestContext = {
      user, version, zone: zoneId ? zoneOf({ n: 'TimeZoneDefinition', a: { Id: zoneId } }) : 'UTC', store, log,
      ...(zoneId ? { zoneId } : {}),
    };
    try {
      return { status: 200, body: handler(opEl, ctx) };
    } catch (e) {
      if (e instanceof EwsError) {
        log.responseCodes.push(e.code);
        return { status: 200, body: operationResponse(opEl.local, [{ error: e, content: [] }]) };
      }
      throw e;
    }
  } catch (e) {
    if (e instanceof SoapFault) {
      log.responseCodes.push(e.code);
      return { status: e.status, body: faultResponse(e, e.code !== 'ErrorInvalidServerVersion') };
    }
    const fault = new SoapFault('ErrorInternalServerError', `An internal server error occurred: ${(e as Error).message}`);
    log.responseCodes.push(fault.code);
    return { status: 500, body: faultResponse(fault) };
  }
}
