/** Python sources shipped in build contexts, bundled as text (esbuild's `text` loader; jest's text transform). */
declare module '*.py' {
  const source: string;
  export default source;
}
