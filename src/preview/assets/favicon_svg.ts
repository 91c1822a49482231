/** The preview's icon: a film frame (SVG), so the browser never asks for a missing favicon. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect x="2" y="6" width="28" height="20" rx="3" fill="#1f6feb"/>
<rect x="7" y="10" width="18" height="12" rx="1" fill="#fff"/>
<path d="M13 12.5v7l6-3.5z" fill="#1f6feb"/>
</svg>
`;
