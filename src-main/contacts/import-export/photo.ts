// Contact photos travel as data URLs (the contract's PhotoDataUrl). What a vCard claims about
// its photo (TYPE=PNG, data:image/…) is not trusted: the bytes decide the type, and anything
// that is not PNG, JPEG or WebP, or is larger than the cap, is dropped (the contact is still
// imported, without a photo).

/** 200 KB decoded. As a data URL that is ≤ 273,091 characters, inside the contract's 280,000. */
export const MAX_PHOTO_BYTES = 200 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function photoFromBase64(base64: string): string | null {
  const compact = base64.replace(/\s+/g, '');
  // Refuse before decoding, so a 50 MB photo costs no 37 MB buffer.
  if (compact.length > Math.ceil(MAX_PHOTO_BYTES / 3) * 4) return null;
  if (compact.length % 4 === 1 || !BASE64.test(compact)) return null;
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length === 0 || bytes.length > MAX_PHOTO_BYTES) return null;
  const mime = sniffImage(bytes);
  return mime === null ? null : `data:${mime};base64,${bytes.toString('base64')}`;
}

/** `data:image/png;base64,…` → its base64 payload, if the URL is a base64 data URL at all. */
export function base64OfDataUrl(url: string): { mime: string; base64: string } | null {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url.trim());
  if (!match || !/;base64/i.test(match[2] ?? '')) return null;
  return { mime: (match[1] ?? '').toLowerCase(), base64: match[3] ?? '' };
}

function sniffImage(bytes: Uint8Array): 'image/png' | 'image/jpeg' | 'image/webp' | null {
  const at = (offset: number, signature: readonly number[]) => signature.every((byte, i) => bytes[offset + i] === byte);
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (at(0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  // 'RIFF' <size> 'WEBP'
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'image/webp';
  return null;
}
