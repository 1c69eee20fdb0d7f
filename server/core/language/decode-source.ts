// Bytes → source text. Workflow files must be UTF-8; the first bad byte is reported by line and column.
import type { Position } from './diagnostics.js';

export type DecodedSource =
  | { ok: true; text: string }
  | { ok: false; message: string; at: Position };

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const lenientDecoder = new TextDecoder('utf-8');

export function decodeSource(content: Uint8Array | string): DecodedSource {
  if (typeof content === 'string') {
    // The decoder drops a byte-order mark; do the same for strings so columns agree.
    return { ok: true, text: content.charCodeAt(0) === 0xfeff ? content.slice(1) : content };
  }
  try {
    return { ok: true, text: strictDecoder.decode(content) };
  } catch {
    const index = firstInvalidUtf8Byte(content);
    let lineStart = 0;
    let line = 1;
    for (let i = 0; i < index; i++) {
      if (content[i] === 0x0a) {
        line += 1;
        lineStart = i + 1;
      }
    }
    const column = lenientDecoder.decode(content.subarray(lineStart, index)).length + 1;
    const byte = (content[index] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    return {
      ok: false,
      message: `The file is not valid UTF-8 (byte 0x${byte} here); save it as UTF-8.`,
      at: { line, column },
    };
  }
}

/** Number of UTF-8 bytes `text` encodes to, without allocating them. */
export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 4;
      i += 1;
    } else length += 3;
  }
  return length;
}

/** Index of the first byte that starts an invalid sequence (overlong, surrogate, too large or cut short). */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    let length: number;
    let min = 0x80;
    let max = 0xbf; // allowed range of the second byte
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) min = 0xa0;
      if (lead === 0xed) max = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) min = 0x90;
      if (lead === 0xf4) max = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const byte = bytes[i + k];
      const low = k === 1 ? min : 0x80;
      const high = k === 1 ? max : 0xbf;
      if (byte === undefined || byte < low || byte > high) return i;
    }
    i += length;
  }
  return bytes.length;
}
