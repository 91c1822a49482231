/**
 * Types for the part of the browser's DOM that app.js uses, as module types instead of the global
 * `dom` lib.
 *
 * `deno check src/` checks app.js in the same program as the server code, whose globals are
 * Deno's (deno.json's `lib`). Putting `lib.dom` into that program (`/// <reference lib="dom" />`)
 * changes Deno's web types for every other file: `TextDecoderStream` no longer fits
 * `ReadableStream.pipeThrough`, and checks elsewhere fail. So app.js takes `document`, `history`
 * and `location` from `globalThis` as a {@link BrowserGlobals}, and tests/preview/assets_test.ts
 * type-checks, against the real `lib.dom`, that the browser's objects fit these types: app.js can
 * use nothing here that the browser does not have.
 *
 * Deno's own globals that are web standards (`fetch`, `EventSource`, `Event`, `URL`) are used
 * as they are.
 */

/** The browser globals app.js reads from `globalThis`. */
export interface BrowserGlobals {
  readonly document: Document;
  readonly history: History;
  readonly location: Location;
  /** Where the dashboard keeps the server's token for this tab only. */
  readonly sessionStorage: Storage;
}

/** `sessionStorage`. */
export interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** `document`. */
export interface Document {
  getElementById(elementId: string): HTMLElement | null;
  createElement(tagName: string): HTMLElement;
  createElementNS(namespaceURI: "http://www.w3.org/2000/svg", qualifiedName: string): SVGElement;
}

/** `history`. */
export interface History {
  replaceState(data: unknown, unused: string, url?: string | null): void;
}

/** `location`. */
export interface Location {
  readonly hash: string;
}

/** A DOM node. */
export interface Node {
  textContent: string | null;
}

/** An element's `classList`. */
export interface DOMTokenList {
  add(...tokens: string[]): void;
  toggle(token: string, force?: boolean): boolean;
}

/** An element of any namespace. */
export interface Element extends Node {
  className: string;
  readonly classList: DOMTokenList;
  getAttribute(qualifiedName: string): string | null;
  setAttribute(qualifiedName: string, value: string): void;
  append(...nodes: (Node | string)[]): void;
  replaceChildren(...nodes: (Node | string)[]): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
}

/** An SVG element (`<svg>`, `<line>`, `<text>`…): app.js uses only what every element has. */
export type SVGElement = Element;

/** An element's `dataset` (`data-*` attributes). */
export interface DOMStringMap {
  [name: string]: string | undefined;
}

/** An element's inline `style`. */
export interface CSSStyleDeclaration {
  width: string;
  aspectRatio: string;
}

/** An HTML element. */
export interface HTMLElement extends Element {
  /** `true`/`false`, or `"until-found"` (lib.dom types it `string | boolean`). */
  hidden: boolean | string;
  title: string;
  readonly dataset: DOMStringMap;
  readonly style: CSSStyleDeclaration;
  focus(): void;
}

/** `<button>`. */
export interface HTMLButtonElement extends HTMLElement {
  type: string;
  disabled: boolean;
}

/** `<input>`. */
export interface HTMLInputElement extends HTMLElement {
  value: string;
}

/** `<img>`. */
export interface HTMLImageElement extends HTMLElement {
  src: string;
  readonly complete: boolean;
}

/** `<video>`. */
export interface HTMLVideoElement extends HTMLElement {
  src: string;
}

/** `<a>`. */
export interface HTMLAnchorElement extends HTMLElement {
  href: string;
}
