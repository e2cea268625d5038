// XML escaping, written once for the harness: element text of the requests it encodes, attribute values of the
// reports it writes; and the element names it writes.

/** An element name the harness writes (ASCII letters, digits, `_`, `.`, `-`; not starting with a digit). */
export function isXmlName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9._-]*$/.test(name);
}

/** Element text: `&`, `<` and `>` as references; everything else as it is (a request carries what it is given). */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A double-quoted attribute value of a report: also `"`, and the characters XML 1.0 forbids left out. */
export function escapeXmlAttribute(text: string): string {
  return (
    escapeXml(text)
      .replace(/"/g, '&quot;')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
  );
}
