/**
 * Windows time zone names → IANA. Data: our own transcription of the CLDR `windowsZones.xml` mapping (territory
 * "001", the primary zone of each Windows zone), plus the Outlook/Exchange display names ("(UTC+01:00) Amsterdam,
 * Berlin, …") that clients write as TZID.
 */

/** Windows zone id → IANA zone (CLDR windowsZones, territory 001). */
export const WINDOWS_ZONES: Readonly<Record<string, string>> = {
  'Dateline Standard Time': 'Etc/GMT+12',
  'UTC-11': 'Etc/GMT+11',
  'Aleutian Standard Time': 'America/Adak',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Marquesas Standard Time': 'Pacific/Marquesas',
  'Alaskan Standard Time': 'America/Anchorage',
  'UTC-09': 'Etc/GMT+9',
  'Pacific Standard Time (Mexico)': 'America/Tijuana',
  'UTC-08': 'Etc/GMT+8',
  'Pacific Standard Time': 'America/Los_Angeles',
  'US Mountain Standard Time': 'America/Phoenix',
  'Mountain Standard Time (Mexico)': 'America/Mazatlan',
  'Mountain Standard Time': 'America/Denver',
  'Yukon Standard Time': 'America/Whitehorse',
  'Central America Standard Time': 'America/Guatemala',
  'Central Standard Time': 'America/Chicago',
  'Easter Island Standard Time': 'Pacific/Easter',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'Mexico Standard Time': 'America/Mexico_City',
  'Mexico Standard Time 2': 'America/Chihuahua',
  'Canada Central Standard Time': 'America/Regina',
  'SA Pacific Standard Time': 'America/Bogota',
  'Eastern Standard Time (Mexico)': 'America/Cancun',
  'Eastern Standard Time': 'America/New_York',
  'Haiti Standard Time': 'America/Port-au-Prince',
  'Cuba Standard Time': 'America/Havana',
  'US Eastern Standard Time': 'America/Indiana/Indianapolis',
  'Turks And Caicos Standard Time': 'America/Grand_Turk',
  'Paraguay Standard Time': 'America/Asuncion',
  'Atlantic Standard Time': 'America/Halifax',
  'Venezuela Standard Time': 'America/Caracas',
  'Central Brazilian Standard Time': 'America/Cuiaba',
  'SA Western Standard Time': 'America/La_Paz',
  'Pacific SA Standard Time': 'America/Santiago',
  'Newfoundland Standard Time': 'America/St_Johns',
  'Tocantins Standard Time': 'America/Araguaina',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'SA Eastern Standard Time': 'America/Cayenne',
  'Argentina Standard Time': 'America/Argentina/Buenos_Aires',
  'Greenland Standard Time': 'America/Nuuk',
  'Montevideo Standard Time': 'America/Montevideo',
  'Magallanes Standard Time': 'America/Punta_Arenas',
  'Saint Pierre Standard Time': 'America/Miquelon',
  'Bahia Standard Time': 'America/Bahia',
  'UTC-02': 'Etc/GMT+2',
  'Mid-Atlantic Standard Time': 'Etc/GMT+2',
  'Azores Standard Time': 'Atlantic/Azores',
  'Cape Verde Standard Time': 'Atlantic/Cape_Verde',
  'UTC': 'Etc/UTC',
  'Coordinated Universal Time': 'Etc/UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'Sao Tome Standard Time': 'Africa/Sao_Tome',
  'Morocco Standard Time': 'Africa/Casablanca',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'Central European Standard Time': 'Europe/Warsaw',
  'W. Central Africa Standard Time': 'Africa/Lagos',
  'Jordan Standard Time': 'Asia/Amman',
  'GTB Standard Time': 'Europe/Bucharest',
  'Middle East Standard Time': 'Asia/Beirut',
  'Egypt Standard Time': 'Africa/Cairo',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'Syria Standard Time': 'Asia/Damascus',
  'West Bank Standard Time': 'Asia/Hebron',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'FLE Standard Time': 'Europe/Kiev',
  'Israel Standard Time': 'Asia/Jerusalem',
  'Jerusalem Standard Time': 'Asia/Jerusalem',
  'South Sudan Standard Time': 'Africa/Juba',
  'Kaliningrad Standard Time': 'Europe/Kaliningrad',
  'Sudan Standard Time': 'Africa/Khartoum',
  'Libya Standard Time': 'Africa/Tripoli',
  'Namibia Standard Time': 'Africa/Windhoek',
  'Arabic Standard Time': 'Asia/Baghdad',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Arab Standard Time': 'Asia/Riyadh',
  'Belarus Standard Time': 'Europe/Minsk',
  'Russian Standard Time': 'Europe/Moscow',
  'E. Africa Standard Time': 'Africa/Nairobi',
  'Volgograd Standard Time': 'Europe/Volgograd',
  'Iran Standard Time': 'Asia/Tehran',
  'Arabian Standard Time': 'Asia/Dubai',
  'Astrakhan Standard Time': 'Europe/Astrakhan',
  'Azerbaijan Standard Time': 'Asia/Baku',
  'Russia Time Zone 3': 'Europe/Samara',
  'Mauritius Standard Time': 'Indian/Mauritius',
  'Saratov Standard Time': 'Europe/Saratov',
  'Georgian Standard Time': 'Asia/Tbilisi',
  'Caucasus Standard Time': 'Asia/Yerevan',
  'Armenian Standard Time': 'Asia/Yerevan',
  'Afghanistan Standard Time': 'Asia/Kabul',
  'West Asia Standard Time': 'Asia/Tashkent',
  'Qyzylorda Standard Time': 'Asia/Qyzylorda',
  'Ekaterinburg Standard Time': 'Asia/Yekaterinburg',
  'Pakistan Standard Time': 'Asia/Karachi',
  'India Standard Time': 'Asia/Kolkata',
  'Sri Lanka Standard Time': 'Asia/Colombo',
  'Nepal Standard Time': 'Asia/Kathmandu',
  'Central Asia Standard Time': 'Asia/Bishkek',
  'Bangladesh Standard Time': 'Asia/Dhaka',
  'Omsk Standard Time': 'Asia/Omsk',
  'Myanmar Standard Time': 'Asia/Yangon',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'Altai Standard Time': 'Asia/Barnaul',
  'W. Mongolia Standard Time': 'Asia/Hovd',
  'North Asia Standard Time': 'Asia/Krasnoyarsk',
  'N. Central Asia Standard Time': 'Asia/Novosibirsk',
  'Tomsk Standard Time': 'Asia/Tomsk',
  'China Standard Time': 'Asia/Shanghai',
  'North Asia East Standard Time': 'Asia/Irkutsk',
  'Singapore Standard Time': 'Asia/Singapore',
  'W. Australia Standard Time': 'Australia/Perth',
  'Taipei Standard Time': 'Asia/Taipei',
  'Ulaanbaatar Standard Time': 'Asia/Ulaanbaatar',
  'Aus Central W. Standard Time': 'Australia/Eucla',
  'Transbaikal Standard Time': 'Asia/Chita',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'North Korea Standard Time': 'Asia/Pyongyang',
  'Korea Standard Time': 'Asia/Seoul',
  'Yakutsk Standard Time': 'Asia/Yakutsk',
  'Cen. Australia Standard Time': 'Australia/Adelaide',
  'AUS Central Standard Time': 'Australia/Darwin',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'West Pacific Standard Time': 'Pacific/Port_Moresby',
  'Tasmania Standard Time': 'Australia/Hobart',
  'Vladivostok Standard Time': 'Asia/Vladivostok',
  'Lord Howe Standard Time': 'Australia/Lord_Howe',
  'Bougainville Standard Time': 'Pacific/Bougainville',
  'Russia Time Zone 10': 'Asia/Srednekolymsk',
  'Magadan Standard Time': 'Asia/Magadan',
  'Norfolk Standard Time': 'Pacific/Norfolk',
  'Sakhalin Standard Time': 'Asia/Sakhalin',
  'Central Pacific Standard Time': 'Pacific/Guadalcanal',
  'Russia Time Zone 11': 'Asia/Kamchatka',
  'Kamchatka Standard Time': 'Asia/Kamchatka',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'UTC+12': 'Etc/GMT-12',
  'Fiji Standard Time': 'Pacific/Fiji',
  'Chatham Islands Standard Time': 'Pacific/Chatham',
  'UTC+13': 'Etc/GMT-13',
  'Tonga Standard Time': 'Pacific/Tongatapu',
  'Samoa Standard Time': 'Pacific/Apia',
  'Line Islands Standard Time': 'Pacific/Kiritimati',
};

