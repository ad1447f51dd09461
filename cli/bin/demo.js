#!/usr/bin/env node
// `npm run demo`: the local sandbox (cli/demo/sandbox/main.ts), run without a build step (tools/register.js: esbuild, transpile only).
"use strict";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
require("../../tools/register");
const { runDemoCli } = require("../demo/sandbox/main");
runDemoCli(process.argv.slice(2)).then(
    (code) => process.stdout.write("", () => process.exit(code)),
    (err) => {
        process.stderr.write(`error: ${(err && err.message) || String(err)}\n`);
        process.exit(1);
    },
);
