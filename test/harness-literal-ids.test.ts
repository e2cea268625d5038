// Text a scenario writes literally (a port_id literal, params sent verbatim, a body that is not a call), as found:
// the scenario's port and bin in it rewritten to the port that plays it and a bin that keeps a valid reading of it a
// probe there, and refused when it could still be read as a port the run may not use or a bin that could let a
// cancel succeed (support/site/literal-ids.ts). A lenient controller that read such text as a call changes nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  binReadings,
  bodyOnSite,
  cancelOnSite,
  digitRuns,
  numberOnto,
  paramReadings,
  portLiteralOnSite,
  portReadings,
  type SitePlay,
} from '../support/site/literal-ids.ts';

/** The scenario's port 4 is played by port 101, whose selected bin is 6001; the run may use 101-104 and 150. */
const PLAY: SitePlay = {
  port: (id) => (id === 4 ? 101 : undefined),
  bin: (id) => (id === 101337 ? 101337 : undefined),
  offLimits: (port) =>
    [101, 102, 103, 104, 150].includes(port) ? undefined : 'not among the ports the profile lists',
  notProbe: (bin) => (bin === 6001 ? 'could let a cancel on port 101 succeed' : undefined),
  cancel: (port, bin) => (port === 101 && bin === 6001 ? 'could succeed as port 101 stands' : undefined),
};

const text = (result: ReturnType<typeof bodyOnSite>): string => {
  assert.ok('text' in result, 'reason' in result ? result.reason : '');
  return result.text;
};

