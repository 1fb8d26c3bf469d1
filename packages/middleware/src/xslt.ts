import { Buffer } from 'node:buffer';
import { bufferBody, type Captured, type Environ, type Middleware, mapResponse } from '@tsgi/core';
import { isTransformable, weakenEtag } from './transform.js';

/** Options of {@link xslt}. */
export interface XsltOptions {
  /** The XSLT 1.0 stylesheet, as text. Parsed once, when the first response needs it. */
  stylesheet: string;
  /** Which responses to transform. Default: `application/xml`, `text/xml` and any `+xml` type. */
  match?: (response: Captured, environ: Environ) => boolean;
  /** The most bytes of XML read to transform; a larger response is sent untransformed (and logged). Default 4 MiB. */
  limit?: number;
  /** Resolves `xsl:import`/`xsl:include` hrefs to stylesheet text. Default: none, an import is an error (never a fetch). */
  loader?: (href: string) => string | Promise<string>;
  /** Values of the stylesheet's top-level `xsl:param`s, per request. */
  parameters?: (environ: Environ) => Record<string, string | number | boolean>;
}

/** The small part of xslt-processor@5 used here (typed locally: it is an optional peer). */
interface XNode {
  nodeType: number;
  localName: string;
  namespaceUri: string | null;
  childNodes: XNode[];
  getAttributeValue?(name: string): string | null;
}
interface XsltProcessor {
  XmlParser: new () => { xmlParse(text: string): XNode };
  Xslt: new (
    options: object,
  ) => {
    xsltProcess(xml: XNode, stylesheet: XNode): Promise<string>;
    /** The method the run used (from xsl:output, or the result's root). */
    outputMethod?: string;
  };
}

const XSL = 'http://www.w3.org/1999/XSL/Transform';
const XML_TYPE = /^(?:application\/xml|text\/xml|application\/[\w.+-]+\+xml)\s*(?:;|$)/i;
const TYPES: Record<string, string> = {
  html: 'text/html',
  xhtml: 'application/xhtml+xml',
  text: 'text/plain',
  json: 'application/json',
  xml: 'application/xml',
};

/**
 * Applies an XSLT 1.0 stylesheet to XML responses (an RSS feed shown as a page), with
 * `xslt-processor` — an optional peer dependency (LGPL-3.0, pure JS), loaded on the first
 * response that needs it, so importing this module costs nothing without it.
 *
 * XSLT needs the whole document: this middleware buffers the XML, up to `limit` (4 MiB), and
 * sends a larger response untransformed, with a line on `tsgi.errors`. The response's
 * `Content-Type` follows `xsl:output` (`method="html"` → `text/html; charset=utf-8`, or its
 * `media-type`); text from the XML stays escaped in the output. `xsl:import`/`xsl:include`
 * touch neither the network nor the disk unless you pass a `loader` (its results are kept).
 * `document()` is not supported: it yields an empty node-set. XML is read as UTF-8; an encoded
 * body (`Content-Encoding`) is passed on as it is.
 *
 * Not for: large documents (buffered), or XSLT 2.0/3.0 stylesheets (xslt-processor covers 1.0
 * with gaps: partial namespace handling, `key()`).
 * @example
 * const feedAsPage = xslt({ stylesheet: await readFile('feed.xsl', 'utf8') });
 * serve(feedAsPage(app));
 */
