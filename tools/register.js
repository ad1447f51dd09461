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

function transpile(filename) {
    const stat = fs.statSync(filename);
    const hit = cache.get(filename);
    if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return hit.code;
    const source = fs.readFileSync(filename, "utf8");
    const { code } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
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
