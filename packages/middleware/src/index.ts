export { compose } from './compose.js';
export { type CompressOptions, compress, type Encoding, hasZstd } from './compress.js';
export { type DecompressOptions, decompress } from './decompress.js';
export { type Insertion, type RewriteHtmlOptions, rewriteHtml } from './rewrite-html.js';
export { type StaticOptions, serveStatic } from './static.js';
export { type ChunkTransform, type TransformOptions, transform } from './transform.js';
export { type XsltOptions, xslt } from './xslt.js';
