// Generated bench contacts, written by us: one card per resource, mostly vCard 3.0 (every 4th 4.0) with
// names, company, title, phones, e-mail and a postal address; every 3rd with a note, every 5th with
// categories, every 6th with a birthday, every 9th with an Apple label (itemN.X-ABLabel), every 20th with
// a small inline photo (~3 KiB).

const GIVEN = ['Anna', 'Ben', 'Clara', 'David', 'Elif', 'Felix', 'Greta', 'Hannes', 'Ines', 'Jonas', 'Katrin', 'Lukas', 'Mia', 'Noah'];
const FAMILY = ['Becker', 'Schmidt', 'Novak', 'Yilmaz', 'Rossi', 'Dubois', 'Kowalski', 'Jansen', 'Larsen', 'Moreau', 'Fischer'];
const COMPANIES = ['Acme GmbH', 'Nordlicht AG', 'Blue Harbor Ltd', 'Müller & Söhne KG', 'Studio Nine', 'Golfclub Am See e.V.', ''];
const TITLES = ['Sales', 'Head of Operations', 'Accountant', 'Project Manager', 'Engineer', 'Secretary'];
const CITIES = [['Berlin', '10115', 'Germany'], ['Wien', '1010', 'Austria'], ['Zürich', '8001', 'Switzerland'], ['Hamburg', '20095', 'Germany']];
const pad = (n, w) => String(n).padStart(w, '0');

/** `contact-000042` for contact 42. */
export const nameOf = (i) => `contact-${pad(i, 6)}`;

/** Deterministic bytes standing in for a small JPEG (the header is a real JFIF one). */
function photoBase64(i) {
  const bytes = Buffer.alloc(2300);
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]).copy(bytes);
  let x = i * 2654435761 >>> 0;
  for (let k = 11; k < bytes.length - 2; k += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[k] = x >>> 24;
  }
  bytes[bytes.length - 2] = 0xff;
  bytes[bytes.length - 1] = 0xd9;
  return bytes.toString('base64');
}

/** Folds a content line at 75 octets (RFC 6350 §3.2; ASCII here, so characters = octets). */
function fold(line) {
  if (line.length <= 75) return line;
  const parts = [line.slice(0, 75)];
  for (let k = 75; k < line.length; k += 74) parts.push(` ${line.slice(k, k + 74)}`);
  return parts.join('\r\n');
}

/** Contact i at revision rev (0 = as created; a change rewrites TITLE, NOTE and REV). */
export function contactText(i, rev) {
  const v4 = i % 4 === 3;
  const given = GIVEN[i % GIVEN.length];
  const family = FAMILY[(i * 7) % FAMILY.length];
  const company = COMPANIES[i % COMPANIES.length];
  const [city, postcode, country] = CITIES[i % CITIES.length];
  const rev8601 = `2025${pad(1 + (rev % 12), 2)}01T${pad(8 + (i % 10), 2)}0000Z`;
  const lines = ['BEGIN:VCARD', `VERSION:${v4 ? '4.0' : '3.0'}`, 'PRODID:-//Dovetail//carddav-sync bench//EN', `UID:${nameOf(i)}@dovetail.test`];
  lines.push(`FN:${given} ${family} ${i}`, `N:${family};${given};;;`);
  if (company) lines.push(`ORG:${company.replace(/,/g, '\\,')}`);
  lines.push(`TITLE:${TITLES[i % TITLES.length]}${rev ? ` (rev ${rev})` : ''}`);
  if (v4) {
    lines.push(`TEL;VALUE=uri;TYPE=work,voice:tel:+49-30-${pad(i, 7)}`, `TEL;VALUE=uri;TYPE=cell:tel:+49-170-${pad(i * 3, 7)}`);
    lines.push(`EMAIL;TYPE=work:${given.toLowerCase()}.${family.toLowerCase()}${i}@example.com`);
  } else {
    lines.push(`TEL;TYPE=WORK,VOICE:+49 30 ${pad(i, 7)}`, `TEL;TYPE=CELL:+49 170 ${pad(i * 3, 7)}`);
    lines.push(`EMAIL;TYPE=INTERNET,WORK:${given.toLowerCase()}.${family.toLowerCase()}${i}@example.com`);
  }
  lines.push(`ADR;TYPE=WORK:;;Hauptstraße ${1 + (i % 120)};${city};;${postcode};${country}`);
  if (i % 3 === 0 || rev) lines.push(`NOTE:Met at the ${2020 + (i % 6)} fair.\\nFollow up${rev ? ` — revision ${rev}` : ''}.`);
  if (i % 5 === 0) lines.push('CATEGORIES:Customers,Newsletter');
  if (i % 6 === 0) lines.push(`BDAY:19${60 + (i % 40)}${pad(1 + (i % 12), 2)}${pad(1 + (i % 28), 2)}`);
  if (i % 9 === 0) lines.push(`item1.TEL:+49 89 ${pad(i, 6)}`, 'item1.X-ABLabel:Assistant');
  if (i % 20 === 0) lines.push(v4 ? `PHOTO:data:image/jpeg;base64,${photoBase64(i)}` : `PHOTO;ENCODING=b;TYPE=JPEG:${photoBase64(i)}`);
  lines.push(`REV:${rev8601}`, 'END:VCARD', '');
  return lines.map(fold).join('\r\n');
}
