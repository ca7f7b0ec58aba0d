/**
 * Dovetail's own properties on Exchange items, shared by the EWS and Graph backends so an item stamped through
 * one is recognised through the other: a MAPI named-property set of our own (nothing collides with Outlook's).
 */

/** Dovetail's MAPI property set (named properties). Fixed: changing it would orphan every stamp written. */
export const DOVETAIL_PROPERTY_SET = '6a4d3c2e-7b1f-4e58-9c0a-3d5f2b8e1a47';
/** Named property holding the item's UID in the systems it is synced with. */
export const UID_PROPERTY_NAME = 'DovetailUid';
/** Named property holding the carry (model/carry.ts). */
export const CARRY_PROPERTY_NAME = 'DovetailCarry';
