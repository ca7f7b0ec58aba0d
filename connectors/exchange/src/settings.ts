/** The Exchange connector's settings (settings.schema.json describes them for users). */
export interface ExchangeSettings {
  /** The EWS endpoint, e.g. https://mail.example.com/EWS/Exchange.asmx. */
  url: string;
  username?: string;
  /** Secret: string, {env} or {file}. */
  password?: unknown;
  /** Secret: OAuth 2.0 access token. */
  token?: unknown;
  auth?: 'auto' | 'basic' | 'ntlm' | 'bearer';
  /** The mailbox synced (default: the username when it is an address). */
  mailbox?: string;
  /** Further mailboxes `discover` lists. */
  sharedMailboxes?: string[];
  /** IANA zone of the mailbox: all-day and floating times are placed in it (default: this machine's zone). */
  timeZone?: string;
  deleteMode?: 'MoveToDeletedItems' | 'SoftDelete' | 'HardDelete';
  caFile?: string;
  clientCert?: string;
  clientKey?: string;
  /** Secret: passphrase of the client key. */
  clientKeyPassphrase?: unknown;
  insecure?: boolean;
  proxy?: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Most items one listing of a folder may hold (default 200,000). */
  maxListItems?: number;
  batchSize?: number;
}
