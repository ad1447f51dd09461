#!/usr/bin/env node
// `npm run plan -- --stack <name>`: runs the TypeScript plan without a build step (tools/register.js: esbuild, transpile only).
"use strict";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
require("../../tools/register");
const { runPlanCli } = require("../plan/main");
runPlanCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
}).then(
    (code) => {
        // Exit explicitly: the Pulumi runtime and gRPC may keep handles open after the plan is printed.
        process.stdout.write("", () => process.exit(code));
    },
    (err) => {
        process.stderr.write(`error: ${(err && err.stack) || String(err)}\n`);
        process.exit(3);
    },
);
