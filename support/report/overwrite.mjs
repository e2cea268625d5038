// Writing a file over an existing one without making ext4 write it out at once: the bytes go over the old
// ones and only what is past the new end is cut off, never a truncation to zero (which, like a rename onto an
// existing name, triggers ext4's auto_da_alloc flush; docs/bench.md). Plain ESM: the reports worker runs it
// without the tsx loader, and the runner imports it too.
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';

/** The whole of bytes at the file's position, however many writes it takes. */
export function writeAll(fd, bytes) {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

/** Writes content (text as UTF-8, or bytes) over the existing file, and cuts what is left past it. */
export function overwrite(file, content) {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const fd = openSync(file, 'r+');
  try {
    writeAll(fd, bytes);
    if (fstatSync(fd).size > bytes.length) ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}
