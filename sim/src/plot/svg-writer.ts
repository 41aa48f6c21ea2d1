/**
 * A minimal, dependency-free SVG writer: escapes text, formats coordinates (refusing non-finite
 * numbers, so a NaN never reaches a file as `NaN` in a path), and keeps elements balanced. Plots are
 * written once per run, so plain string building is fine here.
 */
import { InvalidArgumentError } from '@dcq/core';

/** Escapes `&`, `<`, `>`, `"` and `'` for text and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A coordinate with at most 2 decimals; throws an {@link InvalidArgumentError} for a non-finite value. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new InvalidArgumentError(`SVG coordinate must be finite, got ${value}`);
  const rounded = Math.round(value * 100) / 100;
  return `${rounded === 0 ? 0 : rounded}`;
}

/** Attribute values: strings are escaped, numbers formatted with {@link formatNumber}. */
export type SvgAttributes = Readonly<Record<string, string | number>>;

function attributeText(attributes: SvgAttributes): string {
  let text = '';
  for (const [name, value] of Object.entries(attributes)) {
    text += ` ${name}="${typeof value === 'number' ? formatNumber(value) : escapeXml(value)}"`;
  }
  return text;
}

/** Builds an SVG document element by element; {@link finish} checks every opened element was closed. */
export class SvgWriter {
  private readonly parts: string[];
  private readonly open: string[];

  /** A document of `width` × `height` pixels. */
  constructor(options: { readonly width: number; readonly height: number }) {
    this.parts = [];
    this.open = [];
    this.parts.push('<?xml version="1.0" encoding="UTF-8"?>\n');
    this.begin('svg', {
      xmlns: 'http://www.w3.org/2000/svg',
      width: options.width,
      height: options.height,
      viewBox: `0 0 ${formatNumber(options.width)} ${formatNumber(options.height)}`,
      'font-family': 'Helvetica, Arial, sans-serif',
    });
  }

  /** Opens an element (closed by {@link end}). */
  begin(tag: string, attributes: SvgAttributes = {}): void {
    this.parts.push(`<${tag}${attributeText(attributes)}>\n`);
    this.open.push(tag);
  }

  /** Closes the innermost open element. */
  end(): void {
    const tag = this.open.pop();
    if (tag === undefined) throw new InvalidArgumentError('no SVG element is open');
    this.parts.push(`</${tag}>\n`);
  }

  /** An element without children, or with escaped `text` content. */
  element(tag: string, attributes: SvgAttributes, text?: string): void {
    if (text === undefined) this.parts.push(`<${tag}${attributeText(attributes)}/>\n`);
    else this.parts.push(`<${tag}${attributeText(attributes)}>${escapeXml(text)}</${tag}>\n`);
  }

  /** Closes the root and returns the document. */
  finish(): string {
    this.end();
    if (this.open.length !== 0) throw new InvalidArgumentError(`SVG elements left open: ${this.open.join(', ')}`);
    return this.parts.join('');
  }
}

/** An SVG path `d` for a polyline through (xs[i], ys[i]); throws for non-finite points. */
export function polylinePath(xs: ArrayLike<number>, ys: ArrayLike<number>): string {
  let d = '';
  for (let i = 0; i < xs.length; i++) {
    d += `${i === 0 ? 'M' : ' L'}${formatNumber(xs[i] as number)},${formatNumber(ys[i] as number)}`;
  }
  return d;
}
