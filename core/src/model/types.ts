/** Result types shared by the codecs. */

/** One item that could not be parsed; the others in the same text still are. */
export interface ItemError {
  /** 0-based position of the component/card in the text. */
  index: number;
  uid?: string;
  /** The component that failed (`vevent`, `vtodo`, `vcard`), when known: tells a multi-item reader which entity it was. */
  component?: string;
  message: string;
}

export interface Parsed<T> {
  items: T[];
  errors: ItemError[];
}
