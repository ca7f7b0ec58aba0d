/**
 * Outlook calendar colours in Microsoft Graph: a calendar reports `hexColor` (read-only; empty until someone picks a
 * colour) and the named `color` (`calendarColor`), and takes a colour by name only. Dovetail's colours are `#RRGGBB`.
 */
import { Invalid } from '@dovetail/core/sdk';
import type { Json } from './client.js';

/**
 * Outlook's named calendar colours (Graph `calendarColor`) as the hex colours Outlook shows them. `auto` (Outlook
 * picks) and `maxColor` (the enumeration's end marker) are no colour one can ask for.
 */
export const NAMED_COLOURS: Readonly<Record<string, string>> = {
  lightBlue: '#A6D1F5', lightGreen: '#87D28F', lightOrange: '#FCAB73', lightGray: '#C0C0C0', lightYellow: '#F0E16C',
  lightTeal: '#8CD5D0', lightPink: '#F5A3C5', lightBrown: '#CAB398', lightRed: '#F5919C',
};

/** A calendar's colour as `#RRGGBB`: its `hexColor`, else the hex of its named `color`; undefined for `auto`. */
export function calendarHex(calendar: Json): string | undefined {
  const hex = calendar.hexColor;
  if (typeof hex === 'string' && /^#[0-9a-f]{6}$/i.test(hex)) return hex.toUpperCase();
  return NAMED_COLOURS[String(calendar.color)];
}

/** Hue (degrees), HSV saturation (0–1) and chroma (0–255) of `#RRGGBB`. */
function hueOf(hex: string): { hue: number; saturation: number; chroma: number } {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  const max = Math.max(r, g, b);
  const chroma = max - Math.min(r, g, b);
  let hue = 0;
  if (chroma) hue = max === r ? ((g - b) / chroma + 6) % 6 : max === g ? (b - r) / chroma + 2 : (r - g) / chroma + 4;
  return { hue: hue * 60, saturation: max ? chroma / max : 0, chroma };
}

/** Below this chroma (of 255) a colour is a grey: black, white and greys become `lightGray`. */
const GREY_CHROMA = 32;

/**
 * The Outlook named colour nearest to `#RRGGBB`. Outlook's colours are all pale, so plain RGB distance would make pure
 * blue teal: the nearest hue wins instead, saturation telling near hues apart (a tan is brown, an orange orange), and
 * greys are `lightGray`. Graph sets a calendar's colour by name only, so a colour Outlook lacks becomes its nearest.
 */
export function nearestNamedColour(hex: string): string {
  if (!/^#[0-9a-f]{6}$/i.test(hex)) throw new Invalid(`"${hex}" is no colour of the form #RRGGBB`);
  const want = hueOf(hex);
  if (want.chroma < GREY_CHROMA) return 'lightGray';
  let best = '';
  let distance = Infinity;
  for (const [name, value] of Object.entries(NAMED_COLOURS)) {
    const c = hueOf(value);
    if (c.chroma < GREY_CHROMA) continue;
    const dh = Math.min(Math.abs(c.hue - want.hue), 360 - Math.abs(c.hue - want.hue));
    const d = dh ** 2 + (60 * (c.saturation - want.saturation)) ** 2;
    if (d < distance) { best = name; distance = d; }
  }
  return best;
}
