/** Outlook's named calendar colours and the nearest one to any #RRGGBB (src/graph/colours.ts), decided without I/O. */
import { describe, expect, it } from 'vitest';
import { calendarHex, NAMED_COLOURS, nearestNamedColour } from '../../src/graph/colours.js';

describe('nearestNamedColour', () => {
  it('gives each named colour for its own hex, in either case', () => {
    for (const [name, hex] of Object.entries(NAMED_COLOURS)) {
      expect(nearestNamedColour(hex)).toBe(name);
      expect(nearestNamedColour(hex.toLowerCase())).toBe(name);
    }
  });

  it('goes by hue, so saturated colours land on the pale colour of their hue', () => {
    expect(nearestNamedColour('#FF0000')).toBe('lightRed');
    expect(nearestNamedColour('#0000FF')).toBe('lightBlue');
    expect(nearestNamedColour('#1E90FF')).toBe('lightBlue');
    expect(nearestNamedColour('#00AA55')).toBe('lightGreen');
    expect(nearestNamedColour('#008080')).toBe('lightTeal');
    expect(nearestNamedColour('#FFD700')).toBe('lightYellow');
    expect(nearestNamedColour('#800080')).toBe('lightPink');
    expect(nearestNamedColour('#FF8000')).toBe('lightOrange');
  });

  it('tells near hues apart by saturation, and makes greys, black and white lightGray', () => {
    expect(nearestNamedColour('#D2B48C')).toBe('lightBrown'); // tan
    expect(nearestNamedColour('#E67E22')).toBe('lightOrange'); // carrot; web orange #FFA500 lies halfway to yellow
    for (const grey of ['#000000', '#FFFFFF', '#808080', '#7A8290']) expect(nearestNamedColour(grey)).toBe('lightGray');
  });

  it('refuses what is no #RRGGBB colour', () => {
    for (const bad of ['red', '#FFF', '#GG0000', 'FF0000', '']) expect(() => nearestNamedColour(bad)).toThrow(/#RRGGBB/);
  });
});

describe('calendarHex', () => {
  it("is the calendar's hexColor when set, else the hex of its named colour, else nothing", () => {
    expect(calendarHex({ color: 'lightGreen', hexColor: '#1e90ff' })).toBe('#1E90FF');
    expect(calendarHex({ color: 'lightGreen', hexColor: '' })).toBe('#87D28F');
    expect(calendarHex({ color: 'auto', hexColor: '' })).toBeUndefined();
    expect(calendarHex({ color: 'maxColor' })).toBeUndefined();
  });
});
