// The encodings of a call and its answer live in support/wire/; this path re-exports them for the modules that
// still import them from here (the World). New code imports support/wire/ directly.

export { type DecodedAnswer, decodeAnswer } from '../wire/answer-decoding.ts';
export { declaredXmlEncoding } from '../wire/charsets.ts';
export {
  charsetOf,
  JSON_MEDIA_TYPE,
  mediaTypeFor,
  mediaTypeOf,
  XML_MEDIA_TYPE,
} from '../wire/media-types.ts';
export {
  type EncodedCall,
  encodeCall,
  isRawJson,
  isRawXml,
  type RequestForm,
  XML_DECLARATION,
} from '../wire/request-encoding.ts';
export { parsedXmlNodes, type XmlElement, type XmlNode } from '../wire/xml-reader.ts';
export { escapeXml } from '../xml-escape.ts';
