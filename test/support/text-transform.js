/** Jest transform for files bundled as text (esbuild's `text` loader): the module is the file's content. */
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};` };
  },
};
