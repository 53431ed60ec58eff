import { escapeHtml, escapeMarkdown, escapeSlackMrkdwn } from './escape';

describe('escaping', () => {
  it.each<[string, string]>([
    ['<script>alert("x")</script>', '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'],
    ["it's & done", 'it&#39;s &amp; done'],
    ['&amp;', '&amp;amp;'],
    ['磁盘 😀', '磁盘 😀'],
  ])('escapeHtml(%j)', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });

  it.each<[string, string]>([
    ['a < b > c & d', 'a &lt; b &gt; c &amp; d'],
    ['*bold* _it_ "quoted"', '*bold* _it_ "quoted"'],
  ])('escapeSlackMrkdwn(%j)', (input, expected) => {
    expect(escapeSlackMrkdwn(input)).toBe(expected);
  });

  it.each<[string, string]>([
    ['web-01 10.0.0.1 #4711', 'web-01 10.0.0.1 #4711'],
    ['a*b_c`d~e', 'a\\*b\\_c\\`d\\~e'],
    ['[x](y) ![i](j)', '\\[x\\](y) !\\[i\\](j)'],
    ['<b>&copy;\\', '\\<b\\>\\&copy;\\\\'],
  ])('escapeMarkdown(%j)', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });
});
