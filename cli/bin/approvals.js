#!/usr/bin/env node
// Runs the TypeScript CLI without a build step (tools/register.js: esbuild, transpile only; types are checked by `npm test`).
"use strict";
// The SDK warns on every run that its 2027 releases need Node 22; this package pins its SDK, so the warning is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
require("../../tools/register");
const { runCli } = require("../approvals/program");
const { terminal } = require("../approvals/main");
runCli(process.argv.slice(2), { io: terminal }).then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        process.stderr.write(`error: ${(err && err.message) || String(err)}\n`);
        process.exitCode = 3;
    },
);
