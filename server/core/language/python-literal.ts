// Decoding of Python string and number literals whose extent tree-sitter has already found.

export type StringLiteral =
  | { kind: 'str' | 'bytes'; value: string }
  | { kind: 'f-string' }
  | { kind: 'invalid'; reason: string };

/** A decoded literal with, for each UTF-16 unit of its value, the index in the literal's text it comes from. */
export type LocatedStringLiteral =
  | { kind: 'str' | 'bytes'; value: string; offsets: number[] }
  | Exclude<StringLiteral, { kind: 'str' | 'bytes' }>;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
};

/** Decodes one literal such as `'a'`, `r"\d"`, `"""x"""` or `b'..'` (the full source text of a `string` node). */
export function decodeStringLiteral(text: string): StringLiteral {
  const literal = decodeLocatedStringLiteral(text);
  return literal.kind === 'str' || literal.kind === 'bytes' ? { kind: literal.kind, value: literal.value } : literal;
}

/** Like decodeStringLiteral, with where each character of the value sits in `text` (an escape: its backslash). */
export function decodeLocatedStringLiteral(text: string): LocatedStringLiteral {
  let prefixEnd = 0;
  while (prefixEnd < text.length && text[prefixEnd] !== '"' && text[prefixEnd] !== "'") prefixEnd += 1;
  const prefix = text.slice(0, prefixEnd).toLowerCase();
  if (prefix.includes('f') || prefix.includes('t')) return { kind: 'f-string' };
  const quoteChar = text[prefixEnd];
  if (quoteChar === undefined) return { kind: 'invalid', reason: 'the string has no quotes' };
  const quote = text.startsWith(quoteChar.repeat(3), prefixEnd) ? quoteChar.repeat(3) : quoteChar;
  const contentStart = prefixEnd + quote.length;
  const contentEnd = text.length - quote.length >= contentStart && text.endsWith(quote) ? text.length - quote.length : text.length;
  let raw = '';
  const rawOffsets: number[] = [];
  for (let i = contentStart; i < contentEnd; i++) {
    if (text[i] === '\r' && text[i + 1] === '\n') continue; // \r\n reads as \n
    raw += text[i];
    rawOffsets.push(i);
  }
  const kind = prefix.includes('b') ? 'bytes' : 'str';
  if (prefix.includes('r')) return { kind, value: raw, offsets: rawOffsets };
  return decodeEscapes(raw, rawOffsets, kind);
}

function decodeEscapes(raw: string, rawOffsets: readonly number[], kind: 'str' | 'bytes'): LocatedStringLiteral {
  if (!raw.includes('\\')) return { kind, value: raw, offsets: [...rawOffsets] };
  let value = '';
  const offsets: number[] = [];
  const add = (decoded: string, at: number): void => {
    value += decoded;
    for (let k = 0; k < decoded.length; k++) offsets.push(rawOffsets[at] ?? 0);
  };
  let i = 0;
  while (i < raw.length) {
    const char = raw[i] as string;
    if (char !== '\\' || i + 1 >= raw.length) {
      add(char, i);
      i += 1;
      continue;
    }
    const next = raw[i + 1] as string;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      add(simple, i);
      i += 2;
    } else if (next >= '0' && next <= '7') {
      let digits = next;
      while (digits.length < 3 && (raw[i + 1 + digits.length] ?? '') >= '0' && (raw[i + 1 + digits.length] ?? '') <= '7') {
        digits += raw[i + 1 + digits.length];
      }
      add(String.fromCodePoint(parseInt(digits, 8)), i);
      i += 1 + digits.length;
    } else if (next === 'x' || (kind === 'str' && (next === 'u' || next === 'U'))) {
      const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = raw.slice(i + 2, i + 2 + length);
      const code = hex.length === length && isHex(hex) ? parseInt(hex, 16) : NaN;
      if (!(code <= 0x10ffff)) return { kind: 'invalid', reason: `\`\\${next}${hex}\` is not a valid escape` };
      add(String.fromCodePoint(code), i);
      i += 2 + length;
    } else if (next === 'N' && kind === 'str') {
      return { kind: 'invalid', reason: 'named escapes like `\\N{...}` are not supported; write the character itself' };
    } else {
      add(char, i); // Python keeps unknown escapes such as `\d` as they are.
      i += 1;
    }
  }
  return { kind, value, offsets };
}

function isHex(text: string): boolean {
  for (const char of text.toLowerCase()) {
    if (!((char >= '0' && char <= '9') || (char >= 'a' && char <= 'f'))) return false;
  }
  return true;
}

/** The value of an `integer` or `float` node's text, or undefined for complex numbers and oddities. */
export function decodeNumberLiteral(text: string): number | undefined {
  const plain = text.replaceAll('_', '').toLowerCase();
  if (plain.endsWith('j') || plain.endsWith('l')) return undefined;
  let value: number;
  if (plain.length > 2 && plain[0] === '0' && 'xob'.includes(plain[1] as string)) {
    const radix = plain[1] === 'x' ? 16 : plain[1] === 'o' ? 8 : 2;
    const digits = plain.slice(2);
    for (const digit of digits) {
      if (Number.isNaN(parseInt(digit, radix))) return undefined;
    }
    value = parseInt(digits, radix);
  } else {
    value = Number(plain);
  }
  return Number.isFinite(value) ? value : undefined;
}
