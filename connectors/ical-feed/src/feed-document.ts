/**
 * A published feed as a document of items: read from the file, changed item by item, rendered back as one
 * deterministic text. Rendering: VERSION, PRODID, CALSCALE, METHOD:PUBLISH, X-WR-CALNAME; each VTIMEZONE that an
 * item uses, once, sorted by TZID; the items sorted by UID (then type), each as its master component followed by
 * its overrides in RECURRENCE-ID order; CRLF line endings, lines folded at 75 octets. The same content therefore
 * always gives the same bytes. Component text comes from the SDK codec (patched, never rebuilt).
 */
import {
  contentHash, escapeText, foldLine, Invalid, parseICalendar, serializeICalendar, vtimezoneForTzid,
  type ItemError,
} from '@dovetail/core/sdk';
import { firstValue, topLevelBlocks, tzidsOf, type Block } from './content-lines.js';
import type { FeedEntity, FeedEntityType } from './feed-items.js';

export const PRODID = '-//Dovetail//iCal feed//EN';

/** One item of the document as a reader of the rendered file sees it. */
export interface DocItem {
  type: FeedEntityType;
  uid: string;
  /** The item as read back from its rendered text (what `load` returns). */
  entity: FeedEntity;
  /** Content hash of `entity`: what a listing of the rendered file reports. */
  version: string;
  /** Its components (master first, then overrides by RECURRENCE-ID). */
  blocks: Block[];
  tzids: string[];
}

const ITEM_COMPONENT: Record<FeedEntityType, string> = { event: 'VEVENT', task: 'VTODO' };
const key = (type: FeedEntityType, uid: string) => `${type}\u0000${uid}`;
const byText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/**
 * The master first, then the overrides by RECURRENCE-ID value (then text). Several masters with one UID (an
 * invalid feed; the codec reads the first) keep their order.
 */
function orderComponents(blocks: Block[]): Block[] {
  const masters = blocks.filter((b) => firstValue(b, 'RECURRENCE-ID') === undefined);
  const overrides = blocks.filter((b) => firstValue(b, 'RECURRENCE-ID') !== undefined)
    .map((b) => ({ b, at: firstValue(b, 'RECURRENCE-ID')!, text: b.lines.join('\n') }))
    .sort((x, y) => byText(x.at, y.at) || byText(x.text, y.text))
    .map((x) => x.b);
  return [...masters, ...overrides];
}

export class FeedDocument {
  private constructor(
    private readonly items: Map<string, DocItem>,
    /** TZID → VTIMEZONE block; the first definition of a TZID wins, as readers do. */
    private readonly zones: Map<string, Block>,
    /** Items of the file that could not be read (a hand-edited file): the document refuses to be rewritten. */
    readonly unreadable: ItemError[],
  ) {}

  static empty(): FeedDocument {
    return new FeedDocument(new Map(), new Map(), []);
  }

  /** The document of a feed text (ours or anyone's). */
  static read(text: string): FeedDocument {
    const parsed = parseICalendar(text);
    const doc = new FeedDocument(new Map(), new Map(), parsed.errors);
    for (const entity of parsed.items) {
      const blocks = topLevelBlocks(entity.raw!.text);
      doc.addZones(blocks.filter((b) => b.name === 'VTIMEZONE'));
      const components = orderComponents(blocks.filter((b) => b.name === ITEM_COMPONENT[entity.type]));
      doc.items.set(key(entity.type, entity.uid), {
        type: entity.type, uid: entity.uid, entity, version: contentHash(entity), blocks: components, tzids: tzidsIn(components),
      });
    }
    return doc;
  }

  clone(): FeedDocument {
    return new FeedDocument(new Map(this.items), new Map(this.zones), this.unreadable);
  }

  get(type: FeedEntityType, uid: string): DocItem | undefined {
    return this.items.get(key(type, uid));
  }

  /** The items of one type with this UID (an id names a UID; a delete does not say which type). */
  withUid(uid: string): DocItem[] {
    return (['event', 'task'] as const).map((t) => this.get(t, uid)).filter((i): i is DocItem => i !== undefined);
  }

  entries(type: FeedEntityType): DocItem[] {
    return [...this.items.values()].filter((i) => i.type === type);
  }

  /**
   * Serializes `entity` with the SDK codec (patching its raw text when it has one) and puts it in place of the
   * item of its type and UID. Throws Invalid when the codec refuses it or its text does not read back.
   */
  put(entity: FeedEntity): DocItem {
    let text: string;
    try {
      text = serializeICalendar(entity);
    } catch (e) {
      throw new Invalid(`cannot serialize ${entity.type} ${entity.uid}: ${(e as Error).message}`, { cause: e });
    }
    const blocks = topLevelBlocks(text);
    this.addZones(blocks.filter((b) => b.name === 'VTIMEZONE'));
    const components = orderComponents(blocks.filter((b) => b.name === ITEM_COMPONENT[entity.type]));
    const tzids = tzidsIn(components);
    for (const tzid of tzids) {
      if (this.zones.has(tzid)) continue;
      // RFC 5545 wants every TZID defined: a source that left it out gets the bundled definition.
      const block = vtimezoneForTzid(tzid);
      if (block) this.addZones(topLevelBlocks(block));
    }
    // Read back as a reader of the rendered file will: its version and entity are what the next listing reports.
    const back = parseICalendar(this.itemText(components, tzids));
    const read = back.items.find((i) => i.type === entity.type);
    if (!read || back.errors.length) {
      throw new Invalid(`${entity.type} ${entity.uid} does not read back: ${back.errors.map((e) => e.message).join('; ') || 'no component'}`);
    }
    const item: DocItem = { type: entity.type, uid: read.uid, entity: read, version: contentHash(read), blocks: components, tzids };
    this.items.set(key(item.type, item.uid), item);
    return item;
  }

  remove(item: DocItem): void {
    this.items.delete(key(item.type, item.uid));
  }

  /** The whole feed as text (see the module comment for the layout). */
  render(name: string): string {
    const items = [...this.items.values()].sort((x, y) => byText(x.uid, y.uid) || byText(x.type, y.type));
    const used = new Set(items.flatMap((i) => i.tzids));
    const zones = [...this.zones.keys()].filter((tzid) => used.has(tzid)).sort(byText).map((tzid) => this.zones.get(tzid)!);
    const lines = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH', `X-WR-CALNAME:${escapeText(name)}`,
      ...zones.flatMap((z) => z.lines),
      ...items.flatMap((i) => i.blocks.flatMap((b) => b.lines)),
      'END:VCALENDAR',
    ];
    return `${lines.map(foldLine).join('\r\n')}\r\n`;
  }

  /** One item's components with the zones they use, as a VCALENDAR text. */
  private itemText(components: Block[], tzids: string[]): string {
    const zones = tzids.map((t) => this.zones.get(t)).filter((z): z is Block => z !== undefined);
    const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, ...zones.flatMap((z) => z.lines), ...components.flatMap((b) => b.lines), 'END:VCALENDAR'];
    return `${lines.join('\r\n')}\r\n`;
  }

  private addZones(blocks: Block[]): void {
    for (const zone of blocks) {
      // The TZID property is TEXT (`Custom\, Zone`); parameters quote instead (`TZID="Custom, Zone"`).
      const tzid = firstValue(zone, 'TZID')?.replace(/\\([,;\\])/g, '$1');
      if (tzid && !this.zones.has(tzid)) this.zones.set(tzid, zone);
    }
  }
}

function tzidsIn(blocks: Block[]): string[] {
  const set = new Set<string>();
  for (const b of blocks) tzidsOf(b, set);
  return [...set].sort(byText);
}
