/**
 * A progress display for the steps that take seconds: on a terminal, a spinner with the elapsed time on one
 * line that becomes "✓ label (2.1 s)"; otherwise (CI, a pipe, a test) plain lines, one when a step starts and
 * one when it ends, so a log shows what was running when something hung.
 */
export interface Progress {
    run<T>(label: string, work: () => Promise<T>): Promise<T>;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

export function progress(stream: NodeJS.WriteStream = process.stdout, tty = Boolean(stream.isTTY)): Progress {
    return {
        async run(label, work) {
            const started = Date.now();
            let frame = 0;
            const draw = () => stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label} (${seconds(Date.now() - started)})`);
            let timer: NodeJS.Timeout | undefined;
            if (tty) {
                draw();
                timer = setInterval(draw, 100);
            } else {
                stream.write(`... ${label}\n`);
            }
            const finish = (mark: string) => {
                if (timer) clearInterval(timer);
                const line = `${mark} ${label} (${seconds(Date.now() - started)})`;
                stream.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
            };
            try {
                const result = await work();
                finish(tty ? "✓" : "done:");
                return result;
            } catch (err) {
                finish(tty ? "✗" : "failed:");
                throw err;
            }
        },
    };
}
