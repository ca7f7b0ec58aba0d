/** Result types shared by the codecs. */

/** One item that could not be parsed; the others in the same text still are. */
export interface ItemError {
  /** 0-based position of the component/card in the text. */
  index: number;
  uid?: string;
  message: string;
}

export interface Parsed<T> {
  items: T[];
  errors: ItemError[];
}
