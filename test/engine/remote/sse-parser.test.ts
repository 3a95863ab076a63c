import { describe, expect, it } from 'vitest';
import { readSse, SseParser } from '../../../src/engine/remote/sse-parser.js';

const STREAM =
  ': comment\r\nevent: progress\r\ndata: {"step":1}\r\n\r\n' +
  'data: line one\ndata: line two\nid: 7\n\n' +
  'data:no-space\rdata\r\r' +
  'event: result\ndata: {"ok":true}\n\n';

const EXPECTED = [
  { event: 'progress', data: '{"step":1}' },
  { event: 'message', data: 'line one\nline two', id: '7' },
  { event: 'message', data: 'no-space\n', id: '7' },
  { event: 'result', data: '{"ok":true}', id: '7' },
];

describe('SseParser', () => {
  it('parses CRLF, CR and LF line ends, comments, multi-line data and ids', () => {
    const parser = new SseParser();
    expect(parser.feed(STREAM)).toEqual(EXPECTED);
    expect(parser.finish()).toEqual({ truncated: false });
  });

  it('gives the same events however the text is split, CRLF pairs included', () => {
    for (let size = 1; size <= 9; size += 1) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < STREAM.length; i += size) events.push(...parser.feed(STREAM.slice(i, i + size)));
      expect(events).toEqual(EXPECTED);
    }
  });

  it('discards an event cut off by the end of the stream', () => {
    const parser = new SseParser();
    expect(parser.feed('data: [DONE]\n\ndata: {"half":')).toEqual([{ event: 'message', data: '[DONE]' }]);
    expect(parser.finish()).toEqual({ truncated: true });
  });

  it('readSse keeps multi-byte characters split across byte chunks whole', async () => {
    const bytes = new TextEncoder().encode('data: ✓ é 😀\n\n');
    async function* oneByteAtATime() {
      for (const b of bytes) yield Uint8Array.of(b);
    }
    const events = [];
    for await (const event of readSse(oneByteAtATime())) events.push(event);
    expect(events).toEqual([{ event: 'message', data: '✓ é 😀' }]);
  });
});