describe('literal text as found', () => {
  it('reads digit runs of any script, with their values', () => {
    assert.deepEqual(
      digitRuns('a 0004 ٤٢ 𝟏𝟎𝟏').map((r) => [r.text, r.value]),
      [
        ['0004', 4],
        ['٤٢', 42],
        ['𝟏𝟎𝟏', 101],
      ],
    );
  });

  it('knows the ports a port_id literal could be taken for', () => {
    assert.deepEqual(portReadings('4.0'), [4]);
    assert.deepEqual(portReadings('0x4'), [4]);
    assert.deepEqual(portReadings('0x101'), [257]);
    assert.deepEqual(portReadings('++4'), [4]);
    assert.deepEqual(portReadings('{"value": 4}'), [4]);
    assert.deepEqual(portReadings('٤'), [4]);
    assert.deepEqual(portReadings('-0.5'), []);
    assert.deepEqual(portReadings('four'), []);
  });

  it("rewrites the scenario's port in a port_id literal, keeping its form", () => {
    const cases: [string, string][] = [
      ['+4', '+101'],
      ['0004', '000101'],
      [' 4 ', ' 101 '],
      ['\n\t4\n', '\n\t101\n'],
      ['4.0', '101.0'],
      ['4e0', '101e0'],
      ['4 4', '101 101'],
      ['[4]', '[101]'],
      ['"4"', '"101"'],
      ['٤', '١٠١'],
      ['<value>4</value>', '<value>101</value>'],
      ['four', 'four'],
      ['', ''],
    ];
    for (const [written, sent] of cases) assert.equal(text(portLiteralOnSite(written, PLAY)), sent, written);
  });

  it('refuses a port_id literal that could still be read as a port the run may not use', () => {
    assert.deepEqual(portLiteralOnSite('0x4', PLAY), {
      reason:
        'the port_id "0x101" could be read as port 257, which is not among the ports the profile lists: not sent',
    });
    assert.ok('reason' in portLiteralOnSite('7.0', PLAY));
  });

  it("rewrites every robustness body's port 4 to the port that plays it", () => {
    const cases: [string, string][] = [
      ['case_cancel 4 101337', 'case_cancel 101 101337'],
      [
        '<?xml version="1.0"?><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall><extra/>',
        '<?xml version="1.0"?><methodcall><name>case_cancel</name><params><port_id>101</port_id><bin_id>101337</bin_id></params></methodcall><extra/>',
      ],
      ['port_id=4&bin_id=101337', 'port_id=101&bin_id=101337'],
      [
        '{"method": "case_cancel", "params": {"port_id": 4, "bin_id": 101337}',
        '{"method": "case_cancel", "params": {"port_id": 101, "bin_id": 101337}',
      ],
      ['["case_cancel", 4, 101337]', '["case_cancel", 101, 101337]'],
      ['<methodcall><name>case_cancel</name>', '<methodcall><name>case_cancel</name>'],
      ['', ''],
      ['[4, 101337]', '[101, 101337]'],
      ['"port_id=4&bin_id=101337"', '"port_id=101&bin_id=101337"'],
    ];
    for (const [written, sent] of cases) assert.equal(text(bodyOnSite(written, PLAY)), sent, written);
  });

  it("rewrites the scenario's bin to the one that keeps the body a probe", () => {
    const play: SitePlay = { ...PLAY, bin: (id) => (id === 101337 ? 6002 : undefined) };
    assert.equal(
      text(bodyOnSite('<port_id>0004</port_id><bin_id>101337</bin_id>', play)),
      '<port_id>000101</port_id><bin_id>6002</bin_id>',
    );
  });

  it('refuses a body that names a port the run may not use, or a bin that could succeed', () => {
    assert.deepEqual(bodyOnSite('case_cancel 7 101337', PLAY), {
      reason:
        'the body names 7, which could be read as port 7, not among the ports the profile lists: not sent',
    });
    assert.deepEqual(bodyOnSite('case_cancel 4 6001', PLAY), {
      reason: 'the body names 6001, which as a bin could let a cancel on port 101 succeed: not sent',
    });
    const both: SitePlay = { ...PLAY, bin: (id) => (id === 4 ? 5 : undefined) };
    assert.ok('reason' in bodyOnSite('case_cancel 4 4', both));
    // The XML declaration's version is no port.
    assert.equal(text(bodyOnSite('<?xml version="1.0"?><x/>', PLAY)), '<?xml version="1.0"?><x/>');
    assert.ok('reason' in bodyOnSite('<x version="1.0"/>', PLAY));
  });

  it('reads an integer outside the range as its 16- and 32-bit wraps (port_id) and 32-bit wrap (bin_id)', () => {
    assert.deepEqual(portReadings('65540'), [4]);
    assert.deepEqual(portReadings('4294967300'), [4]);
    assert.deepEqual(portReadings(' +65540 '), [4]);
    assert.deepEqual(portReadings('2147483648'), []);
    assert.deepEqual(portReadings('99999999999999999999'), []);
    assert.deepEqual(paramReadings(65540, 'port_id'), [4]);
    assert.deepEqual(paramReadings(-65532, 'port_id'), [4]);
    assert.deepEqual(paramReadings(65540, 'bin_id'), [65540]);
    assert.deepEqual(paramReadings(4295068633, 'bin_id'), [101337]);
    assert.deepEqual(paramReadings(-101337, 'bin_id'), []);
  });

  it('reads the bin_id literals a lenient controller could take for bin 101337', () => {
    for (const written of [
      '101337.0',
      '1.01337e5',
      '101337\u00a0',
      '"101337"',
      '[101337]',
      '<value>101337</value>',
      '101337.00000000000000001',
    ])
      assert.ok(binReadings(written).includes(101337), written);
    assert.deepEqual(paramReadings([101337, 101337], 'bin_id'), [101337]);
    assert.deepEqual(paramReadings({ rawXml: '<value>101337</value>' }, 'bin_id'), [101337]);
  });

  it("wraps an integer outside the range onto the port or bin that plays the scenario's", () => {
    assert.equal(numberOnto(65540, 'port_id', PLAY.port), 2 ** 16 + 101);
    assert.equal(numberOnto(4294967300, 'port_id', PLAY.port), 2 ** 32 + 101);
    assert.equal(numberOnto(2001, 'port_id', PLAY.port), 2001);
    assert.equal(numberOnto(4, 'port_id', PLAY.port), 4);
    assert.equal(
      numberOnto(4295068633, 'bin_id', (id) => (id === 101337 ? 6002 : undefined)),
      2 ** 32 + 6002,
    );
    assert.equal(text(portLiteralOnSite('65540', PLAY)), String(2 ** 16 + 101));
    assert.equal(text(portLiteralOnSite(' 4294967300 ', PLAY)), ` ${2 ** 32 + 101} `);
  });

  it('refuses a port_id whose wrap is a port the run may not use', () => {
    assert.deepEqual(portLiteralOnSite('65541', PLAY), {
      reason:
        'the port_id "65541" could be read as port 5, which is not among the ports the profile lists: not sent',
    });
    assert.match(cancelOnSite(65541, 101337, PLAY) ?? '', /could be read as port 5, which is not among/);
  });

  it('refuses a call any reading of which could cancel on the site as known', () => {
    assert.equal(cancelOnSite(101, 6002, PLAY), undefined);
    assert.equal(cancelOnSite(101, { rawJson: '6002.0' }, PLAY), undefined);
    for (const bin of ['6001.0', '"6001"', '[6001]', '<value>6001</value>'])
      assert.equal(
        cancelOnSite(101, { rawJson: bin }, PLAY),
        `the call (port_id 101, bin_id ${JSON.stringify(bin)}) could be read as a cancel of bin 6001 on port 101, which could succeed as port 101 stands: not sent`,
        bin,
      );
    assert.match(cancelOnSite(101, 2 ** 32 + 6001, PLAY) ?? '', /cancel of bin 6001 on port 101/);
    assert.match(cancelOnSite(2 ** 16 + 101, '6001.0', PLAY) ?? '', /cancel of bin 6001 on port 101/);
    // No valid bin reading at all: nothing can be cancelled.
    assert.equal(cancelOnSite(101, 'bin', PLAY), undefined);
  });

  it('reads XML markup as XML reads it and as a reader that does not resolve character references sees it', () => {
    assert.deepEqual(paramReadings({ rawXml: '<![CDATA[4]]>' }, 'port_id'), [4]);
    assert.deepEqual(
      paramReadings({ rawXml: '&#55;' }, 'port_id'),
      [7],
      'a code point is no id: not port 55',
    );
    assert.deepEqual(paramReadings({ rawXml: '&#x37;' }, 'port_id'), [7]);
    assert.deepEqual(paramReadings({ rawXml: '4<!-- c -->' }, 'port_id'), [4]);
    // a child element is no such markup: its digits as any literal's
    assert.deepEqual(paramReadings({ rawXml: '<value>4</value>' }, 'port_id'), [4]);
  });
});
