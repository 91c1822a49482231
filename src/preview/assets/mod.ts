/** The preview's static files, bundled as strings so the preview needs no files and no CDN. */
import type { AssetName } from "../routes.ts";
import { APP_JS } from "./app_js.ts";
import { FAVICON_SVG } from "./favicon_svg.ts";
import { INDEX_HTML } from "./index_html.ts";
import { STYLE_CSS } from "./style_css.ts";

/** A static file: its content type and text. */
export interface Asset {
  contentType: string;
  body: string;
}

/** The dashboard page. */
export const PAGE: Asset = { contentType: "text/html; charset=utf-8", body: INDEX_HTML };

/** The files under /assets/. */
export const ASSETS: Record<AssetName, Asset> = {
  "app.js": { contentType: "text/javascript; charset=utf-8", body: APP_JS },
  "style.css": { contentType: "text/css; charset=utf-8", body: STYLE_CSS },
  "favicon.svg": { contentType: "image/svg+xml", body: FAVICON_SVG },
};
