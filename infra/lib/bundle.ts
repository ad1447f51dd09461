/**
 * Lambda bundling, the way CDK's NodejsFunction does it: esbuild, platform node, target taken from the
 * Lambda runtime, one CommonJS `index.js` per function.
 *
 * Reproducible bytes, so `pulumi preview` shows no diff when nothing changed:
 * - esbuild runs in memory (`write: false`) from a fixed working directory (the repo root), so the
 *   only paths in the output are repo-relative `// lambdas/...` comments, the same on every clone;
 * - no source maps, no banner, no timestamps; legal comments collected at the end of the file
 *   (`legalComments: "eof"`) in esbuild's stable order;
 * - the archive is a `pulumi.asset.AssetArchive` holding one `StringAsset`: Pulumi builds the zip
 *   itself with fixed metadata, so no file mtime leaks into the code hash.
 *
 * `@aws-sdk/*` is external (taken from the runtime): see docs/architecture.md "Bundling". Bundles are cached per
 * process and built lazily, so importing this module costs nothing and a program builds each once.
 */
import * as crypto from "crypto";
import * as path from "path";
import { buildSync } from "esbuild";
import * as pulumi from "@pulumi/pulumi";

/**
 * The Lambda runtime of every function. nodejs22.x on purpose: nodejs20.x reached end of support
 * (Node 20 EOL April 2026) and the AWS SDK's releases after January 2027 require Node >= 22.
 */
export const LAMBDA_RUNTIME = "nodejs22.x";

/** esbuild's target for a Lambda runtime: `nodejs22.x` → `node22`. */
export function esbuildTarget(runtime: string): string {
    const match = /^nodejs(\d+)\.x$/.exec(runtime);
    if (!match) throw new Error(`unsupported Lambda runtime ${JSON.stringify(runtime)}; expected nodejsNN.x, e.g. ${LAMBDA_RUNTIME}`);
    return `node${match[1]}`;
}

/** Packages the Lambda runtime provides: left out of the bundle. */
export const RUNTIME_PROVIDED = ["@aws-sdk/*", "@smithy/*"];

export const REPO_ROOT = path.resolve(__dirname, "../..");

export interface LambdaBundle {
    /** Repo-relative entry, e.g. `lambdas/deploy-approved/index.ts`. */
    readonly entry: string;
    readonly code: string;
    /** Hex sha256 of `code`. */
    readonly sha256: string;
    readonly bytes: number;
}

export interface BundleOptions {
    readonly runtime?: string;
    /** Bundle these too instead of taking them from the runtime. Defaults to none. */
    readonly bundleSdk?: boolean;
    readonly minify?: boolean;
}

/**
 * Kept on `globalThis`, not in this module: runProgramUnderMocks reloads infra/ for every program run, and a
 * module-level cache would make each run (a test process has dozens) bundle every function again.
 */
const CACHE_KEY = Symbol.for("sagemaker-approval-gate/lambda-bundles");
const cache: Map<string, LambdaBundle> = ((globalThis as Record<symbol, Map<string, LambdaBundle> | undefined>)[CACHE_KEY] ??= new Map());

/** Builds (once per process and options) the single-file bundle of a handler. */
export function bundleLambda(entry: string, options: BundleOptions = {}): LambdaBundle {
    const runtime = options.runtime ?? LAMBDA_RUNTIME;
    const key = JSON.stringify([entry, runtime, !!options.bundleSdk, !!options.minify]);
    const hit = cache.get(key);
    if (hit) return hit;
    const result = buildSync({
        absWorkingDir: REPO_ROOT,
        entryPoints: [entry],
        bundle: true,
        write: false,
        platform: "node",
        format: "cjs",
        target: esbuildTarget(runtime),
        outfile: "index.js",
        external: options.bundleSdk ? [] : RUNTIME_PROVIDED,
        sourcemap: false,
        legalComments: "eof",
        minify: options.minify ?? false,
        keepNames: true,
        charset: "utf8",
        logLevel: "silent",
        metafile: false,
    });
    if (result.errors.length) {
        throw new Error(`esbuild failed for ${entry}: ${result.errors.map((e) => e.text).join("; ")}`);
    }
    const code = result.outputFiles[0].text;
    const bundle: LambdaBundle = {
        entry,
        code,
        sha256: crypto.createHash("sha256").update(code).digest("hex"),
        bytes: Buffer.byteLength(code),
    };
    cache.set(key, bundle);
    return bundle;
}

/** Forgets cached bundles (tests use it to prove two fresh builds are byte-identical). */
export function clearBundleCache(): void {
    cache.clear();
}

/** The handlers this project ships, by function name (role). */
export const LAMBDA_ENTRIES = {
    "notify-approver": "lambdas/notify-approver/index.ts",
    "deploy-approved": "lambdas/deploy-approved/index.ts",
    "artifact-tamper": "lambdas/artifact-tamper/index.ts",
    "out-of-band": "lambdas/out-of-band/index.ts",
    "smoke-test": "lambdas/smoke-test/index.ts",
} as const;
export type LambdaName = keyof typeof LAMBDA_ENTRIES;

/** The functions ApprovalEvents deploys (ArtifactGuard deploys artifact-tamper). */
export const APPROVAL_FUNCTION_ROLES = ["notify-approver", "deploy-approved"] as const satisfies readonly LambdaName[];
export type LambdaRole = (typeof APPROVAL_FUNCTION_ROLES)[number];

/** The code archive of a function: one index.js from a StringAsset (no zip timestamps). */
export function lambdaArchive(name: LambdaName): pulumi.asset.AssetArchive {
    return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleLambda(LAMBDA_ENTRIES[name]).code) });
}