/**
 * Outlook/Windows display names (the city list after "(UTC±hh:mm)", lower-case, accents removed) → Windows zone id.
 * Localised clients translate the city list; those fall back to the city match in `windowsToIana`.
 */
const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  'international date line west': 'Dateline Standard Time',
  'coordinated universal time-11': 'UTC-11',
  'aleutian islands': 'Aleutian Standard Time',
  'hawaii': 'Hawaiian Standard Time',
  'marquesas islands': 'Marquesas Standard Time',
  'alaska': 'Alaskan Standard Time',
  'coordinated universal time-09': 'UTC-09',
  'baja california': 'Pacific Standard Time (Mexico)',
  'coordinated universal time-08': 'UTC-08',
  'pacific time (us & canada)': 'Pacific Standard Time',
  'arizona': 'US Mountain Standard Time',
  'chihuahua, la paz, mazatlan': 'Mountain Standard Time (Mexico)',
  'la paz, mazatlan': 'Mountain Standard Time (Mexico)',
  'mountain time (us & canada)': 'Mountain Standard Time',
  'yukon': 'Yukon Standard Time',
  'central america': 'Central America Standard Time',
  'central time (us & canada)': 'Central Standard Time',
  'easter island': 'Easter Island Standard Time',
  'guadalajara, mexico city, monterrey': 'Central Standard Time (Mexico)',
  'saskatchewan': 'Canada Central Standard Time',
  'bogota, lima, quito, rio branco': 'SA Pacific Standard Time',
  'bogota, lima, quito': 'SA Pacific Standard Time',
  'chetumal': 'Eastern Standard Time (Mexico)',
  'eastern time (us & canada)': 'Eastern Standard Time',
  'haiti': 'Haiti Standard Time',
  'havana': 'Cuba Standard Time',
  'indiana (east)': 'US Eastern Standard Time',
  'turks and caicos': 'Turks And Caicos Standard Time',
  'asuncion': 'Paraguay Standard Time',
  'atlantic time (canada)': 'Atlantic Standard Time',
  'caracas': 'Venezuela Standard Time',
  'cuiaba': 'Central Brazilian Standard Time',
  'georgetown, la paz, manaus, san juan': 'SA Western Standard Time',
  'santiago': 'Pacific SA Standard Time',
  'newfoundland': 'Newfoundland Standard Time',
  'araguaina': 'Tocantins Standard Time',
  'brasilia': 'E. South America Standard Time',
  'cayenne, fortaleza': 'SA Eastern Standard Time',
  'city of buenos aires': 'Argentina Standard Time',
  'buenos aires': 'Argentina Standard Time',
  'greenland': 'Greenland Standard Time',
  'montevideo': 'Montevideo Standard Time',
  'punta arenas': 'Magallanes Standard Time',
  'saint pierre and miquelon': 'Saint Pierre Standard Time',
  'salvador': 'Bahia Standard Time',
  'coordinated universal time-02': 'UTC-02',
  'mid-atlantic - old': 'Mid-Atlantic Standard Time',
  'mid-atlantic': 'Mid-Atlantic Standard Time',
  'azores': 'Azores Standard Time',
  'cabo verde is.': 'Cape Verde Standard Time',
  'cape verde is.': 'Cape Verde Standard Time',
  'coordinated universal time': 'UTC',
  'dublin, edinburgh, lisbon, london': 'GMT Standard Time',
  'greenwich mean time : dublin, edinburgh, lisbon, london': 'GMT Standard Time',
  'monrovia, reykjavik': 'Greenwich Standard Time',
  'sao tome': 'Sao Tome Standard Time',
  'casablanca': 'Morocco Standard Time',
  'amsterdam, berlin, bern, rome, stockholm, vienna': 'W. Europe Standard Time',
  'belgrade, bratislava, budapest, ljubljana, prague': 'Central Europe Standard Time',
  'brussels, copenhagen, madrid, paris': 'Romance Standard Time',
  'sarajevo, skopje, warsaw, zagreb': 'Central European Standard Time',
  'west central africa': 'W. Central Africa Standard Time',
  'amman': 'Jordan Standard Time',
  'athens, bucharest': 'GTB Standard Time',
  'athens, bucharest, istanbul': 'GTB Standard Time',
  'beirut': 'Middle East Standard Time',
  'cairo': 'Egypt Standard Time',
  'chisinau': 'E. Europe Standard Time',
  'damascus': 'Syria Standard Time',
  'gaza, hebron': 'West Bank Standard Time',
  'harare, pretoria': 'South Africa Standard Time',
  'helsinki, kyiv, riga, sofia, tallinn, vilnius': 'FLE Standard Time',
  'helsinki, kiev, riga, sofia, tallinn, vilnius': 'FLE Standard Time',
  'jerusalem': 'Israel Standard Time',
  'juba': 'South Sudan Standard Time',
  'kaliningrad': 'Kaliningrad Standard Time',
  'khartoum': 'Sudan Standard Time',
  'tripoli': 'Libya Standard Time',
  'windhoek': 'Namibia Standard Time',
  'baghdad': 'Arabic Standard Time',
  'istanbul': 'Turkey Standard Time',
  'kuwait, riyadh': 'Arab Standard Time',
  'minsk': 'Belarus Standard Time',
  'moscow, st. petersburg': 'Russian Standard Time',
  'moscow, st. petersburg, volgograd': 'Russian Standard Time',
  'nairobi': 'E. Africa Standard Time',
  'volgograd': 'Volgograd Standard Time',
  'tehran': 'Iran Standard Time',
  'abu dhabi, muscat': 'Arabian Standard Time',
  'astrakhan, ulyanovsk': 'Astrakhan Standard Time',
  'baku': 'Azerbaijan Standard Time',
  'izhevsk, samara': 'Russia Time Zone 3',
  'port louis': 'Mauritius Standard Time',
  'saratov': 'Saratov Standard Time',
  'tbilisi': 'Georgian Standard Time',
  'yerevan': 'Caucasus Standard Time',
  'kabul': 'Afghanistan Standard Time',
  'ashgabat, tashkent': 'West Asia Standard Time',
  'tashkent': 'West Asia Standard Time',
  'qyzylorda': 'Qyzylorda Standard Time',
  'ekaterinburg': 'Ekaterinburg Standard Time',
  'islamabad, karachi': 'Pakistan Standard Time',
  'chennai, kolkata, mumbai, new delhi': 'India Standard Time',
  'sri jayawardenepura': 'Sri Lanka Standard Time',
  'kathmandu': 'Nepal Standard Time',
  'astana': 'Central Asia Standard Time',
  'bishkek': 'Central Asia Standard Time',
  'dhaka': 'Bangladesh Standard Time',
  'omsk': 'Omsk Standard Time',
  'yangon (rangoon)': 'Myanmar Standard Time',
  'bangkok, hanoi, jakarta': 'SE Asia Standard Time',
  'barnaul, gorno-altaysk': 'Altai Standard Time',
  'hovd': 'W. Mongolia Standard Time',
  'krasnoyarsk': 'North Asia Standard Time',
  'novosibirsk': 'N. Central Asia Standard Time',
  'tomsk': 'Tomsk Standard Time',
  'beijing, chongqing, hong kong, urumqi': 'China Standard Time',
  'irkutsk': 'North Asia East Standard Time',
  'kuala lumpur, singapore': 'Singapore Standard Time',
  'perth': 'W. Australia Standard Time',
  'taipei': 'Taipei Standard Time',
  'ulaanbaatar': 'Ulaanbaatar Standard Time',
  'eucla': 'Aus Central W. Standard Time',
  'chita': 'Transbaikal Standard Time',
  'osaka, sapporo, tokyo': 'Tokyo Standard Time',
  'pyongyang': 'North Korea Standard Time',
  'seoul': 'Korea Standard Time',
  'yakutsk': 'Yakutsk Standard Time',
  'adelaide': 'Cen. Australia Standard Time',
  'darwin': 'AUS Central Standard Time',
  'brisbane': 'E. Australia Standard Time',
  'canberra, melbourne, sydney': 'AUS Eastern Standard Time',
  'guam, port moresby': 'West Pacific Standard Time',
  'hobart': 'Tasmania Standard Time',
  'vladivostok': 'Vladivostok Standard Time',
  'lord howe island': 'Lord Howe Standard Time',
  'bougainville island': 'Bougainville Standard Time',
  'chokurdakh': 'Russia Time Zone 10',
  'magadan': 'Magadan Standard Time',
  'norfolk island': 'Norfolk Standard Time',
  'sakhalin': 'Sakhalin Standard Time',
  'solomon is., new caledonia': 'Central Pacific Standard Time',
  'anadyr, petropavlovsk-kamchatsky': 'Russia Time Zone 11',
  'auckland, wellington': 'New Zealand Standard Time',
  'coordinated universal time+12': 'UTC+12',
  'fiji': 'Fiji Standard Time',
  'chatham islands': 'Chatham Islands Standard Time',
  'coordinated universal time+13': 'UTC+13',
  "nuku'alofa": 'Tonga Standard Time',
  'samoa': 'Samoa Standard Time',
  'kiritimati island': 'Line Islands Standard Time',
};

