// --write-profile: the profile written from a site validates against profiles/profile.schema.json (checked here with
// the schema file itself, not only through the loader), holds the site's ports with read-only capabilities, and is
// never written over an existing file or into a folder that does not exist.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startEmulator } from '../emulator/index.ts';
import {
  checkProfilePath,
  PLACEHOLDER,
  profileFromSite,
  WriteProfileError,
  writeSiteProfile,
} from '../support/profile/from-site.ts';
import { loadProfile } from '../support/profile/profile.ts';
import { discoverSite, rangeSource } from '../support/site/discover.ts';
import { parsePortList } from '../support/site/port-list.ts';
import type { SiteMap } from '../support/site/site-map.ts';
import { closeClient } from '../support/wire/exchange.ts';

const SCHEMA = new URL('../profiles/profile.schema.json', import.meta.url);

async function schemaValidator() {
  const schema = JSON.parse(await readFile(SCHEMA, 'utf8')) as object;
  return new Ajv2020({ allErrors: true, strict: true }).compile(schema);
}

describe('a profile written from what discovery found', () => {
  let dir: string;
  let site: SiteMap;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'discover-profile-'));
    const emulator = await startEmulator({
      port: 0,
      rig: false,
      site: {
        ports: [
          { port_id: 4, type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'ERSO' },
          { port_id: 9, type: 'AC', mode: 'CLOSED' },
          { port_id: 12, type: 'CO', mode: 'CLOSED' },
          { port_id: 20, type: 'VE', mode: 'OPEN', selected_bin: 7 },
        ],
      },
    });
    try {
      site = await discoverSite(
        { taskUrl: emulator.taskUrl, timeoutMs: 10_000, maxResponseBytes: 1024 * 1024 },
        rangeSource(parsePortList('1-40')),
        { excluded: [30] },
      );
    } finally {
      await emulator.close();
      await closeClient();
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validates against profiles/profile.schema.json, read-only, with the ports found', async () => {
    const file = path.join(dir, 'site-profile.json');
    const profile = profileFromSite(site, {
      taskUrl: 'http://127.0.0.1:44000/api/v2/task',
      timeoutMs: 4000,
      command: 'npm test -- --target=host --write-profile=site-profile.json',
      file,
    });
    const validate = await schemaValidator();
    assert.ok(validate(profile), JSON.stringify(validate.errors));
    assert.deepEqual(profile.capabilities, {
      json: true,
      rig: false,
      task_interface_arrangement: false,
      operator: false,
    });
    assert.deepEqual(profile.fixtures.autocase_ports, [4, 9]);
    assert.deepEqual(profile.fixtures.other_ports, [
      { port_id: 12, type: 'CO' },
      { port_id: 20, type: 'VE' },
    ]);
    assert.equal(profile.fixtures.absent_port, 1);
    assert.equal(profile.fixtures.bins, 'any');
    assert.deepEqual(profile.timeouts, { call_ms: 4000 });
    assert.deepEqual(profile.discovery, { exclude_ports: [30] });
    assert.equal(profile.task_url, 'http://127.0.0.1:44000/api/v2/task');
    assert.deepEqual(
      [profile.identity.vendor, profile.identity.product, profile.identity.software_release],
      [PLACEHOLDER, PLACEHOLDER, PLACEHOLDER],
    );
    assert.match(profile.$comment, /Replace every "EDIT ME" in identity before you keep it/);
    assert.match(profile.$comment, /--write-profile=site-profile\.json/);
  });

  it('is written as a file the loader takes, with a $schema that finds the schema from where it is', async () => {
    const sub = path.join(dir, 'a', 'b');
    await mkdir(sub, { recursive: true });
    const file = path.join(sub, 'kept.json');
    await checkProfilePath(file);
    const profile = profileFromSite(site, {
      taskUrl: 'emulator',
      timeoutMs: 10_000,
      command: 'npm test',
      file,
    });
    await writeSiteProfile(file, profile);
    const loaded = await loadProfile(file);
    assert.deepEqual(loaded.profile.fixtures.autocase_ports, [4, 9]);
    assert.equal(loaded.profile.task_url, 'emulator');
    const written = JSON.parse(await readFile(file, 'utf8')) as { $schema: string };
    assert.equal(path.resolve(sub, written.$schema), path.resolve(new URL(SCHEMA).pathname));
    const validate = await schemaValidator();
    assert.ok(validate(written), JSON.stringify(validate.errors));
  });

  it('leaves absent_port out when no port id answered 1000', () => {
    const full = { ...site, absent: [] };
    const profile = profileFromSite(full, {
      taskUrl: 'emulator',
      timeoutMs: 10_000,
      command: 'npm test',
      file: path.join(dir, 'x.json'),
    });
    assert.equal('absent_port' in profile.fixtures, false);
    assert.match((profile.fixtures as { $comment?: string }).$comment ?? '', /no port id answered 1000/);
  });

  it('refuses a site it could not read: nothing to write', () => {
    assert.throws(
      () =>
        profileFromSite(
          { ...site, ports: [], absent: [], unreadable: 'the read methods do not answer (...)' },
          { taskUrl: 'emulator', timeoutMs: 10_000, command: 'npm test', file: 'x.json' },
        ),
      (error: unknown) =>
        error instanceof WriteProfileError && /^nothing to write: the read methods/.test(error.message),
    );
  });

  it('never overwrites a file, and says so in one line; a missing folder is one line too', async () => {
    const kept = path.join(dir, 'mine.json');
    await writeFile(kept, '{"edited": true}\n');
    await assert.rejects(
      checkProfilePath(kept),
      (error: unknown) =>
        error instanceof WriteProfileError &&
        /the file exists; the harness never overwrites/.test(error.message),
    );
    const profile = profileFromSite(site, {
      taskUrl: 'emulator',
      timeoutMs: 10_000,
      command: 'npm test',
      file: kept,
    });
    await assert.rejects(writeSiteProfile(kept, profile), WriteProfileError);
    assert.equal(await readFile(kept, 'utf8'), '{"edited": true}\n');
    await assert.rejects(
      checkProfilePath(path.join(dir, 'no-such-folder', 'p.json')),
      (error: unknown) =>
        error instanceof WriteProfileError &&
        /the folder .*no-such-folder does not exist/.test(error.message),
    );
    await assert.rejects(
      checkProfilePath(dir),
      (error: unknown) => error instanceof WriteProfileError && /is a directory/.test(error.message),
    );
  });
});
