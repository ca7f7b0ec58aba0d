/**
 * Exchange contacts ↔ canonical contacts. Exchange has fixed slots (three e-mail addresses, named phone
 * numbers, a business, home and other address, one web page); values that find no slot are carried.
 */
import { Invalid, type Address, type ContactEntity, type TypedValue } from '@dovetail/core/sdk';
import { baseFields } from './common.js';
import type { ExAddress, ExAddressKey, ExContact, ExPhoneKey } from './types.js';

/** Contact fields compared for carrying. */
export const CONTACT_FIELDS = [
  'kind', 'name', 'formattedName', 'nickname', 'org', 'title', 'role', 'emails', 'phones', 'addresses', 'urls',
  'birthday', 'note', 'photo', 'members', 'categories', 'x',
] as const;

/** Each phone slot's vCard types, in the order slots are filled. */
const PHONE_SLOTS: readonly [ExPhoneKey, string[]][] = [
  ['MobilePhone', ['cell']],
  ['BusinessFax', ['work', 'fax']],
  ['HomeFax', ['home', 'fax']],
  ['OtherFax', ['fax']],
  ['Pager', ['pager']],
  ['CarPhone', ['car']],
  ['Isdn', ['isdn']],
  ['TtyTddPhone', ['textphone']],
  ['BusinessPhone', ['work', 'voice']],
  ['BusinessPhone2', ['work', 'voice']],
  ['HomePhone', ['home', 'voice']],
  ['HomePhone2', ['home', 'voice']],
  ['CompanyMainPhone', ['work']],
  ['PrimaryPhone', ['pref']],
  ['OtherTelephone', ['voice']],
];
/** Slots read in this order, so work numbers come first as vCard writers list them. */
const READ_ORDER: readonly ExPhoneKey[] = [
  'BusinessPhone', 'BusinessPhone2', 'CompanyMainPhone', 'HomePhone', 'HomePhone2', 'MobilePhone', 'PrimaryPhone',
  'OtherTelephone', 'BusinessFax', 'HomeFax', 'OtherFax', 'Pager', 'CarPhone', 'Isdn', 'TtyTddPhone',
];
const SLOT_TYPES = new Map(PHONE_SLOTS);
const ADDRESS_TYPES: Record<ExAddressKey, string[] | undefined> = { business: ['work'], home: ['home'], other: undefined };

const lower = (ts?: string[]) => (ts ?? []).map((t) => t.toLowerCase());

/** The slot a phone goes to: the first free one whose types the phone has (fax, cell, … decide first). */
function phoneSlot(p: TypedValue, taken: Set<ExPhoneKey>): ExPhoneKey | undefined {
  const types = new Set(lower(p.types).filter((t) => t !== 'pref' || p.types?.length === 1));
  const special = ['cell', 'fax', 'pager', 'car', 'isdn', 'textphone'].filter((t) => types.has(t));
  for (const [slot, slotTypes] of PHONE_SLOTS) {
    if (taken.has(slot)) continue;
    const needs = slotTypes.filter((t) => t !== 'voice');
    if (!needs.every((t) => types.has(t))) continue;
    // A fax or cell number never lands in a voice slot, and a work number not in a home slot.
    if (special.some((t) => !slotTypes.includes(t))) continue;
    if ((types.has('work') && slotTypes.includes('home')) || (types.has('home') && slotTypes.includes('work'))) continue;
    return slot;
  }
  return undefined;
}

function addressKey(a: Address, taken: Set<ExAddressKey>): ExAddressKey | undefined {
  const types = lower(a.types);
  const wanted: ExAddressKey = types.includes('work') ? 'business' : types.includes('home') ? 'home' : 'other';
  if (!taken.has(wanted)) return wanted;
  return taken.has('other') ? undefined : 'other';
}

function exAddressOf(a: Address): ExAddress {
  const street = [a.street, a.extended].filter(Boolean).join('\n');
  return {
    ...(street ? { street } : {}), ...(a.locality ? { city: a.locality } : {}), ...(a.region ? { state: a.region } : {}),
    ...(a.postalCode ? { postalCode: a.postalCode } : {}), ...(a.country ? { countryOrRegion: a.country } : {}),
  };
}

