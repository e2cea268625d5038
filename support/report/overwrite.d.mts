// Types of overwrite.mjs (plain ESM, shared by the reports worker and the runner).
export declare function writeAll(fd: number, bytes: Uint8Array): void;
export declare function overwrite(file: string, content: string | Uint8Array): void;
