/**
 * The preview's static files: the dashboard page, its script, stylesheet and icon. They are real
 * files beside this module (index.html, app.js, style.css, favicon.svg), so the formatter, the
 * linter and the type checker see them; the preview needs no other files and no CDN.
 *
 * {@link loadAssets} reads them once per process, when the first preview handler is built; every
 * request is then answered from memory. `deno compile` embeds them through the `--include` list
 * of deno.json's `compile` task (tests/preview/assets_test.ts checks that each one is listed).
 */
import type { AssetName } from "../routes.ts";
import { PreviewAssetError } from "../errors.ts";

/** A static file: its content type and text. */
export interface Asset {
  contentType: string;
  body: string;
}

/** Everything the preview serves from memory. */
export interface Assets {
  /** The dashboard page, served at `/`. */
  page: Asset;
  /** The files under /assets/. */
  files: Readonly<Record<AssetName, Asset>>;
}

/** Where each file is, relative to this module (works inside `deno compile` too). */
export const ASSET_URLS: Readonly<Record<"index.html" | AssetName, URL>> = Object.freeze({
  "index.html": new URL("./index.html", import.meta.url),
  "app.js": new URL("./app.js", import.meta.url),
  "style.css": new URL("./style.css", import.meta.url),
  "favicon.svg": new URL("./favicon.svg", import.meta.url),
});

let loaded: Assets | undefined;

/**
 * The preview's static files, read from disk on the first call and kept for the life of the
 * process (later calls return the same object).
 * @throws PreviewAssetError when a file cannot be read (e.g. missing from a compiled binary).
 */
export function loadAssets(): Assets {
  loaded ??= readAssets();
  return loaded;
}

/**
 * Reads every file now, with `read` (default `Deno.readTextFileSync`); {@link loadAssets} is the
 * cached version.
 * @throws PreviewAssetError naming the first file that cannot be read.
 */
export function readAssets(read: (url: URL) => string = Deno.readTextFileSync): Assets {
  const asset = (file: keyof typeof ASSET_URLS, contentType: string): Asset => {
    const url = ASSET_URLS[file];
    try {
      return Object.freeze({ contentType, body: read(url) });
    } catch (err) {
      throw new PreviewAssetError(file, url, err);
    }
  };
  return Object.freeze({
    page: asset("index.html", "text/html; charset=utf-8"),
    files: Object.freeze({
      "app.js": asset("app.js", "text/javascript; charset=utf-8"),
      "style.css": asset("style.css", "text/css; charset=utf-8"),
      "favicon.svg": asset("favicon.svg", "image/svg+xml"),
    }),
  });
}