export function xslt(options: XsltOptions): Middleware {
  const { stylesheet, match, limit = 4 * 1024 * 1024, loader, parameters } = options ?? ({} as XsltOptions);
  if (typeof stylesheet !== 'string' || stylesheet.trim() === '')
    throw new TypeError('xslt: `stylesheet` must be the stylesheet text');
  if (match !== undefined && typeof match !== 'function')
    throw new TypeError('xslt: `match` must be a function');
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new TypeError('xslt: `limit` must be a positive integer');
  if (loader !== undefined && typeof loader !== 'function')
    throw new TypeError('xslt: `loader` must be a function');
  if (parameters !== undefined && typeof parameters !== 'function')
    throw new TypeError('xslt: `parameters` must be a function');
  const loaded = new Map<string, Promise<string>>();
  const fetchFunction = async (href: string): Promise<string> => {
    if (loader === undefined)
      throw new Error(`xslt: xsl:import/xsl:include of ${href} refused (no loader given)`);
    let text = loaded.get(href);
    if (text === undefined) {
      text = Promise.resolve(loader(href));
      loaded.set(href, text);
      // a failure (a disk or network hiccup) is not kept: the next response asks again
      text.catch(() => loaded.delete(href));
    }
    return text;
  };
  let compiled: Promise<Compiled> | undefined;

  return mapResponse(async (response, environ) => {
    if (!isTransformable(response, environ) || isEncoded(response)) return;
    if (!(match ?? isXml)(response, environ)) return;
    const read = await bufferBody(response.body, limit);
    if (!read.complete) {
      environ['tsgi.errors'].write(
        `xslt: response of ${environ.PATH_INFO} is over ${limit} bytes, sent untransformed\n`,
      );
      response.body = read.body;
      return;
    }
    compiled ??= compile(stylesheet);
    const { processor, parser, style, method, mediaType } = await compiled;
    const params = Object.entries(parameters?.(environ) ?? {}).map(([name, value]) => ({ name, value }));
    // escape is set on purpose: given options without it, xslt-processor stops escaping text
    const transformer = new processor.Xslt({
      escape: true,
      cData: true,
      selfClosingTags: method !== 'html',
      parameters: params,
      fetchFunction,
      documentLoader: () => null,
    });
    const output = await transformer.xsltProcess(
      parser.xmlParse(Buffer.from(read.bytes).toString('utf8')),
      style,
    );
    const bytes = Buffer.from(output);
    // without xsl:output, XSLT picks the method from the result (an <html> root is html)
    const chosen = method ?? transformer.outputMethod ?? 'xml';
    response.setHeader('Content-Type', `${mediaType ?? TYPES[chosen] ?? TYPES.xml}; charset=utf-8`);
    response.setHeader('Content-Length', String(bytes.byteLength));
    response.deleteHeader('Accept-Ranges');
    weakenEtag(response);
    response.body = [bytes]; // the XML body was closed by bufferBody
  });
}

interface Compiled {
  processor: XsltProcessor;
  parser: InstanceType<XsltProcessor['XmlParser']>;
  style: XNode;
  method: string | undefined;
  mediaType: string | undefined;
}

/** Loads the optional peer and parses the stylesheet, once; reads its `xsl:output`. */
async function compile(stylesheet: string): Promise<Compiled> {
  let processor: XsltProcessor;
  try {
    processor = (await import('xslt-processor')) as unknown as XsltProcessor;
  } catch (cause) {
    throw new Error(
      'xslt: the optional peer dependency `xslt-processor` is not installed (npm install xslt-processor@5)',
      {
        cause,
      },
    );
  }
  const parser = new processor.XmlParser();
  const style = parser.xmlParse(stylesheet);
  const root = style.childNodes.find((node) => node.nodeType === 1);
  const output = root?.childNodes.find(
    (node) => node.nodeType === 1 && node.namespaceUri === XSL && node.localName === 'output',
  );
  return {
    processor,
    parser,
    style,
    method: output?.getAttributeValue?.('method') ?? undefined,
    mediaType: output?.getAttributeValue?.('media-type') ?? undefined,
  };
}

/** A body under a content coding (a precompressed `feed.xml.gz`) is not XML text until decoded. */
function isEncoded(response: Captured): boolean {
  const coding = response.getHeader('Content-Encoding');
  return coding !== undefined && coding.trim().toLowerCase() !== 'identity';
}

function isXml(response: Captured): boolean {
  return XML_TYPE.test(response.getHeader('Content-Type') ?? '');
}
