/** The Exchange connector's settings (settings.schema.json describes them for users). */
export interface ExchangeSettings {
  /** `ews` (Exchange Server) or `graph` (Exchange Online, Outlook.com); default: see `backendOf`. */
  backend?: 'ews' | 'graph';
  /** The EWS endpoint, e.g. https://mail.example.com/EWS/Exchange.asmx (EWS only). */
  url?: string;
  username?: string;
  /** Secret: string, {env} or {file}. */
  password?: unknown;
  /** Secret: OAuth 2.0 access token. */
  token?: unknown;
  /** EWS: auto | basic | ntlm | bearer. Graph: app (client credentials) | delegated (device code, `dovetail auth`). */
  auth?: 'auto' | 'basic' | 'ntlm' | 'bearer' | 'app' | 'delegated';
  /** Graph: the Entra ID tenant (`contoso.onmicrosoft.com` or its id; `consumers` for Outlook.com). */
  tenant?: string;
  /** Graph: the application (client) id registered in Entra ID. */
  clientId?: string;
  /** Graph app-only: secret — the client secret's value. */
  clientSecret?: unknown;
  /** Graph app-only: the app's certificate (PEM text or file) and its private key. */
  certificate?: string;
  certificateKey?: string;
  /** Secret: passphrase of the certificate key. */
  certificateKeyPassphrase?: unknown;
  /** Graph: the sign-in host (default https://login.microsoftonline.com). */
  authority?: string;
  /** Graph: the API base (default https://graph.microsoft.com/v1.0). */
  graphUrl?: string;
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
  batchSize?: number;
}
