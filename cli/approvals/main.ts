/**
 * Entry point of the `approvals` binary: the real terminal and real AWS clients, then `runCli`.
 */
import confirm from "@inquirer/confirm";
import type { Io } from "./context";
import { runCli } from "./program";

export const terminal: Io = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    // The prompt goes to stderr so `--json` output on stdout stays one clean document.
    confirm: (message) => confirm({ message, default: false }, { output: process.stderr }),
    now: () => new Date(),
};

if (require.main === module) {
    runCli(process.argv.slice(2), { io: terminal }).then(
        (code) => {
            process.exitCode = code;
        },
        (err) => {
            process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
            process.exitCode = 3;
        },
    );
}
