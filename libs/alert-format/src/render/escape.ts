/** Escaping for each kind of text Klaxon puts user-provided values into. */

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in HTML element content and in a double- or single-quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

/**
 * Text for Slack mrkdwn: Slack's documented escaping is &, < and > only. That is what keeps a message
 * from becoming a link (`<http://…|…>`) or a mention (`<!channel>`, `<@U123>`).
 */
export function escapeSlackMrkdwn(value: string): string {
  return value.replace(/[&<>]/g, (char) => HTML_ENTITIES[char] ?? char);
}

// CommonMark lets any ASCII punctuation be backslash-escaped; escaping only what opens inline syntax
// (emphasis, code, links and images, raw HTML and autolinks, entities, strikethrough) keeps the text
// readable where a renderer ignores escapes. Block syntax (`#`, `-`, `1.`) needs a line start, and the
// renderers never put a value at the start of a line.
const MARKDOWN_SPECIALS = /[\\`*_~[\]<>&]/g;

/** Text for CommonMark / GitHub-flavoured Markdown, shown literally where it stands inside a line. */
export function escapeMarkdown(value: string): string {
  return value.replace(MARKDOWN_SPECIALS, (char) => `\\${char}`);
}

/** A URL as the target of a Markdown link `[text](url)`: characters that would end it are percent-encoded. */
export function markdownLinkTarget(url: string): string {
  return url.replace(/[()<>\s\\]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** A URL inside Slack's `<url|text>`: & < > as entities, `|` percent-encoded so it cannot start the text. */
export function slackLinkTarget(url: string): string {
  return escapeSlackMrkdwn(url).replace(/\|/g, '%7C');
}
