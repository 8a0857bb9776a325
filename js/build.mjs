// Bundles each widget's front-end module for the Python package.
//
//   js/src/<name>/index.js   -> dl_jupyter/widgets/static/<name>.js   (ESM, bundled, minified)
//   js/src/<name>/*.css      -> dl_jupyter/widgets/static/<name>.css  (concatenated, sorted by name)
//
// Folders without an index.js (js/src/common/) are libraries that entries import; they are
// bundled into each entry that uses them. Do not import CSS from JavaScript: keep it beside
// index.js, where this script picks it up.
//
//   node build.mjs           build once (removes stale bundles first)
//   node build.mjs --watch   rebuild on change (restart it after adding a new widget folder)
import * as esbuild from "esbuild";
import { existsSync, watch as fsWatch } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const srcDir = path.join(here, "src");
const outDir = path.resolve(here, "..", "dl_jupyter", "widgets", "static");
const watchMode = process.argv.includes("--watch");
const GENERATED = /\.(js|css|map|LEGAL\.txt)$/;

async function widgetDirs() {
  let entries;
  try {
    entries = await readdir(srcDir, { withFileTypes: true });
  } catch (err) {
    if (err.code === "ENOENT") return [];
    throw err;
  }
  return entries
    .filter((e) => e.isDirectory() && existsSync(path.join(srcDir, e.name, "index.js")))
    .map((e) => e.name)
    .sort();
}

async function cleanOutDir() {
  await mkdir(outDir, { recursive: true });
  for (const name of await readdir(outDir)) {
    if (GENERATED.test(name)) await rm(path.join(outDir, name), { force: true });
  }
}

// The newest file in static/ tells hatch-jupyter-builder's npm_builder that the build is
// fresh (newer than js/src), also while there is no widget yet; it is not shipped.
async function writeStamp(outputs) {
  await writeFile(path.join(outDir, ".build-stamp"), `${outputs.join("\n")}\n`);
}

async function copyCss(names) {
  const written = [];
  for (const name of names) {
    const dir = path.join(srcDir, name);
    const cssFiles = (await readdir(dir)).filter((f) => f.endsWith(".css")).sort();
    const target = path.join(outDir, `${name}.css`);
    if (cssFiles.length === 0) {
      await rm(target, { force: true });
      continue;
    }
    const parts = [];
    for (const file of cssFiles) {
      parts.push(`/* ${name}/${file} */\n${await readFile(path.join(dir, file), "utf8")}`);
    }
    await writeFile(target, parts.join("\n"));
    written.push(`${name}.css`);
  }
  return written;
}

function options(names) {
  return {
    entryPoints: Object.fromEntries(names.map((n) => [n, path.join(srcDir, n, "index.js")])),
    outdir: outDir,
    bundle: true,
    format: "esm",
    minify: true,
    legalComments: "linked",
    target: ["es2020"],
    logLevel: "warning",
  };
}

async function main() {
  const names = await widgetDirs();
  await cleanOutDir();
  if (names.length === 0) {
    console.log("build.mjs: no widget entries (js/src/<name>/index.js); nothing to bundle");
    if (!watchMode) return writeStamp([]);
  }
  const css = await copyCss(names);
  if (!watchMode) {
    await esbuild.build(options(names));
    const bundles = names.map((n) => `${n}.js`);
    await writeStamp([...bundles, ...css]);
    console.log(`build.mjs: ${[...bundles, ...css].join(", ")} -> ${path.relative(here, outDir)}`);
    return;
  }
  const ctx = await esbuild.context({
    ...options(names),
    logLevel: "info",
  });
  await ctx.watch();
  if (!existsSync(srcDir)) return;
  fsWatch(srcDir, { recursive: true }, (_event, file) => {
    if (file && file.endsWith(".css")) {
      copyCss(names).then((written) => console.log(`build.mjs: copied ${written.join(", ")}`));
    }
  });
  console.log(`build.mjs: watching ${names.length} entr${names.length === 1 ? "y" : "ies"}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