const BY_LOWER_ID = new Map(Object.entries(WINDOWS_ZONES).map(([k, v]) => [k.toLowerCase(), v]));

/** Lower-case, accents removed, whitespace collapsed, iCalendar escapes (`\,`) undone. */
function normalizeName(name: string): string {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/\\([,;\\])/g, '$1')
    .replace(/^"|"$/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

const DISPLAY_PREFIX = /^\((?:utc|gmt)\s*(?:([+-])(\d{1,2}):?(\d{2}))?\)\s*/i;

/** Every IANA zone Node knows, by its last path segment in lower case ("berlin" → "Europe/Berlin"). */
let cityIndex: Map<string, string[]> | undefined;
function zonesByCity(): Map<string, string[]> {
  if (!cityIndex) {
    cityIndex = new Map();
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      const city = zone.slice(zone.lastIndexOf('/') + 1).replace(/_/g, ' ').toLowerCase();
      cityIndex.set(city, [...(cityIndex.get(city) ?? []), zone]);
    }
  }
  return cityIndex;
}

/** UTC offset in minutes of `zone` at `epochMs` (via Intl). */
function offsetMinutes(zone: string, epochMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(epochMs);
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** A display name not in the table: the first listed city that is an IANA zone with that standard offset. */
function matchCities(cities: string, offset: number | undefined): string | undefined {
  const year = new Date().getUTCFullYear();
  for (const city of cities.split(',').map((c) => c.trim()).filter(Boolean)) {
    for (const zone of zonesByCity().get(city) ?? []) {
      const standard = Math.min(offsetMinutes(zone, Date.UTC(year, 0, 15)), offsetMinutes(zone, Date.UTC(year, 6, 15)));
      if (offset === undefined || standard === offset) return zone;
    }
  }
  return undefined;
}

/**
 * Maps a Windows zone id ("W. Europe Standard Time") or an Outlook display name
 * ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna") to IANA; undefined if unknown.
 */
export function windowsToIana(name: string): string | undefined {
  const normalized = normalizeName(name);
  const direct = BY_LOWER_ID.get(normalized);
  if (direct) return direct;
  const prefix = DISPLAY_PREFIX.exec(normalized);
  if (!prefix) return undefined;
  const cities = normalized.slice(prefix[0].length);
  const id = DISPLAY_NAMES[cities];
  if (id) return WINDOWS_ZONES[id];
  const offset = prefix[1] ? (prefix[1] === '-' ? -1 : 1) * (Number(prefix[2]) * 60 + Number(prefix[3])) : 0;
  return matchCities(cities, offset);
}
