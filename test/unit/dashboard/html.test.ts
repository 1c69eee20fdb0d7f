import { describe, expect, it } from 'vitest';
import { html, raw } from '../../../server/web/html.js';

describe('html templates', () => {
  it.each([
    ['text', '<script>alert("x")</script>', '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>'],
    ['quotes', `a'b"c&d`, '<p>a&#39;b&quot;c&amp;d</p>'],
    ['number', 42, '<p>42</p>'],
    ['null', null, '<p></p>'],
    ['false', false, '<p></p>'],
    ['array', ['<a>', html`<b>${'&'}</b>`], '<p>&lt;a&gt;<b>&amp;</b></p>'],
    ['raw', raw('<em>ok</em>'), '<p><em>ok</em></p>'],
  ])('escapes %s', (_what, value, expected) => {
    expect(html`<p>${value as never}</p>`.text).toBe(expected);
  });

  it('escapes attribute values', () => {
    expect(html`<a href="${'/x" onclick="y'}">`.text).toBe('<a href="/x&quot; onclick=&quot;y">');
  });
});