/** The canonical contact of an Exchange contact as Exchange shows it (carried values are applied by the caller). */
export function contactFromEx(ex: ExContact, fallbackUid: string): ContactEntity {
  const { created: _created, ...base } = baseFields(ex, ex.stamp?.uid || fallbackUid);
  void _created;
  const c: ContactEntity = { type: 'contact', ...base };
  const name = {
    ...(ex.surname ? { family: ex.surname } : {}), ...(ex.givenName ? { given: ex.givenName } : {}),
    ...(ex.middleName ? { additional: ex.middleName } : {}), ...(ex.title ? { prefix: ex.title } : {}),
    ...(ex.generation ? { suffix: ex.generation } : {}),
  };
  if (Object.keys(name).length) c.name = name;
  if (ex.displayName) c.formattedName = ex.displayName;
  if (ex.nickname) c.nickname = ex.nickname;
  if (ex.companyName || ex.department) c.org = { ...(ex.companyName ? { name: ex.companyName } : {}), ...(ex.department ? { units: [ex.department] } : {}) };
  if (ex.jobTitle) c.title = ex.jobTitle;
  const emails = (ex.emailAddresses ?? []).filter((e) => e.address).map((e): TypedValue => ({ value: e.address! }));
  if (emails.length) c.emails = emails;
  const phones = READ_ORDER.filter((k) => ex.phones?.[k]).map((k): TypedValue => ({ value: ex.phones![k]!, types: [...SLOT_TYPES.get(k)!] }));
  if (phones.length) c.phones = phones;
  const addresses = (['business', 'home', 'other'] as const).filter((k) => ex.addresses?.[k]).map((k): Address => {
    const a = ex.addresses![k]!;
    return {
      ...(a.street ? { street: a.street } : {}), ...(a.city ? { locality: a.city } : {}), ...(a.state ? { region: a.state } : {}),
      ...(a.postalCode ? { postalCode: a.postalCode } : {}), ...(a.countryOrRegion ? { country: a.countryOrRegion } : {}),
      ...(ADDRESS_TYPES[k] ? { types: [...ADDRESS_TYPES[k]!] } : {}),
    };
  });
  if (addresses.length) c.addresses = addresses;
  if (ex.businessHomePage) c.urls = [{ value: ex.businessHomePage, types: ['work'] }];
  if (ex.birthday) c.birthday = ex.birthday.slice(0, 10);
  if (ex.notes) c.note = ex.notes;
  if (ex.photo) c.photo = { data: ex.photo.data, mediaType: ex.photo.mediaType };
  return c;
}

/** A birthday Exchange can store: a full date (a year-less `--MM-DD` gets 1604, as Apple and Outlook do). */
function exBirthday(b: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}/.test(b)) return b.slice(0, 10);
  const m = /^--(\d{2})-?(\d{2})$/.exec(b);
  return m ? `1604-${m[1]}-${m[2]}` : undefined;
}

/** The Exchange contact for a canonical contact (without the carry). Contact groups are refused. */
export function contactToEx(c: ContactEntity): ExContact {
  if (c.kind === 'group') throw new Invalid(`contact group ${c.uid}: Exchange keeps groups as distribution lists, which Dovetail does not write`);
  const ex: ExContact = { kind: 'contact', stamp: { uid: c.uid }, categories: c.categories ?? [] };
  if (c.name?.family) ex.surname = c.name.family;
  if (c.name?.given) ex.givenName = c.name.given;
  if (c.name?.additional) ex.middleName = c.name.additional;
  if (c.name?.prefix) ex.title = c.name.prefix;
  if (c.name?.suffix) ex.generation = c.name.suffix;
  const display = c.formattedName || [c.name?.given, c.name?.family].filter(Boolean).join(' ') || c.org?.name;
  if (display) { ex.displayName = display; ex.fileAs = display; }
  if (c.nickname) ex.nickname = c.nickname;
  if (c.org?.name) ex.companyName = c.org.name;
  if (c.org?.units?.length) ex.department = c.org.units[0];
  if (c.title) ex.jobTitle = c.title;
  const emails = (c.emails ?? []).filter((e) => e.value).slice(0, 3).map((e) => ({ address: e.value }));
  if (emails.length) ex.emailAddresses = emails;
  const taken = new Set<ExPhoneKey>();
  for (const p of c.phones ?? []) {
    const slot = phoneSlot(p, taken);
    if (!slot || !p.value) continue;
    taken.add(slot);
    (ex.phones ??= {})[slot] = p.value;
  }
  const addrTaken = new Set<ExAddressKey>();
  for (const a of c.addresses ?? []) {
    const key = addressKey(a, addrTaken);
    if (!key) continue;
    addrTaken.add(key);
    (ex.addresses ??= {})[key] = exAddressOf(a);
  }
  const url = c.urls?.find((u) => lower(u.types).includes('work')) ?? c.urls?.[0];
  if (url?.value) ex.businessHomePage = url.value;
  const birthday = c.birthday ? exBirthday(c.birthday) : undefined;
  if (birthday) ex.birthday = birthday;
  if (c.note) ex.notes = c.note;
  if (c.photo?.data) ex.photo = { data: c.photo.data, mediaType: c.photo.mediaType ?? 'image/jpeg' };
  return ex;
}
