/** Builds .tar.gz sample payload archives the way `tar czf` does (ustar headers), for the smoke-test tests. */
import { gzipSync } from "zlib";

function header(name: string, size: number, type = "0"): Buffer {
    const h = Buffer.alloc(512, 0);
    h.write(name, 0, 100, "utf8");
    h.write("0000644\0", 100, "ascii");
    h.write("0000000\0", 108, "ascii");
    h.write("0000000\0", 116, "ascii");
    h.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "ascii");
    h.write("00000000000\0", 136, "ascii");
    h.write("        ", 148, "ascii");
    h.write(type, 156, "ascii");
    h.write("ustar\0", 257, "ascii");
    h.write("00", 263, "ascii");
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
    return h;
}

/** A tar (not gzip'd) of these files; a name ending in / is a directory. */
export function tar(files: Record<string, string>): Buffer {
    const parts: Buffer[] = [];
    for (const [name, content] of Object.entries(files)) {
        if (name.endsWith("/")) {
            parts.push(header(name, 0, "5"));
            continue;
        }
        const data = Buffer.from(content, "utf8");
        parts.push(header(name, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512, 0));
    }
    parts.push(Buffer.alloc(1024, 0));
    return Buffer.concat(parts);
}

export const tarGz = (files: Record<string, string>): Buffer => gzipSync(tar(files));
