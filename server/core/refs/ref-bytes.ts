// Ref names are bytes to git, and need not be UTF-8. Decoding them leniently would map `feature/x\xff` and
// `feature/x\xfe` to the same `feature/x\ufffd`, so two refs would share one state. Instead each byte that is
// not part of valid UTF-8 is written `\xHH`: a backslash can never appear in a ref name (git check-ref-format),
// so the text is unambiguous, readable, storable in PostgreSQL, and turns back into the exact bytes.

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The ref name for display and storage: UTF-8 as it is, other bytes as `\xHH`. */
export function refNameFromBytes(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    // Decode the valid runs and escape the rest, one byte at a time.
  }
  let text = '';
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length > 0) {
      text += decoder.decode(bytes.subarray(i, i + length));
      i += length;
    } else {
      text += `\\x${(bytes[i] as number).toString(16).padStart(2, '0')}`;
      i += 1;
    }
  }
  return text;
}

/** The bytes of a ref name made by refNameFromBytes. */
export function refNameToBytes(name: string): Buffer {
  if (!name.includes('\\x')) return Buffer.from(name, 'utf8');
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of name.matchAll(/\\x([0-9a-f]{2})/g)) {
    parts.push(Buffer.from(name.slice(last, match.index), 'utf8'), Buffer.from([parseInt(match[1] as string, 16)]));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(name.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** Length of the valid UTF-8 sequence starting at `i` (shortest form, no surrogates), or 0. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const first = bytes[i] as number;
  if (first < 0x80) return 1;
  const length = first >= 0xc2 && first <= 0xdf ? 2 : first >= 0xe0 && first <= 0xef ? 3 : first >= 0xf0 && first <= 0xf4 ? 4 : 0;
  if (length === 0 || i + length > bytes.length) return 0;
  const second = bytes[i + 1] as number;
  const [low, high] = first === 0xe0 ? [0xa0, 0xbf] : first === 0xed ? [0x80, 0x9f] : first === 0xf0 ? [0x90, 0xbf] : first === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
  if (second < low || second > high) return 0;
  for (let k = 2; k < length; k++) {
    const next = bytes[i + k] as number;
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return length;
}
