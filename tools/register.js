/**
 * Runs the repo's TypeScript without a build step: `node -r ./tools/register.js file.ts`, mocha's `require`,
 * and the `approvals` / `plan` binaries. Each `.ts` file is transpiled on load by esbuild (already a
 * dependency: it bundles the Lambdas), about three times cheaper than ts-node's transpile-only mode, which
 * loads the whole TypeScript compiler into every process. Types are not checked here: `tsc --noEmit`
 * (`npm run typecheck`, part of `npm test`) does that for every file.
 *
 * Options follow tsconfig.json's compilerOptions (target, class fields); output is CommonJS as tsconfig's
 * `module`. Dynamic `import()` becomes `require`, as TypeScript's CommonJS output does, so `.ts` modules
 * load through this hook. The output carries an inline source map: run with `node --enable-source-maps` (or
 * NODE_OPTIONS=--enable-source-maps) for stack traces at the TypeScript lines. It is off by default because on
 * Node 20 mapping every captured stack (the Pulumi runtime captures one per resource) costs a fifth of a
 * program run under mocks.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const Module = require("module");
const esbuild = require("esbuild");

const TSCONFIG = path.join(__dirname, "..", "tsconfig.json");
const { compilerOptions } = JSON.parse(fs.readFileSync(TSCONFIG, "utf8"));

const OPTIONS = {
    loader: "ts",
    format: "cjs",
    target: compilerOptions.target.toLowerCase(),
    // TypeScript's CommonJS output turns import() into require(); Node's own import() cannot load .ts files.
    supported: { "dynamic-import": false },
    sourcemap: "inline",
    sourcesContent: false,
    tsconfigRaw: { compilerOptions },
};

/** Transpiled code by file, reused when a test deletes a module from require.cache to run it again. */
const cache = new Map();

/**
 * Transpiled code on disk, shared by every process (`npm test` starts about fifty: packs, CLIs, plans): a process
 * whose files are all there never starts esbuild's service. Keyed by the source, the file name (the source map
 * names it) and esbuild's version and options, so an edit or an upgrade misses. Written to a temporary file and
 * renamed, so concurrent processes never read half a file. Any failure here only means transpiling again.
 */
const DISK_CACHE = path.join(__dirname, "..", "node_modules", ".cache", "register-ts");
const CACHE_SALT = JSON.stringify([esbuild.version, OPTIONS]);

function cacheFile(filename, source) {
    const key = crypto.createHash("sha256").update(CACHE_SALT).update("\0").update(filename).update("\0").update(source).digest("hex");
    return path.join(DISK_CACHE, `${key}.js`);
}

function store(file, code) {
    try {
        fs.mkdirSync(DISK_CACHE, { recursive: true });
        const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
        fs.writeFileSync(temporary, code);
        fs.renameSync(temporary, file);
    } catch {
        // a read-only checkout: transpile every time
    }
}

function diskCached(filename, source, produce) {
    const file = cacheFile(filename, source);
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        // not cached yet
    }
    const code = produce();
    store(file, code);
    return code;
}

/**
 * Fills the disk cache for `files` at once, with esbuild's asynchronous API (its service transpiles them in
 * parallel). `npm test` calls it before starting the workers: on a fresh clone, the processes that start together
 * (two workers, four packs) would otherwise each transpile the same files.
 */
async function warmCache(files) {
    await Promise.all(
        files.map(async (filename) => {
            const source = fs.readFileSync(filename, "utf8");
            const file = cacheFile(filename, source);
            if (fs.existsSync(file)) return;
            const { code } = await esbuild.transform(source, { ...OPTIONS, sourcefile: filename });
            store(file, code);
        }),
    );
}

function transpile(filename) {
    const stat = fs.statSync(filename);
    const hit = cache.get(filename);
    if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return hit.code;
    const source = fs.readFileSync(filename, "utf8");
    const code = diskCached(filename, source, () => esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename }).code);
    cache.set(filename, { mtimeMs: stat.mtimeMs, size: stat.size, code });
    return code;
}

if (!Module._extensions[".ts"] || !Module._extensions[".ts"].esbuildRegister) {
    const load = function (module, filename) {
        module._compile(transpile(filename), filename);
    };
    load.esbuildRegister = true;
    Module._extensions[".ts"] = load;
}

module.exports = { warmCache };
