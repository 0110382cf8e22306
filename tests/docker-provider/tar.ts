/**
 * A minimal ustar writer for container uploads (regular files only): Docker's putArchive takes a tar
 * stream, and writing the 512-byte headers ourselves avoids depending on a transitive tar package.
 */
export interface TarEntry {
    /** Path inside the archive, relative (no leading slash). */
    name: string;
    content: Buffer;
    mode: number;
}

function header(entry: TarEntry): Buffer {
    const h = Buffer.alloc(512, 0);
    const nameBytes = Buffer.from(entry.name, "utf8");
    if (nameBytes.length > 100) {
        // ustar splits long names into prefix (155) + name (100) at a slash.
        const cut = entry.name.lastIndexOf("/", entry.name.length - 1);
        const prefix = entry.name.slice(0, cut);
        const rest = entry.name.slice(cut + 1);
        if (cut <= 0 || Buffer.byteLength(prefix) > 155 || Buffer.byteLength(rest) > 100) {
            throw new Error(`upload path too long for a tar header: ${entry.name}`);
        }
        h.write(rest, 0, "utf8");
        h.write(prefix, 345, "utf8");
    } else {
        nameBytes.copy(h, 0);
    }
    const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, "0") + "\0";
    h.write(octal(entry.mode & 0o7777, 8), 100, "ascii");
    h.write(octal(0, 8), 108, "ascii"); // uid root
    h.write(octal(0, 8), 116, "ascii"); // gid root
    h.write(octal(entry.content.length, 12), 124, "ascii");
    h.write(octal(Math.floor(Date.now() / 1000), 12), 136, "ascii");
    h.write("        ", 148, "ascii"); // checksum placeholder: spaces while summing
    h.write("0", 156, "ascii"); // regular file
    h.write("ustar\0", 257, "ascii");
    h.write("00", 263, "ascii");
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
    return h;
}

export function buildTar(entries: TarEntry[]): Buffer {
    const parts: Buffer[] = [];
    for (const e of entries) {
        parts.push(header(e), e.content);
        const pad = (512 - (e.content.length % 512)) % 512;
        if (pad) parts.push(Buffer.alloc(pad, 0));
    }
    parts.push(Buffer.alloc(1024, 0)); // two zero blocks end the archive
    return Buffer.concat(parts);
}
